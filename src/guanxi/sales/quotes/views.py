"""The quote pages: list, form, detail with its actions and approval history, the printable page and the PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer
from guanxi.customers.warnings import warnings_of
from guanxi.workflows.selectors import history_of, may_withdraw_record

from ..models import Opportunity
from . import pdf, selectors, services
from .forms import LineFormSet, QuoteForm, lines_from, sent_lines
from .models import Quote, QuoteStatus


@perm_required("quotes.view")
def quote_list(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.quote_list(
        actor=request.user, status=status if status in QuoteStatus.values else "", q=request.GET.get("q", "")
    )
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request, "sales/quotes/list.html", {"page_obj": page, "statuses": QuoteStatus.choices, "status": status}
    )


def _last_prices(request: AuthedRequest, customer: Customer | None, product_ids: list[int]) -> list[Any]:
    if customer is None or not product_ids:
        return []
    return list(
        (selectors.last_prices(actor=request.user, customer_id=customer.pk, products=product_ids) or {}).values()
    )


def _warnings(request: AuthedRequest, customer: Customer | None) -> list[Any]:
    """An open complaint and the like, so nobody quotes blind (SPEC §9.5)."""
    return warnings_of(customer.pk if customer else None, actor=request.user)


@perm_required("quotes.create")
def quote_create(request: AuthedRequest) -> HttpResponse:
    customer = opportunity = None
    if request.GET.get("opportunity", "").isdigit():
        opportunity = get_visible_or_404(Opportunity.objects.all(), request.user, pk=request.GET["opportunity"])
        customer = opportunity.customer
    elif request.GET.get("customer", "").isdigit():
        customer = get_visible_or_404(Customer.objects.all(), request.user, pk=request.GET["customer"])
    form = QuoteForm(request.POST or None, actor=request.user, customer=customer, initial={"opportunity": opportunity})
    lines = LineFormSet(request.POST or None, prefix="lines", form_kwargs={"actor": request.user})
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        created = attempt(
            form,
            None,
            lambda: services.quote_create(
                actor=request.user,
                customer=form.customer,  # type: ignore[arg-type]
                data=form.quote_data(),
                lines=lines_from(lines),
            ),
            lines=sent_lines(lines),
        )
        if created:
            messages.success(request, _("Quote %(number)s was saved as a draft.") % {"number": created.number})
            return redirect(created.get_absolute_url())
    warnings = _warnings(request, form.customer)
    context = {"form": form, "lines": lines, "customer": form.customer, "customer_warnings": warnings}
    return render(request, "sales/quotes/form.html", context)


@perm_required("quotes.edit")
def quote_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_for_detail(actor=request.user, pk=pk, editing=True)
    if not quote.is_editable:
        messages.error(request, _("Only a draft can be changed: copy the quote to a new version."))
        return redirect(quote.get_absolute_url())
    initial = {"contact": quote.contact, "opportunity": quote.opportunity, "valid_until": quote.valid_until,
               "note": quote.note, "version": quote.version}  # fmt: skip
    form = QuoteForm(request.POST or None, actor=request.user, customer=quote.customer, initial=initial)
    current = [
        {"product": line.product_id, "quantity": line.quantity, "unit_price": line.unit_price,
         "discount_percent": line.discount_percent}
        for line in quote.lines.all()
    ]  # fmt: skip
    lines = LineFormSet(request.POST or None, prefix="lines", initial=current, form_kwargs={"actor": request.user})
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        saved = attempt(
            form,
            None,
            lambda: services.quote_update(
                actor=request.user,
                quote=quote,
                version=form.cleaned_data["version"],
                data=form.quote_data(),
                lines=lines_from(lines),
            ),
            lines=sent_lines(lines),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect(quote.get_absolute_url())
    last = _last_prices(request, quote.customer, [line.product_id for line in quote.lines.all()])
    return render(
        request,
        "sales/quotes/form.html",
        {
            "form": form,
            "lines": lines,
            "customer": quote.customer,
            "quote": quote,
            "last_prices": last,
            "customer_warnings": _warnings(request, quote.customer),
        },
    )


@login_required  # the gate decides: the quote's scope, or an approver asked to decide it
def quote_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_for_detail(actor=request.user, pk=pk)
    lines = list(quote.lines.select_related("product"))
    return render(
        request,
        "sales/quotes/detail.html",
        {
            "quote": quote,
            "lines": lines,
            "can_edit": has_perm(request.user, "quotes.edit"),
            "can_copy": has_perm(request.user, "quotes.create"),
            "may_withdraw": quote.status == QuoteStatus.PENDING
            and may_withdraw_record(actor=request.user, record_type=services.QUOTE_APPROVAL, object_id=quote.pk),
            "approvals": list(history_of(record_type=services.QUOTE_APPROVAL, object_id=quote.pk)[:10]),
            "last_prices": _last_prices(request, quote.customer, [line.product_id for line in lines]),
            "customer_warnings": _warnings(request, quote.customer),
        },
    )


ACTIONS: dict[str, Any] = {  # each service checks its own permission
    "submit": services.quote_submit,
    "withdraw": services.quote_withdraw,
    "send": services.quote_send,
    "accept": services.quote_accept,
    "reject": services.quote_reject,
    "copy": services.quote_copy,
}


@require_POST
@perm_required("quotes.view")
def quote_action(request: AuthedRequest, pk: int, name: str) -> HttpResponse:
    quote = get_visible_or_404(Quote.objects.all(), request.user, pk=pk)
    if name not in ACTIONS:
        return redirect(quote.get_absolute_url())
    service = ACTIONS[name]
    done = attempt(None, request, lambda: service(actor=request.user, quote=quote))
    if done is not None:
        messages.success(request, _("The quote is now: %(status)s") % {"status": done.get_status_display()})
        return redirect(done.get_absolute_url())
    return redirect(quote.get_absolute_url())


@login_required  # the gate decides: the quote's scope, or an approver asked to decide it
def quote_print(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_for_detail(actor=request.user, pk=pk)
    return render(request, "sales/quotes/print.html", pdf.sheet_context(quote))


@login_required  # the gate decides: the quote's scope, or an approver asked to decide it
def quote_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    return pdf.quote_pdf_response(selectors.quote_for_detail(actor=request.user, pk=pk))


@perm_required("quotes.view")
def customer_quotes(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 360 page's Quotes tab, loaded on its own."""
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    rows = selectors.quote_list(actor=request.user, customer=customer.pk)[:50]
    return render(request, "sales/quotes/customer_tab.html", {"customer": customer, "quotes": rows})


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.customers.views import DetailTab, register_detail_tab

    register_detail_tab(DetailTab("quotes", gettext_lazy("Quotes"), "quotes.view"))
