"""Churn and care pages: the churn inbox, an alert with its handling (retain, recovered, lost) and history,
the settings (the unit's churn rules, care rules, the risk model and its AUC) and the customer 360 tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Widget
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.auditlog.selectors import record_history
from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.config.parameters import parameter_units, parameters_set
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer
from guanxi.org.forms import PersonChoiceField, offer_people
from guanxi.org.models import BusinessUnit, User
from guanxi.org.selectors import people_in_scope

from . import care, risk, selectors, services
from .forms import CareRuleForm, ChurnSettingsForm, LostForm, RecoverForm, RetainForm
from .models import OPEN_STATUSES, REASON_DICTIONARY, AlertStatus, CareOccasion, CareRule, ChurnAlert, Rule
from .rules import PARAMETERS, unit_params


def _owner_menu(actor: User, chosen: str) -> str:
    """The owner filter of a manager: the people in their scope of churn alerts, as the other lists' owner
    filters (reading the owners of every alert in scope took most of a second at a million customers)."""
    people = people_in_scope(actor, "churn")
    if people is None:
        return ""
    field = PersonChoiceField(people, required=False, empty_label=_("Any owner"))
    offer_people(field, people, "churn")
    widget = cast(Widget, field.widget)  # an instance once the field is made
    return widget.render("owner", chosen, attrs={"id": "alert-owner", "class": "form-select w-auto"})


@perm_required("churn.view")
def alert_list(request: AuthedRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "") for name in selectors.FILTERS}
    if "status" not in request.GET:
        filters["status"] = "open"
    rows = selectors.alert_list(actor=request.user, filters=filters)
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    for alert in page.object_list:
        alert.reason_texts = [services.reason_text(reason).render() for reason in alert.reasons]
    context = {
        "page_obj": page,
        "filters": filters,
        "statuses": [("open", _("Open")), *AlertStatus.choices],
        "rules": Rule.choices,
        "owner_menu": _owner_menu(request.user, filters.get("owner", "")),
    }
    return render(request, "retention/list.html", context)


def _alert(request: AuthedRequest, pk: int) -> ChurnAlert:
    return get_visible_or_404(ChurnAlert.objects.select_related("customer__owner", "closed_by"), request.user, pk=pk)


@perm_required("churn.view")
def alert_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    return render(request, "retention/detail.html", _detail_context(request, alert))


def _detail_context(request: AuthedRequest, alert: ChurnAlert, **forms: Any) -> dict[str, Any]:
    may_edit = has_perm(request.user, "churn.edit")
    due = timezone.localtime() + timedelta(days=2)
    return {
        "alert": alert,
        "reasons": [services.reason_text(reason).render() for reason in alert.reasons],
        "reason_label": dictionary_labels(REASON_DICTIONARY).get(alert.lost_reason, alert.lost_reason),
        "may_retain": may_edit and alert.status == AlertStatus.WARNED,
        "may_close": may_edit and alert.status in OPEN_STATUSES,
        "retain_form": forms.get("retain_form") or RetainForm(initial={"due_at": due.replace(minute=0, second=0)}),
        "lost_form": forms.get("lost_form") or LostForm(),
        "recover_form": forms.get("recover_form") or RecoverForm(),
        "history": record_history(actor=request.user, obj=alert),
        "score": selectors.risk_of(alert.customer_id),
    }


@require_POST
@perm_required("churn.edit")
def alert_retain(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    form = RetainForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = attempt(form, None, lambda: services.alert_retain(
            actor=request.user, alert=alert, measure=data["measure"], kind=data["kind"], due_at=data.get("due_at"),
            channel=data.get("channel") or "phone"))  # fmt: skip
        if done:
            messages.success(request, _("The customer is being retained."))
            return redirect(alert.get_absolute_url())
    return render(request, "retention/detail.html", _detail_context(request, alert, retain_form=form), status=400)


@require_POST
@perm_required("churn.edit")
def alert_lost(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    form = LostForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = attempt(form, None, lambda: services.alert_confirm_lost(
            actor=request.user, alert=alert, reason=data["reason"], note=data["note"]))  # fmt: skip
        if done:
            messages.success(request, _("Churn confirmed."))
            return redirect(alert.get_absolute_url())
    return render(request, "retention/detail.html", _detail_context(request, alert, lost_form=form), status=400)


@require_POST
@perm_required("churn.edit")
def alert_recover(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    form = RecoverForm(request.POST)
    if form.is_valid():
        done = attempt(form, None, lambda: services.alert_recover(
            actor=request.user, alert=alert, note=form.cleaned_data["note"]))  # fmt: skip
        if done:
            messages.success(request, _("Marked recovered."))
            return redirect(alert.get_absolute_url())
    return render(request, "retention/detail.html", _detail_context(request, alert, recover_form=form), status=400)


# --- settings ----------------------------------------------------------------------------------------------


def _unit(request: AuthedRequest) -> BusinessUnit:
    units = parameter_units(actor=request.user)
    chosen = request.GET.get("unit") or request.POST.get("unit") or ""
    for unit in units:
        if str(unit.pk) == chosen:
            return unit
    for unit in units:
        if unit.pk == request.user.business_unit_id:
            return unit
    if units:
        return units[0]
    raise Http404


@perm_required("retention_settings.view")
def settings_page(request: AuthedRequest) -> HttpResponse:
    unit = _unit(request)
    params = unit_params(unit.pk)
    form = ChurnSettingsForm(request.POST or None, initial=params.__dict__)
    if request.method == "POST":
        if not care.may_configure(request.user):
            raise PermissionDenied
        if form.is_valid():
            values = {PARAMETERS[name]: value for name, value in form.cleaned_data.items()}
            aliases = {code: name for name, code in PARAMETERS.items()}
            if attempt(form, None, lambda: parameters_set(actor=request.user, unit=unit, values=values), aliases):
                messages.success(request, _("Saved."))
                return redirect(f"{reverse('retention:settings')}?unit={unit.pk}")
    model = selectors.model_of(unit.pk)
    context = {
        "unit": unit,
        "units": parameter_units(actor=request.user),
        "form": form,
        "rules": list(selectors.care_rules(actor=request.user, unit_id=unit.pk)),
        "model": model,
        "model_reason": risk.reason_text(model),
        "factors": [
            (risk.FEATURE_LABELS[code], weight) for code, weight in zip(model.features, model.weights, strict=False)
        ]
        if model and model.ready
        else [],
        "may_configure": care.may_configure(request.user),
    }
    return render(request, "retention/settings.html", context, status=400 if form.errors else 200)


@require_POST
@perm_required("retention_settings.configure")
def model_train(request: AuthedRequest) -> HttpResponse:
    unit = _unit(request)
    model = risk.train_unit(unit.pk, timezone.now())
    risk.score_unit(model, timezone.now())
    messages.success(request, _("The model was trained.") if model.ready else risk.reason_text(model))
    return redirect(f"{reverse('retention:settings')}?unit={unit.pk}")


def _rule_data(rule: CareRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in care.RULE_FIELDS} | {
        "thresholds": ", ".join(str(value) for value in rule.thresholds), "version": rule.version,
    }  # fmt: skip


@perm_required("retention_settings.configure")
def care_rule_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    rule = get_visible_or_404(CareRule.objects.all(), request.user, pk=pk) if pk else None
    unit = BusinessUnit.objects.get(pk=rule.business_unit_id) if rule else _unit(request)
    form = CareRuleForm(request.POST or None, initial=_rule_data(rule) if rule else None)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        if rule is None:
            saved = attempt(form, None, lambda: care.care_rule_create(actor=request.user, unit=unit, data=data))
        else:
            version = form.cleaned_data.get("version") or 0
            saved = attempt(form, None, lambda: care.care_rule_update(
                actor=request.user, rule=rule, version=version, data=data))  # fmt: skip
        if saved:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('retention:settings')}?unit={unit.pk}")
    status = 400 if form.errors else 200
    return render(request, "retention/care_rule_form.html", {"form": form, "rule": rule, "unit": unit}, status=status)


@require_POST
@perm_required("retention_settings.configure")
def care_rule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = get_visible_or_404(CareRule.objects.all(), request.user, pk=pk)
    unit_id = rule.business_unit_id
    if attempt(None, request, lambda: care.care_rule_delete(actor=request.user, rule=rule)) is None:
        pass
    return redirect(f"{reverse('retention:settings')}?unit={unit_id}")


# --- the 360 tab -------------------------------------------------------------------------------------------


@perm_required("churn.view")
def customer_tab(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    alerts = selectors.alerts_of(actor=request.user, customer_id=customer.pk)
    for alert in alerts:
        alert.reason_texts = [services.reason_text(reason).render() for reason in alert.reasons]  # type: ignore[attr-defined]
    score = selectors.risk_of(customer.pk)
    context = {
        "customer": customer,
        "open_alert": next((alert for alert in alerts if alert.is_open), None),
        "alerts": alerts,
        "score": score,
        "score_factors": [risk.factor_text(factor) for factor in score.factors] if score else [],
        "model_reason": risk.reason_text(selectors.model_of(customer.business_unit_id)),
        "occasions": list(
            CareOccasion.objects.filter(customer=customer).select_related("rule").order_by("-occurs_on")[:10]
        ),
    }
    return render(request, "retention/customer_tab.html", context)


def register() -> None:
    from guanxi.core import navigation
    from guanxi.customers.facts import Fact, register_fact
    from guanxi.customers.views import DetailTab, register_detail_tab
    from guanxi.customers.warnings import register_warning

    navigation.register(
        navigation.NavItem(
            gettext_lazy("Churn alerts"), "retention:list", "heart-broken", order=24,
            visible=navigation.needs("churn.view"),
        )
    )  # fmt: skip
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Churn and care settings"), "retention:settings", "heart-handshake", order=975,
            section=gettext_lazy("Administration"), visible=navigation.needs("retention_settings.view"),
        )
    )  # fmt: skip
    register_detail_tab(DetailTab("retention", gettext_lazy("Churn and care"), "churn.view"))
    register_warning("churn_alert", selectors.open_alert_warnings)
    register_fact(
        Fact(
            "churn_risk", gettext_lazy("Churn risk"), selectors.risk_values, display=selectors.risk_display,
            ordering=selectors.RISK_ORDERING, ordering_label=gettext_lazy("Highest churn risk"),
        )
    )  # fmt: skip
