"""The order pages: list, form (typed, from a quote or from a contract), detail with its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
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
from guanxi.workflows.selectors import may_withdraw_record

from ..contracts.models import Contract
from ..contracts.views import _lines_initial
from ..quotes.forms import LineFormSet, lines_from, sent_lines
from ..quotes.models import Quote
from . import selectors, services
from .forms import OrderFilterForm, OrderForm
from .models import Order, OrderStatus


@perm_required("orders.view")
def order_list(request: AuthedRequest) -> HttpResponse:
    scene = request.GET.get("scene", "")
    scene = scene if scene in selectors.SCENES else ""
    form = OrderFilterForm(request.GET or None, actor=request.user)
    rows = selectors.order_list(actor=request.user, scene=scene, filters=form.filters())
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    context = {
        "page_obj": page, "filter_form": form, "scenes": selectors.SCENES.items(), "scene": scene,
        "can_export": has_perm(request.user, "orders.export"),
    }  # fmt: skip
    return render(request, "sales/orders/list.html", context)


@perm_required("orders.export")
def order_export(request: AuthedRequest) -> HttpResponse:
    """The list as it is filtered, as an .xlsx (or .csv); a long one goes to a background export."""
    from django.urls import reverse

    from guanxi.core.exports import export_audit, export_table, table_write

    from .exports import EXPORT_LIMIT

    table = export_table(actor=request.user, name="orders", query=request.GET)
    if table.count > EXPORT_LIMIT:
        return redirect(f"{reverse('io:export', args=['orders'])}?{request.GET.urlencode()}")
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content = table_write(table, file_format=file_format)
    export_audit(actor=request.user, table=table, rows=table.count)
    kind = "text/csv" if file_format == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="orders.{file_format}"'
    return response


@perm_required("orders.create")
def order_create(request: AuthedRequest) -> HttpResponse:
    customer: Customer | None = None
    contract: Contract | None = None
    quote: Quote | None = None
    source_lines: Any = None
    if request.GET.get("contract", "").isdigit():
        contract = get_visible_or_404(Contract.objects.all(), request.user, pk=request.GET["contract"])
        customer, source_lines = contract.customer, contract.lines.all()
    elif request.GET.get("quote", "").isdigit():
        quote = get_visible_or_404(Quote.objects.all(), request.user, pk=request.GET["quote"])
        customer, source_lines = quote.customer, quote.lines.all()
    elif request.GET.get("customer", "").isdigit():
        customer = get_visible_or_404(Customer.objects.all(), request.user, pk=request.GET["customer"])
    source = contract or quote
    initial = {"opportunity": source.opportunity if source else None}
    form = OrderForm(request.POST or None, actor=request.user, customer=customer, initial=initial)
    lines = LineFormSet(
        request.POST or None,
        prefix="lines",
        initial=_lines_initial(source_lines) if source_lines is not None else None,
        form_kwargs={"actor": request.user},
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        created = attempt(
            form,
            None,
            lambda: services.order_create(
                actor=request.user,
                customer=form.customer,  # type: ignore[arg-type]
                data=form.order_data(),
                lines=lines_from(lines),
                contract=contract,
                quote=quote,
            ),
            lines=sent_lines(lines),
        )
        if created:
            messages.success(request, _("Order %(number)s was saved as a draft.") % {"number": created.number})
            return redirect(created.get_absolute_url())
    context = {"form": form, "lines": lines, "customer": form.customer, "contract": contract, "quote": quote}
    return render(request, "sales/orders/form.html", context)


@perm_required("orders.view")
def order_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    order = selectors.order_for_detail(actor=request.user, pk=pk)
    return render(
        request,
        "sales/orders/detail.html",
        {
            "order": order,
            "lines": list(order.lines.select_related("product")),
            "can_edit": has_perm(request.user, "orders.edit"),
            "can_delete": has_perm(request.user, "orders.delete"),
            "may_withdraw": order.status == OrderStatus.PENDING
            and may_withdraw_record(actor=request.user, record_type=services.ORDER_APPROVAL, object_id=order.pk),
        },
    )


@require_POST
@perm_required("orders.view")
def order_action(request: AuthedRequest, pk: int, name: str) -> HttpResponse:
    order = get_visible_or_404(Order.objects.all(), request.user, pk=pk)
    actions: dict[str, Any] = {
        "confirm": lambda: services.order_confirm(actor=request.user, order=order),
        "cancel": lambda: services.order_cancel(actor=request.user, order=order, reason=request.POST.get("reason", "")),
        "complete": lambda: services.order_complete(actor=request.user, order=order),
        "withdraw": lambda: services.order_withdraw(actor=request.user, order=order),
    }
    if name == "delete":
        attempt(None, request, lambda: services.order_delete(actor=request.user, order=order))
        if not Order.objects.filter(pk=order.pk).exists():
            messages.success(request, _("Deleted."))
            return redirect("sales:orders")
        return redirect(order.get_absolute_url())
    if name in actions:
        done = attempt(None, request, actions[name])
        if done is not None:
            messages.success(request, _("The order is now: %(status)s") % {"status": done.get_status_display()})
    return redirect(order.get_absolute_url())


@perm_required("orders.view")
def customer_orders(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 360 page's Orders tab, loaded on its own."""
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    rows = selectors.order_list(actor=request.user, filters={"customer": customer.pk})[:50]
    return render(request, "sales/orders/customer_tab.html", {"customer": customer, "orders": rows})


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.customers.views import DetailTab, register_detail_tab

    register_detail_tab(DetailTab("orders", gettext_lazy("Orders"), "orders.view"))
