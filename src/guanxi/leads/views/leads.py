"""Lead pages: thin — parse, call one selector or service, render (SPEC §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.auditlog.selectors import record_history
from guanxi.core.config.custom_forms import add_custom_filters, custom_filter_apply
from guanxi.core.config.dictionary import dictionary_label, dictionary_labels
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers import keys
from guanxi.customers.regions.services import region_names, region_path_label
from guanxi.customers.services import customer_duplicates

from .. import conversion, selectors, services
from ..forms import AssignForm, ConvertForm, FollowUpForm, LeadEntryForm, LeadFilterForm, StatusForm
from ..models import Lead

if TYPE_CHECKING:
    from guanxi.org.models import User


@perm_required("leads.view")
def lead_list(request: AuthedRequest) -> HttpResponse:
    filter_form = LeadFilterForm(request.GET or None, actor=request.user)
    add_custom_filters(filter_form, Lead, request.user.business_unit_id)
    data = filter_form.cleaned_data if filter_form.is_valid() else {}
    scene = data.get("scene") or "open"
    leads = selectors.lead_list(
        actor=request.user,
        scene=scene,
        query=data.get("q", ""),
        filters={name: data.get(name) for name in selectors.FILTERS},
        ordering=data.get("ordering", ""),
    )
    leads = custom_filter_apply(leads, Lead, request.user.business_unit_id, data)
    page = CappedPaginator(leads, 25).get_page(request.GET.get("page"))
    names = region_names(lead.province for lead in page.object_list)
    sources = dictionary_labels(services.SOURCE_TYPE)
    latest = selectors.last_followups([lead.pk for lead in page.object_list])
    for lead in page.object_list:  # labels for the page's rows: three queries, whatever the page size
        lead.last_followup = latest.get(lead.pk) or lead.last_followup_at
        lead.region_label = region_path_label(province=lead.province, names=names)
        lead.source_label = sources.get(lead.source, lead.source)
    context = {
        "filter_form": filter_form,
        "page_obj": page,
        "scenes": selectors.SCENES,
        "scene": scene,
        "can_assign": has_perm(request.user, "leads.assign"),
        "assign_form": AssignForm(actor=request.user) if has_perm(request.user, "leads.assign") else None,
        "list_url": request.get_full_path(),
    }
    return render(request, "leads/list.html", context)


@perm_required("leads.create")
def lead_create(request: AuthedRequest) -> HttpResponse:
    # ``?mobile=`` / ``?phone=`` fill the number in (a lead started from a call)
    initial = {name: request.GET[name] for name in ("mobile", "phone") if request.GET.get(name)}
    form = LeadEntryForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data.get("owner") if "owner" in form.fields else request.user
        lead = attempt(
            form,
            None,
            lambda: services.lead_create(
                actor=request.user,
                data=form.lead_data(),
                owner=owner,
                by_rules=owner is None,
                custom=form.custom_data(),
            ),
        )
        if lead:
            messages.success(request, _("Lead %(number)s was registered.") % {"number": lead.number})
            return redirect("leads:detail", lead.pk)
    return render(request, "leads/form.html", {"form": form})


TABS = ("overview", "followups", "history")


def _pool_context(actor: User, lead: Lead) -> dict[str, Any]:
    """A pooled lead opened through its pool: contact details masked, the claim button; an owned lead of a
    pool: the days before it returns, the return button."""
    from ..pools import rules as pool_rules
    from ..pools import services as pools

    masked = lead.owner_id is None and not Lead.objects.visible_to(actor).filter(pk=lead.pk).exists()
    return {
        "pool_masked": masked,
        "masked_mobile": keys.mask_phone(lead.mobile) if lead.mobile else "",
        "masked_phone": keys.mask_phone(lead.phone) if lead.phone else "",
        "masked_email": keys.mask_email(lead.email) if lead.email else "",
        "may_claim": bool(
            lead.owner_id is None
            and lead.pool
            and not lead.pool.is_failed
            and lead.is_open
            and has_perm(actor, "leads.edit")
        ),
        "may_return": pools.may_return(actor, lead),
        "pool_days_left": pool_rules.days_left(lead),
        "pool_rule": pool_rules.rule_explained(lead),
    }


@perm_required("leads.view")
def lead_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_for_detail(actor=request.user, pk=pk)
    tab = request.GET.get("tab", "overview")
    tab = tab if tab in TABS else "overview"
    context: dict[str, Any] = {
        "lead": lead,
        "can_edit": services.can_edit(request.user, lead) and lead.is_open,
        "can_assign": has_perm(request.user, "leads.assign") and lead.is_open,
        "tab": tab,
        "tabs": [("overview", _("Overview")), ("followups", _("Follow-ups")), ("history", _("History"))],
        "region": region_path_label(province=lead.province, city=lead.city, county=lead.county),
        "source_label": dictionary_label(services.SOURCE_TYPE, lead.source) if lead.source else "",
        "duplicate_visible": bool(
            lead.duplicate_of_id and Lead.objects.visible_to(request.user).filter(pk=lead.duplicate_of_id).exists()
        ),
        **_pool_context(request.user, lead),
    }
    if tab == "history":
        context["history"] = record_history(actor=request.user, obj=lead)
    if tab == "followups":
        context["followups"] = selectors.lead_followups(lead=lead)
        if context["can_edit"] and has_perm(request.user, "activities.create"):
            context["followup_form"] = FollowUpForm()
    if request.htmx and request.GET.get("tab"):
        return render(request, f"leads/tabs/{tab}.html", context)
    return render(request, "leads/detail.html", context)


@require_POST
@perm_required("leads.edit")
def lead_followup(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a follow-up on the lead, from its Follow-ups tab."""
    lead = get_visible_or_404(Lead.objects.all(), request.user, pk=pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = attempt(
            None,
            request,
            lambda: services.lead_followup_record(
                actor=request.user,
                lead=lead,
                content=data["content"],
                channel=data["channel"],
                occurred_at=data.get("occurred_at"),
            ),
        )
        if done:
            messages.success(request, _("The follow-up was recorded."))
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect(f"{lead.get_absolute_url()}?tab=followups")


@perm_required("leads.edit")
def lead_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = get_visible_or_404(Lead.objects.all(), request.user, pk=pk)
    if not services.can_edit(request.user, lead) or not lead.is_open:
        raise PermissionDenied
    form = LeadEntryForm(request.POST or None, instance=lead, actor=request.user)
    if request.method == "POST" and form.is_valid():
        lead.refresh_from_db()
        version = form.cleaned_data.get("version") or 0
        saved = attempt(
            form,
            None,
            lambda: services.lead_update(
                actor=request.user, lead=lead, version=version, data=form.lead_data(), custom=form.custom_data()
            ),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("leads:detail", lead.pk)
    return render(request, "leads/form.html", {"form": form, "lead": lead})


@perm_required("leads.edit")
def lead_status(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = get_visible_or_404(Lead.objects.all(), request.user, pk=pk)
    form = StatusForm(request.POST or None, initial={"status": lead.status})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form,
            None,
            lambda: services.lead_set_status(
                actor=request.user, lead=lead, status=data["status"], reason=data["reason"]
            ),
        )
        if done:
            messages.success(request, _("The lead is now %(status)s.") % {"status": done.get_status_display()})
            return redirect("leads:detail", lead.pk)
    return render(request, "leads/action_form.html", {"form": form, "lead": lead, "title": _("Change status")})


@perm_required("leads.assign")
def lead_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = get_visible_or_404(Lead.objects.all(), request.user, pk=pk)
    form = AssignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        done = attempt(
            form,
            None,
            lambda: services.lead_assign(
                actor=request.user, leads=[lead], owner=owner, by_rules=owner is None, note=form.cleaned_data["note"]
            ),
        )
        if done is not None:
            lead.refresh_from_db()
            if lead.owner:
                messages.success(request, _("%(lead)s now belongs to %(owner)s.") % {"lead": lead, "owner": lead.owner})
            else:
                messages.warning(request, _("No rule took the lead; it waits unassigned."))
            return redirect("leads:detail", lead.pk)
    return render(request, "leads/action_form.html", {"form": form, "lead": lead, "title": _("Assign")})


@require_POST
@perm_required("leads.assign")
def lead_bulk_assign(request: AuthedRequest) -> HttpResponse:
    """Assign the ticked leads of a list page to one colleague, or by the rules."""
    back = request.POST.get("next") or reverse("leads:list")
    if not back.startswith("/"):
        back = reverse("leads:list")
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    form = AssignForm(request.POST, actor=request.user)
    if not ids:
        messages.error(request, _("Choose the leads to assign."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _("Choose the new owner, or assign by the rules."))
        return redirect(back)
    leads = list(Lead.objects.visible_to(request.user).filter(pk__in=ids))
    owner = form.cleaned_data["owner"]
    done = attempt(
        None,
        request,
        lambda: services.lead_assign(
            actor=request.user, leads=leads, owner=owner, by_rules=owner is None, note=form.cleaned_data["note"]
        ),
    )
    if done is not None:
        messages.success(request, _("%(count)d leads were assigned.") % {"count": done})
    return redirect(back)


@require_POST
@perm_required("leads.delete")
def lead_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = get_visible_or_404(Lead.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.lead_delete(actor=request.user, lead=lead) or True):
        messages.success(request, _("Lead %(number)s was deleted.") % {"number": lead.number})
        return redirect("leads:list")
    return redirect("leads:detail", lead.pk)


@perm_required("leads.edit")
def lead_convert(request: AuthedRequest, pk: int) -> HttpResponse:
    """Convert into a new customer (refused with the match named when it exists) or an existing one."""
    lead = selectors.lead_for_detail(actor=request.user, pk=pk)
    if not services.can_edit(request.user, lead) or not lead.is_open:
        raise PermissionDenied
    opportunities = conversion.opportunities_available(request.user)
    form = ConvertForm(request.POST or None, actor=request.user, lead=lead, opportunities=opportunities)
    matches: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form,
            None,
            lambda: conversion.lead_convert(
                actor=request.user,
                lead=lead,
                customer=data.get("existing") if data["target"] == "existing" else None,
                customer_data=form.customer_data(),
                contact_data=form.contact_data(),
                opportunity_data=form.opportunity_data(),
            ),
            {
                "name": "customer_name",
                "phone": "contact_mobile",
                "amount": "opportunity_amount",
                "expected_close_date": "opportunity_close",
            },
        )
        if not done and data["target"] == "new":
            matches = _matches(request.user, lead, form.customer_data())
        if done:
            messages.success(
                request,
                _("Lead %(number)s became customer %(customer)s.")
                % {"number": lead.number, "customer": done.customer.number},
            )
            return redirect("customers:detail", done.customer.pk)
    context = {"form": form, "lead": lead, "matches": matches, "opportunities": opportunities}
    return render(request, "leads/convert.html", context)


def _matches(actor: Any, lead: Lead, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The customers that stopped a conversion, each with whether the actor may convert into it."""
    from guanxi.customers.models import Customer
    from guanxi.customers.services import owner_label

    found = customer_duplicates(
        unit_id=lead.business_unit_id, name=data.get("name", ""), phones=[lead.mobile, lead.phone]
    )
    visible = set(
        Customer.objects.visible_to(actor).filter(pk__in=[m.customer.pk for m in found]).values_list("pk", flat=True)
    )
    return [
        {
            "customer": match.customer,
            "visible": match.customer.pk in visible,
            "owner": owner_label(actor, match.customer, visible=match.customer.pk in visible),
        }
        for match in found
    ]


@perm_required("leads.view")
def customer_tab(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    """The 360° page's Leads tab, loaded on its own: the leads that became this customer."""
    from guanxi.customers.models import Customer

    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    context = {"customer": customer, "customer_leads": selectors.customer_leads(actor=request.user, customer=customer)}
    return render(request, "leads/customer_tab.html", context)


def register() -> None:
    """The 360 page of a pool customer shows the lead it came from."""
    from guanxi.customers import views as customer_views

    customer_views.DETAIL_CONTEXT.append(selectors.origin_context)
