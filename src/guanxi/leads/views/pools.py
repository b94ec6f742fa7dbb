"""The lead pools' pages (线索池): the pooled leads of the pools one sees, claim, return, a manager's bulk
assign and move, and the pools' settings. Thin: parse, call one service or read, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_readable_or_404, get_visible_or_404
from guanxi.customers import keys

from ..forms import LeadPoolActionForm, LeadPoolForm, LeadReturnForm
from ..models import Lead
from ..pools import rules
from ..pools import services as pools


def _back(request: AuthedRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


POOL_ORDER = ("is_failed", "department__path", "pk")


@perm_required("leads.view")
def pool_list(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    visible = list(rules.pools_visible(request.user).select_related("department").order_by(*POOL_ORDER))
    pool = next((row for row in visible if row.pk == pk), None) if pk else None
    if pk and pool is None:
        raise Http404
    shown = [pool.pk] if pool is not None else [row.pk for row in visible]
    leads = rules.pooled_leads(request.user, shown).select_related("pool")
    query = request.GET.get("q", "").strip()
    if query:
        leads = leads.filter(company__icontains=query) | leads.filter(name__icontains=query)
    page = CappedPaginator(leads.order_by("-pooled_at", "-pk"), 25).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    page.object_list = rows
    for row in rows:
        row.masked_phone = keys.mask_phone(row.mobile or row.phone) if (row.mobile or row.phone) else ""
    manager = has_perm(request.user, "leads.assign")
    context = {
        "pools": visible,
        "pool": pool,
        "page_obj": page,
        "query": query,
        "can_claim": has_perm(request.user, "leads.edit") and not (pool and pool.is_failed),
        "action_form": LeadPoolActionForm(actor=request.user, pool=pool) if manager and pool else None,
        "list_url": request.get_full_path(),
    }
    return render(request, "leads/pools/list.html", context)


@require_POST
@perm_required("leads.edit")
def lead_claim(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = get_readable_or_404(Lead.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: pools.lead_claim(actor=request.user, lead=lead)):
        messages.success(request, _("%(lead)s is yours now.") % {"lead": lead})
        return redirect(lead.get_absolute_url())
    return redirect(_back(request, reverse("leads:pools")))


@require_POST
@perm_required("leads.view")
def pool_act(request: AuthedRequest, pk: int) -> HttpResponse:
    """The bulk bar of one pool: claim the selected leads, or (a manager) assign or move them."""
    pool = get_object_or_404(rules.pools_visible(request.user), pk=pk)
    back = _back(request, pool.get_absolute_url())
    ids = request.POST.getlist("ids")
    if request.POST.get("action") == "claim":  # anyone's action: the form's people and pools are a manager's
        in_pool = rules.pooled_leads(request.user, [pool.pk])  # the pool was just found among those they see
        done = attempt(
            None,
            request,
            lambda: pools.leads_claim(actor=request.user, leads=pools.leads_selected(request.user, ids, in_pool)),
        )
        return _acted(request, len(done) if done else 0, back)
    form = LeadPoolActionForm(request.POST, actor=request.user, pool=pool)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the selected leads."))
        return redirect(back)
    data = form.cleaned_data
    if data["action"] == "assign":
        if data["owner"] is None:
            messages.error(request, _("Choose the new owner."))
            return redirect(back)
        count = attempt(
            None, request, lambda: pools.leads_pool_assign(actor=request.user, pool=pool, ids=ids, owner=data["owner"])
        )
    else:
        if data["target"] is None:
            messages.error(request, _("Choose the pool to move the leads to."))
            return redirect(back)
        every = request.POST.get("all") == "1"
        count = attempt(
            None,
            request,
            lambda: pools.leads_move(actor=request.user, pool=pool, ids=None if every else ids, target=data["target"]),
        )
    return _acted(request, count, back)


def _acted(request: AuthedRequest, count: int | None, back: str) -> HttpResponse:
    if count:
        messages.success(request, ngettext("%(count)d lead done.", "%(count)d leads done.", count) % {"count": count})
    return redirect(back)


@perm_required("leads.edit")
def lead_return(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = get_visible_or_404(Lead.objects.select_related("pool", "department", "owner"), request.user, pk=pk)
    form = LeadReturnForm(request.POST or None, actor=request.user, lead=lead)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form,
            None,
            lambda: pools.lead_return(actor=request.user, lead=lead, reason=data["reason"], pool=data["pool"]),
        )
        if done:
            messages.success(request, _("%(lead)s was returned to %(pool)s.") % {"lead": lead, "pool": done.pool})
            return redirect("leads:pools")
    return render(request, "leads/pools/form.html", {"form": form, "title": _("Return to a lead pool"), "lead": lead})


@perm_required("leads.configure")
def pool_settings(request: AuthedRequest) -> HttpResponse:
    unit_pools = rules.pool_choices(request.user.business_unit_id)
    parameters = rules.unit_parameters(request.user.business_unit_id)
    rows = [(row, rules.pool_rules(row, row.business_unit_id, parameters)) for row in unit_pools]
    return render(request, "leads/pools/settings.html", {"rows": rows, "unit": rules.pool_rules(None, 0, parameters)})


@perm_required("leads.configure")
def pool_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(rules.pool_choices(request.user.business_unit_id), pk=pk) if pk else None
    form = LeadPoolForm(request.POST or None, instance=instance, actor=request.user)
    if request.method == "POST" and form.is_valid():
        saved = attempt(
            form, None, lambda: pools.lead_pool_save(actor=request.user, pool=instance, data=form.pool_data())
        )
        if saved:
            messages.success(request, _("The lead pool %(name)s was saved.") % {"name": saved})
            return redirect("leads:pool_settings")
    title = _("Edit the lead pool") if instance else _("New lead pool")
    return render(request, "leads/pools/form.html", {"form": form, "title": title})
