"""The public pool's pages (SPEC §3.2–3.3): the pool list, claim, assign, return, lock and unlock.
Thin: parse, call one pool service or read, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers import keys
from guanxi.customers.bulk import BulkResult
from guanxi.customers.models import Customer
from guanxi.customers.regions.services import region_names, region_path_label
from guanxi.org.models import User

from . import configuration as pool_admin
from . import conflicts, history, viewing
from . import services as pool
from .forms import (
    AssignForm,
    CustomerReturnForm,
    DecideForm,
    EvidenceForm,
    HoldingLimitForm,
    LineRuleForm,
    NoteForm,
    PoolFilterForm,
    PoolForm,
    PoolMoveForm,
    ReturnForm,
    ViewLimitForm,
)
from .models import ConflictCase
from .rules import rule_explained


def _back(request: AuthedRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@perm_required("pool.view")
def pool_list(request: AuthedRequest) -> HttpResponse:
    pools = pool.pools_visible(request.user)
    filter_form = PoolFilterForm(request.GET or None, pools=pools)
    data = filter_form.cleaned_data if filter_form.is_valid() else {}
    customers = pool.pool_list(
        actor=request.user,
        query=data.get("q", ""),
        filters={"pool": data.get("pool"), "industry": data.get("industry")},
        ordering=data.get("ordering", ""),
    )
    page = CappedPaginator(customers, 25).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    page.object_list = rows
    holders = pool.last_holders(rows)
    reasons = history.return_reason_labels()
    regions = region_names(code for row in rows for code in (row.province, row.city, row.county))
    outlook = pool.claim_outlook(request.user, rows)
    cooling = outlook.cooling if outlook else {}
    for row in rows:
        row.masked_phone = keys.mask_phone(row.phone) if row.phone else ""
        row.last_holder = holders.get(row.pk)
        row.return_reason = reasons.get(row.last_holder.reason, row.last_holder.reason) if row.last_holder else ""
        row.region = region_path_label(province=row.province, city=row.city, county=row.county, names=regions)
        row.cooling = cooling.get(row.pk, "")
    context = {
        "filter_form": filter_form,
        "page_obj": page,
        "standing": outlook.standing if outlook else None,
        "views": viewing.view_standing(request.user),
        "can_claim": has_perm(request.user, "pool.edit"),
        "can_assign": has_perm(request.user, "pool.assign"),
        "move_form": PoolMoveForm(actor=request.user) if has_perm(request.user, "pool.assign") else None,
        "list_url": request.get_full_path(),
    }
    return render(request, "pool/list.html", context)


@require_POST
@perm_required("pool.assign")
def pool_move(request: AuthedRequest) -> HttpResponse:
    """The pool list's bulk move: the selected customers of one pool to another, all or none."""
    back = _back(request, reverse("pool:pool"))
    form = PoolMoveForm(request.POST, actor=request.user)
    ids = request.POST.getlist("ids")
    first = pool.pool_customers(request.user).filter(pk__in=[raw for raw in ids if raw.isdigit()][:1]).first()
    source = first.pool if first is not None else None
    if not form.is_valid() or form.cleaned_data["target"] is None or source is None:
        messages.error(request, _("Select customers of one pool and the pool to move them to."))
        return redirect(back)
    target = form.cleaned_data["target"]
    moved = attempt(None, request, lambda: pool.customers_move(actor=request.user, pool=source, target=target, ids=ids))
    if moved:
        messages.success(
            request,
            ngettext("%(count)d customer moved to %(pool)s.", "%(count)d customers moved to %(pool)s.", moved)
            % {"count": moved, "pool": target},
        )
    return redirect(back)


def _pool_customer(request: AuthedRequest, pk: int, *, claiming: bool = False) -> Customer:
    return pool.customer_reachable(request.user, pk, claiming=claiming)


@require_POST
@perm_required("pool.edit")
def pool_claim(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = _pool_customer(request, pk, claiming=True)
    if attempt(None, request, lambda: pool.customer_claim(actor=request.user, customer=customer)):
        messages.success(request, _("%(name)s is yours now.") % {"name": customer.name})
        return redirect(customer.get_absolute_url())
    return redirect(_back(request, reverse("pool:pool")))


@require_POST
@perm_required("pool.edit")
def pool_claim_many(request: AuthedRequest) -> HttpResponse:
    back = _back(request, reverse("pool:pool"))
    ids = request.POST.getlist("ids")
    claimed = attempt(None, request, lambda: pool.customers_claim_selected(actor=request.user, ids=ids))
    if claimed:
        messages.success(
            request,
            ngettext("%(count)d customer is yours now.", "%(count)d customers are yours now.", len(claimed))
            % {"count": len(claimed)},
        )
    return redirect(back)


def _action_page(request: AuthedRequest, customer: Customer, form: Any, title: str) -> HttpResponse:
    return render(request, "customers/action_form.html", {"form": form, "customer": customer, "title": title})


@perm_required("pool.assign")
def pool_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = _pool_customer(request, pk)
    form = AssignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        done = attempt(
            form,
            None,
            lambda: pool.customer_assign(
                actor=request.user, customer=customer, owner=owner, note=form.cleaned_data["note"]
            ),
        )
        if done:
            messages.success(
                request, _("%(customer)s now belongs to %(owner)s.") % {"customer": customer, "owner": owner}
            )
            return redirect(customer.get_absolute_url())
    return _action_page(request, customer, form, _("Assign"))


@perm_required("pool.edit")
def customer_return(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.select_related("pool", "owner"), request.user, pk=pk)
    form = CustomerReturnForm(request.POST or None, actor=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form,
            None,
            lambda: pool.customer_return(
                actor=request.user, customer=customer, reason=data["reason"], note=data["note"], pool=data.get("pool")
            ),
        )
        if done:
            messages.success(request, _("%(name)s was returned to the pool.") % {"name": customer.name})
            return redirect("customers:list")
    return _action_page(request, customer, form, _("Return to the pool"))


@perm_required("pool.assign")
def customer_lock(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.select_related("owner"), request.user, pk=pk)
    unlocking = customer.locked_at is not None
    form = NoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        service = pool.customer_unlock if unlocking else pool.customer_lock
        note = form.cleaned_data["note"]
        if attempt(form, None, lambda: service(actor=request.user, customer=customer, note=note)):
            messages.success(
                request,
                (_("%(name)s is unlocked; its clocks start again today.") if unlocking else _("%(name)s is locked."))
                % {"name": customer.name},
            )
            return redirect(customer.get_absolute_url())
    return _action_page(request, customer, form, _("Unlock") if unlocking else _("Lock"))


def detail_context(actor: Any, customer: Customer) -> dict[str, Any]:
    """What the 360 page shows of the pool: days to expiry, lock, which pool buttons apply, and before a
    claim where the actor stands against its caps and why it would be refused now."""
    may_claim = pool.may_claim(actor, customer)
    outlook = pool.claim_outlook(actor, [customer]) if may_claim else None
    return {
        "expiry_label": pool.expiry_label(customer),
        "expiry_days": pool.days_to_expiry(customer.expires_at),
        "may_claim": may_claim,
        "claim_cooling": outlook.cooling.get(customer.pk, "") if outlook else "",
        "standing": outlook.standing if outlook else None,
        "may_assign": pool.may_assign(actor, customer),
        "may_return": pool.may_return(actor, customer),
        "may_lock": pool.may_lock(actor, customer),
        "pool_hidden": pool.hidden_fields(customer),
        "holders": _holders(customer) if customer.owner_id is None else [],
        "expiry_rule": rule_explained(customer) if customer.expires_at else "",
    }


def _holders(customer: Customer) -> list[dict[str, Any]]:
    """What a claimer needs to decide: the last people who held the pool customer, how it left them, and
    the summaries of their follow-ups (contact details stay masked: only what was said, not to whom)."""
    from guanxi.activities.models import FollowUp

    from .models import PoolEvent

    left = list(
        PoolEvent.objects.filter(
            customer=customer, kind__in=[PoolEvent.Kind.RETURN, PoolEvent.Kind.RECLAIM, PoolEvent.Kind.CONFLICT]
        )
        .select_related("user")
        .order_by("-at", "-pk")[:3]
    )
    if not left:
        return []
    notes = FollowUp.objects.filter(customer=customer, owner_id__in={row.user_id for row in left}).order_by(
        "-occurred_at"
    )
    by_owner: dict[int, list[Any]] = {}
    for note in notes.only("owner_id", "occurred_at", "content", "channel")[:30]:
        by_owner.setdefault(note.owner_id, [])
        if len(by_owner[note.owner_id]) < 3:
            by_owner[note.owner_id].append(note)
    reasons = history.return_reason_labels()
    return [
        {"event": row, "reason": reasons.get(row.reason, row.reason), "followups": by_owner.get(row.user_id, [])}
        for row in left
    ]


# --- settings: pools and holding limits (pool.configure) ------------------------------------------------


@perm_required("pool.configure")
def pool_settings(request: AuthedRequest) -> HttpResponse:
    context = {
        "pools": [(row, pool.pool_rules(row)) for row in pool_admin.pools_of_unit(actor=request.user)],
        "line_labels": dictionary_labels("product_line"),
        "limits": pool_admin.limits_of_unit(actor=request.user),
        "view_limits": pool_admin.view_limits_of_unit(actor=request.user),
        # the unit's parameters, keyed for the template (pool.holding_limit → pool_holding_limit)
        "unit": {
            code.replace(".", "_"): value for code, value in pool.unit_parameters(request.user.business_unit_id).items()
        },
    }
    return render(request, "pool/settings.html", context)


@perm_required("pool.configure")
def pool_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(pool_admin.pools_of_unit(actor=request.user), pk=pk) if pk else None
    form = PoolForm(request.POST or None, instance=instance, actor=request.user)
    if request.method == "POST" and form.is_valid():
        department = form.cleaned_data.get("department")
        saved = attempt(
            form,
            None,
            lambda: pool_admin.pool_save(
                actor=request.user, pool=instance, data=form.pool_data(), department=department
            ),
            {"hidden_fields": "hidden"},
        )
        if saved:
            messages.success(request, _("Pool %(name)s was saved.") % {"name": saved})
            return redirect("pool:pool_settings")
    title = _("Edit the pool") if instance else _("New department pool")
    return render(request, "pool/settings_form.html", {"form": form, "title": title})


@perm_required("pool.configure")
def holding_limit_edit(request: AuthedRequest) -> HttpResponse:
    form = HoldingLimitForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(
            form,
            None,
            lambda: pool_admin.holding_limit_save(
                actor=request.user, department=data["department"], user=data["user"], values=data
            ),
        )
        if saved:
            messages.success(request, _("The limits of %(name)s were saved.") % {"name": saved})
            return redirect("pool:pool_settings")
    return render(request, "pool/settings_form.html", {"form": form, "title": _("Holding limits")})


@require_POST
@perm_required("pool.configure")
def holding_limit_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(pool_admin.limits_of_unit(actor=request.user), pk=pk)
    pool_admin.holding_limit_delete(actor=request.user, row=row)
    messages.success(request, _("The limits of %(name)s follow the wider setting again.") % {"name": row})
    return redirect("pool:pool_settings")


@perm_required("pool.configure")
def line_rule_edit(request: AuthedRequest) -> HttpResponse:
    form = LineRuleForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(
            form,
            None,
            lambda: pool_admin.pool_line_rule_save(
                actor=request.user,
                pool=data["pool"],
                line=data["line"],
                no_followup_days=data["no_followup_days"],
                no_deal_days=data["no_deal_days"],
            ),
        )
        if saved:
            messages.success(request, _("Pool %(name)s was saved.") % {"name": saved})
            return redirect("pool:pool_settings")
    return render(request, "pool/settings_form.html", {"form": form, "title": _("Rule by product line")})


@perm_required("pool.configure")
def view_limit_edit(request: AuthedRequest) -> HttpResponse:
    form = ViewLimitForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(
            form,
            None,
            lambda: pool_admin.view_limit_save(
                actor=request.user,
                daily_views=data["daily_views"],
                role=data["role"],
                department=data["department"],
                user=data["user"],
            ),
        )
        if saved:
            messages.success(request, _("The viewing limit of %(name)s was saved.") % {"name": saved})
            return redirect("pool:pool_settings")
    return render(request, "pool/settings_form.html", {"form": form, "title": _("Daily viewing limit")})


@require_POST
@perm_required("pool.configure")
def view_limit_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(pool_admin.view_limits_of_unit(actor=request.user), pk=pk)
    pool_admin.view_limit_delete(actor=request.user, row=row)
    messages.success(request, _("The viewing limit of %(name)s follows the wider setting again.") % {"name": row})
    return redirect("pool:pool_settings")


def bulk_return(*, actor: User, ids: list[str], data: dict[str, Any]) -> BulkResult:
    """The customers list's bulk action "Return to the pool" (registered with customers.lists.views)."""
    return pool.customers_bulk_return(actor=actor, ids=ids, reason=data["reason"], note=data["note"])


# --- the managers' conflict inbox (SPEC §3.4): open cases with both sides' evidence, and the decision ---


STATUSES = {"open": gettext_lazy("Open"), "decided": gettext_lazy("Decided")}


@perm_required("pool.view")
def conflict_inbox(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    status = status if status in STATUSES else "open"
    cases = conflicts.conflict_inbox(actor=request.user, status=status)
    page = CappedPaginator(cases, 25).get_page(request.GET.get("page"))
    return render(request, "pool/conflicts/inbox.html", {"page_obj": page, "status": status, "statuses": STATUSES})


@perm_required("pool.view")
def conflict_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_visible_or_404(
        ConflictCase.objects.select_related("customer", "holder", "claimant", "decided_by"), request.user, pk=pk
    )
    may_decide = case.status == ConflictCase.Status.OPEN and has_perm(request.user, "pool.approve")
    form = DecideForm(request.POST or None) if may_decide else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form,
            None,
            lambda: conflicts.conflict_decide(
                actor=request.user, case=case, decision=data["decision"], note=data["note"]
            ),
        )
        if done:
            messages.success(
                request, _("The conflict is decided: %(decision)s.") % {"decision": done.get_decision_display()}
            )
            return redirect("pool:conflicts")
    context = {
        "case": case,
        "form": form,
        "evidence": conflicts.evidence(case),
        "attempted": conflicts.attempted_shown(actor=request.user, case=case),
        "may_withdraw": conflicts.may_withdraw(request.user, case),
        "evidence_form": EvidenceForm(),
    }
    return render(request, "pool/conflicts/detail.html", context)


def _case(request: AuthedRequest, pk: int) -> ConflictCase:
    return get_visible_or_404(ConflictCase.objects.select_related("customer"), request.user, pk=pk)


@require_POST
@perm_required("pool.view")
def conflict_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if attempt(None, request, lambda: conflicts.conflict_withdraw(actor=request.user, case=case)):
        messages.success(
            request, _("You withdrew the claim; %(name)s stays with its holder.") % {"name": case.customer}
        )
    return redirect("pool:conflict", case.pk)


@require_POST
@perm_required("pool.view")
def conflict_evidence_add(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = EvidenceForm(request.POST)
    if form.is_valid() and attempt(
        form,
        None,
        lambda: conflicts.conflict_evidence_add(actor=request.user, case=case, text=form.cleaned_data["text"]),
    ):
        messages.success(request, _("Your evidence was added to the case."))
        return redirect("pool:conflict", case.pk)
    context = {
        "case": case,
        "form": None,
        "evidence": conflicts.evidence(case),
        "attempted": conflicts.attempted_shown(actor=request.user, case=case),
        "may_withdraw": conflicts.may_withdraw(request.user, case),
        "evidence_form": form,
    }
    return render(request, "pool/conflicts/detail.html", context, status=400)


def register() -> None:
    """The menu entries; what the pool adds to the customers' 360 page and to their list's bulk actions."""
    from guanxi.core import navigation
    from guanxi.customers import views as customer_views
    from guanxi.customers.lists import views as customer_list_views

    navigation.register(
        navigation.NavItem(gettext_lazy("Public pool"), "pool:pool", "lifebuoy", 11, navigation.needs("pool.view"))
    )
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Conflicts"), "pool:conflicts", "git-compare", 12, navigation.needs("pool.approve")
        )
    )
    customer_views.DETAIL_CONTEXT.append(detail_context)
    customer_list_views.register_bulk_action(
        "return", "pool.edit", gettext_lazy("Return to the pool"), form=ReturnForm, run=bulk_return, after="share"
    )
