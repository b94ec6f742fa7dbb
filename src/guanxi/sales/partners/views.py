"""The Partner tab of a channel partner's 360 page, loaded on its own; its lists page within the tab."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer

from . import selectors

PER_PAGE = 20


def _partner(request: AuthedRequest, pk: int) -> Customer:
    partner = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    if not selectors.is_partner(partner):
        raise Http404
    return partner


def _section(request: AuthedRequest, partner: Customer) -> dict[str, object]:
    section = request.GET.get("section", "customers")
    if section not in selectors.SECTIONS:
        section = "customers"
    rows = selectors.section_rows(actor=request.user, partner=partner, section=section)
    page = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return {"section": section, "page_obj": page, "rows": list(page)}


def _sections(request: AuthedRequest) -> list[tuple[str, str]]:
    from django.utils.translation import gettext as _

    sections = [("customers", _("Customers"))]
    if has_perm(request.user, "opportunities.view"):
        sections.append(("opportunities", _("Opportunities")))
    if has_perm(request.user, "orders.view"):
        sections.append(("orders", _("Orders")))
    return sections


@perm_required("customers.view")
def customer_partner(request: AuthedRequest, pk: int) -> HttpResponse:
    """The tab: the partner's figures and the first page of the customers it brought."""
    partner = _partner(request, pk)
    context = {
        "customer": partner,
        "summary": selectors.partner_summary(actor=request.user, partner=partner),
        "sections": _sections(request),
        "can_see_leads": has_perm(request.user, "leads.view"),
        **_section(request, partner),
    }
    return render(request, "sales/partners/customer_tab.html", context)


@perm_required("customers.view")
def customer_partner_section(request: AuthedRequest, pk: int) -> HttpResponse:
    """One page of one of the tab's lists (customers, opportunities, orders)."""
    partner = _partner(request, pk)
    context = {"customer": partner, "sections": _sections(request), **_section(request, partner)}
    return render(request, "sales/partners/section.html", context)


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.customers.views import DetailTab, register_detail_tab

    register_detail_tab(DetailTab("partner", gettext_lazy("Partner"), "customers.view", shown=selectors.is_partner))
