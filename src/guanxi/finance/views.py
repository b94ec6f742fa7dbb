"""Money pages: the receivables report (finance's page: totals, filters, drill-down, Excel), a receivable
with its plans, receipts, invoices and delivery notes, the receipt, invoice and delivery pages and lists, and
the customer 360 tab with the balance."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import Order, OrderLine
from guanxi.workflows.selectors import history_of, may_decide
from guanxi.workflows.services import pending_request_for

from . import selectors, services
from .exports import EXPORT_LIMIT, report_query
from .forms import (
    DecideForm,
    DeliveryForm,
    GenerateForm,
    InvoiceForm,
    InvoiceLineFormSet,
    IssueForm,
    PlanForm,
    ReasonForm,
    ReceiptEditForm,
    ReceiptForm,
    ReceiveForm,
    ReportForm,
)
from .models import (
    Delivery,
    DeliveryStatus,
    Invoice,
    InvoiceStatus,
    PaymentPlan,
    Receipt,
    ReceiptStatus,
    Receivable,
)

# --- the receivables report -------------------------------------------------------------------------------


@perm_required("payments.view")
def receivable_report(request: AuthedRequest) -> HttpResponse:
    as_of, by, filters = report_query(request.GET)
    page_obj, rows = selectors.ageing_page(
        request.user, as_of=as_of, by="customer" if by == "customer" else "receivable", filters=filters,
        page=request.GET.get("page"),
    )  # fmt: skip
    context = {
        "form": ReportForm(request.GET or None, initial={"as_of": as_of, "by": by}),
        "page_obj": page_obj,
        "rows": rows,
        "by": by,
        "as_of": as_of,
        "totals": selectors.ageing_totals(request.user, as_of=as_of, filters=filters),
        "can_export": has_perm(request.user, "payments.export"),
        "customer": Customer.objects.filter(pk=filters["customer"]).first() if "customer" in filters else None,
    }
    return render(request, "finance/receivables.html", context)


@perm_required("payments.export")
def receivable_export(request: AuthedRequest) -> HttpResponse:
    from guanxi.core.exports import export_audit, export_table, table_write

    table = export_table(actor=request.user, name="receivables", query=request.GET)
    if table.count > EXPORT_LIMIT:
        return redirect(f"{reverse('io:export', args=['receivables'])}?{request.GET.urlencode()}")
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content = table_write(table, file_format=file_format)
    export_audit(actor=request.user, table=table, rows=table.count)
    kind = "text/csv" if file_format == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="receivables.{file_format}"'
    return response


@perm_required("payments.view")
def receivable_open(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """The receivable of a contract or an order (made on first visit), by the record's id."""
    if kind == "contract":
        contract = get_visible_or_404(Contract.objects.all(), request.user, pk=pk)
        call = lambda: services.receivable_open(actor=request.user, contract=contract)  # noqa: E731
        back = contract.get_absolute_url()
    elif kind == "order":
        order = get_visible_or_404(Order.objects.all(), request.user, pk=pk)
        call = lambda: services.receivable_open(actor=request.user, order=order)  # noqa: E731
        back = order.get_absolute_url()
    else:
        raise Http404
    receivable = attempt(None, request, call)
    return redirect(receivable.get_absolute_url() if receivable else back)


@perm_required("payments.view")
def receivable_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    receivable = get_visible_or_404(
        Receivable.objects.select_related("customer", "owner", "contract", "order"), request.user, pk=pk
    )
    plans = list(PaymentPlan.objects.filter(receivable=receivable).order_by("due_on", "number"))
    if receivable.order_id:
        orders = [receivable.order]
    else:  # the contract's confirmed orders: their goods go out on delivery notes of their own
        orders = list(
            Order.objects.visible_to(request.user).filter(contract=receivable.contract,
                                                          status__in=services.common.MONEY_ORDER).order_by("pk")
        )  # fmt: skip
    today = timezone.localdate()
    for plan in plans:
        late = (today - plan.due_on).days if plan.outstanding > 0 and plan.due_on < today else 0
        plan.days_late = late  # type: ignore[attr-defined]
    context = {
        "receivable": receivable,
        "plans": plans,
        "receipts": list(receivable.receipts.order_by("-received_on", "-pk")),
        "invoices": list(receivable.invoices.order_by("-created_at", "-pk")),
        "deliveries": list(
            Delivery.objects.filter(order__in=orders).select_related("order").order_by("-shipped_on", "-pk")
        ),
        "orders": orders,
        "plan_form": PlanForm(),
        "generate_form": GenerateForm(initial={"first_due": today}),
        "may_edit": has_perm(request.user, "payments.edit"),
        "may_create": has_perm(request.user, "payments.create"),
        "left_to_plan": receivable.amount - receivable.planned,
    }
    return render(request, "finance/receivable.html", context)


# --- plans --------------------------------------------------------------------------------------------------


@require_POST
@perm_required("payments.create")
def plan_create(request: AuthedRequest, pk: int) -> HttpResponse:
    receivable = get_visible_or_404(Receivable.objects.all(), request.user, pk=pk)
    form = PlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    elif attempt(None, request, lambda: services.plan_create(actor=request.user, receivable=receivable,
                                                              data=form.cleaned_data)):  # fmt: skip
        messages.success(request, _("Saved."))
    return redirect(receivable.get_absolute_url())


@require_POST
@perm_required("payments.create")
def plans_generate(request: AuthedRequest, pk: int) -> HttpResponse:
    receivable = get_visible_or_404(Receivable.objects.all(), request.user, pk=pk)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    elif attempt(None, request, lambda: services.plans_generate(actor=request.user, receivable=receivable,
                                                                 **form.cleaned_data)):  # fmt: skip
        messages.success(request, _("Saved."))
    return redirect(receivable.get_absolute_url())


@perm_required("payments.edit")
def plan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_visible_or_404(PaymentPlan.objects.select_related("receivable"), request.user, pk=pk)
    initial = {"due_on": plan.due_on, "amount": plan.amount, "note": plan.note, "version": plan.version}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if attempt(form, None, lambda: services.plan_update(actor=request.user, plan=plan, version=version, data=data)):
            messages.success(request, _("Saved."))
            return redirect(plan.receivable.get_absolute_url())
    return render(request, "finance/plan_form.html", {"form": form, "plan": plan})


@require_POST
@perm_required("payments.edit")
def plan_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_visible_or_404(PaymentPlan.objects.select_related("receivable"), request.user, pk=pk)
    if attempt(None, request, lambda: services.plan_delete(actor=request.user, plan=plan)) is not False:
        messages.success(request, _("Deleted."))
    return redirect(plan.receivable.get_absolute_url())


# --- receipts -----------------------------------------------------------------------------------------------


@perm_required("payments.view")
def receipt_list(request: AuthedRequest) -> HttpResponse:
    owner = request.GET.get("owner", "")
    drill = {  # a sales target's drill-down hands these over
        "received_from": _day(request.GET.get("received_from", "")),
        "received_to": _day(request.GET.get("received_to", "")),
        "owner": int(owner) if owner.isdigit() else None,
    }
    return _money_list(request, ReceiptStatus, selectors.receipt_list, "finance/receipts.html", drill)


def _money_list(
    request: AuthedRequest, statuses: Any, select: Any, template: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    """A list of receipts, invoices or delivery notes: by status and text, paginated, through the gate."""
    status = request.GET.get("status", "")
    filters = {"status": status if status in statuses.values else "", "q": request.GET.get("q", "")[:100]}
    rows = select(request.user, {**filters, **(extra or {})})
    context = {
        "page_obj": CappedPaginator(rows, 25).get_page(request.GET.get("page")),
        "status": status,
        "statuses": statuses.choices,
    }
    return render(request, template, context)


def _day(text: str) -> date | None:
    try:
        return parse_date(text[:10])
    except ValueError:  # well formed but no such day (2026-02-30)
        return None


@perm_required("payments.create")
def receipt_create(request: AuthedRequest, pk: int) -> HttpResponse:
    receivable = get_visible_or_404(Receivable.objects.select_related("customer"), request.user, pk=pk)
    plans = PaymentPlan.objects.filter(receivable=receivable).exclude(status="received").order_by("due_on", "number")
    initial = {"received_on": timezone.localdate(), "method": "transfer", "payer": receivable.customer.name}
    form = ReceiptForm(request.POST or None, plans=plans, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        receipt = attempt(form, None, lambda: services.receipt_create(actor=request.user, receivable=receivable,
                                                                      data=data))  # fmt: skip
        if receipt:
            if request.POST.get("submit") == "1":
                attempt(None, request, lambda: services.receipt_submit(actor=request.user, receipt=receipt))
            messages.success(request, _("Saved."))
            return redirect(receipt.get_absolute_url())
    return render(request, "finance/receipt_form.html", {"form": form, "receivable": receivable})


@perm_required("payments.edit")
def receipt_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """A draft or rejected receipt, changed before it goes (again) for approval."""
    receipt = get_visible_or_404(Receipt.objects.select_related("receivable__customer"), request.user, pk=pk)
    receivable = receipt.receivable
    plans = PaymentPlan.objects.filter(receivable=receivable).exclude(status="received").order_by("due_on", "number")
    fields = ("received_on", "amount", "method", "account", "payer", "reference", "note", "version")
    initial = {name: getattr(receipt, name) for name in fields} | {"chosen_plans": receipt.chosen_plans}
    form = ReceiptEditForm(request.POST or None, plans=plans, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        call = lambda: services.receipt_update(  # noqa: E731
            actor=request.user, receipt=receipt, version=version, data=form.data_for_service()
        )
        if attempt(form, None, call):
            if request.POST.get("submit") == "1":
                attempt(None, request, lambda: services.receipt_submit(actor=request.user, receipt=receipt))
            messages.success(request, _("Saved."))
            return redirect(receipt.get_absolute_url())
    context = {"form": form, "receivable": receivable, "receipt": receipt, "editable": receipt.is_editable}
    return render(request, "finance/receipt_form.html", context)


@perm_required("payments.view")
def receipt_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    receipt = get_visible_or_404(Receipt.objects.select_related("customer", "receivable", "created_by"),
                                 request.user, pk=pk)  # fmt: skip
    pending = pending_request_for(record_type=services.RECEIPT_APPROVAL, obj=receipt)
    context = {
        "receipt": receipt,
        "allocations": list(receipt.allocations.select_related("plan")),
        "approvals": history_of(record_type=services.RECEIPT_APPROVAL, object_id=receipt.pk),
        "may_decide": pending is not None and may_decide(actor=request.user, request=pending),
        "may_submit": receipt.is_editable and has_perm(request.user, "payments.edit"),
        "may_reverse": receipt.status == ReceiptStatus.APPROVED and has_perm(request.user, "finance.edit"),
        "decide_form": DecideForm(),
        "reason_form": ReasonForm(),
    }
    return render(request, "finance/receipt.html", context)


@require_POST
@perm_required("payments.edit")
def receipt_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    receipt = get_visible_or_404(Receipt.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.receipt_submit(actor=request.user, receipt=receipt)):
        messages.success(request, _("Submitted for approval."))
    return redirect(receipt.get_absolute_url())


@require_POST
@perm_required("payments.view")
def receipt_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    receipt = get_visible_or_404(Receipt.objects.all(), request.user, pk=pk)
    form = DecideForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    approve = request.POST.get("decision") == "approve"
    done = attempt(None, request, lambda: services.receipt_decide(actor=request.user, receipt=receipt,
                                                                  approve=approve, comment=comment))  # fmt: skip
    if done:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect(receipt.get_absolute_url())


@require_POST
@perm_required("finance.edit")
def receipt_reverse(request: AuthedRequest, pk: int) -> HttpResponse:
    receipt = get_visible_or_404(Receipt.objects.all(), request.user, pk=pk)
    reason = str(request.POST.get("reason", ""))
    if attempt(None, request, lambda: services.receipt_reverse(actor=request.user, receipt=receipt, reason=reason)):
        messages.success(request, _("Reversed."))
    return redirect(receipt.get_absolute_url())


# --- invoices -----------------------------------------------------------------------------------------------


@perm_required("payments.view")
def invoice_list(request: AuthedRequest) -> HttpResponse:
    return _money_list(request, InvoiceStatus, selectors.invoice_list, "finance/invoices.html")


def _lines(formset: Any) -> list[dict[str, Any]]:
    return [
        form.cleaned_data for form in formset.forms
        if form.cleaned_data and (form.cleaned_data.get("description") or form.cleaned_data.get("amount"))
    ]  # fmt: skip


@perm_required("payments.create")
def invoice_create(request: AuthedRequest, pk: int) -> HttpResponse:
    receivable = get_visible_or_404(Receivable.objects.select_related("customer"), request.user, pk=pk)
    form = InvoiceForm(request.POST or None, initial=services.billing_of(receivable.customer))
    left = receivable.amount - receivable.invoiced
    initial = [{"description": receivable.number, "quantity": 1, "amount": left}]
    formset = InvoiceLineFormSet(request.POST or None, prefix="lines", initial=initial)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        invoice = attempt(form, None, lambda: services.invoice_request(
            actor=request.user, receivable=receivable, data=form.cleaned_data, lines=_lines(formset)))  # fmt: skip
        if invoice:
            messages.success(request, _("Saved."))
            return redirect(invoice.get_absolute_url())
    return render(request, "finance/invoice_form.html", {"form": form, "formset": formset, "receivable": receivable})


@perm_required("payments.view")
def invoice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = get_visible_or_404(Invoice.objects.select_related("customer", "receivable"), request.user, pk=pk)
    finance = has_perm(request.user, "finance.edit")
    context = {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "may_issue": invoice.status == InvoiceStatus.REQUESTED and finance,
        "may_void": (invoice.status == InvoiceStatus.REQUESTED and has_perm(request.user, "payments.edit"))
        or (invoice.status == InvoiceStatus.ISSUED and finance),
        "issue_form": IssueForm(initial={"issued_on": timezone.localdate()}),
        "reason_form": ReasonForm(),
    }
    return render(request, "finance/invoice.html", context)


@require_POST
@perm_required("finance.edit")
def invoice_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = get_visible_or_404(Invoice.objects.all(), request.user, pk=pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    elif attempt(None, request, lambda: services.invoice_issue(actor=request.user, invoice=invoice,
                                                                **form.cleaned_data)):  # fmt: skip
        messages.success(request, _("Issued."))
    return redirect(invoice.get_absolute_url())


@require_POST
@perm_required("payments.view")
def invoice_void(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = get_visible_or_404(Invoice.objects.all(), request.user, pk=pk)
    reason = str(request.POST.get("reason", ""))
    if attempt(None, request, lambda: services.invoice_void(actor=request.user, invoice=invoice, reason=reason)):
        messages.success(request, _("Voided."))
    return redirect(invoice.get_absolute_url())


# --- delivery notes -----------------------------------------------------------------------------------------


@perm_required("payments.view")
def delivery_list(request: AuthedRequest) -> HttpResponse:
    return _money_list(request, DeliveryStatus, selectors.delivery_list, "finance/deliveries.html")


@perm_required("payments.create")
def delivery_create(request: AuthedRequest, order_pk: int) -> HttpResponse:
    order = get_visible_or_404(Order.objects.select_related("customer"), request.user, pk=order_pk)
    left = services.remaining(order)
    lines = list(OrderLine.objects.filter(order=order).select_related("product"))
    for line in lines:
        line.left = left.get(line.pk, 0)  # type: ignore[attr-defined]
        line.typed = request.POST.get(f"line-{line.pk}", "")  # type: ignore[attr-defined]
    initial = {"shipped_on": timezone.localdate(), "address": order.delivery_address}
    form = DeliveryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        wanted = [{"order_line": line.pk, "quantity": line.typed} for line in lines if line.typed.strip()]  # type: ignore[attr-defined]
        delivery = attempt(form, None, lambda: services.delivery_create(
            actor=request.user, order=order, data=form.cleaned_data, lines=wanted))  # fmt: skip
        if delivery:
            messages.success(request, _("Saved."))
            return redirect(delivery.get_absolute_url())
    return render(request, "finance/delivery_form.html", {"form": form, "order": order, "lines": lines})


@perm_required("payments.view")
def delivery_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    delivery = get_visible_or_404(Delivery.objects.select_related("customer", "order"), request.user, pk=pk)
    context = {
        "delivery": delivery,
        "lines": list(delivery.lines.select_related("order_line__product")),
        "may_edit": has_perm(request.user, "payments.edit"),
        "receive_form": ReceiveForm(initial={"received_on": timezone.localdate(), "receiver": delivery.receiver}),
    }
    return render(request, "finance/delivery.html", context)


@require_POST
@perm_required("payments.edit")
def delivery_ship(request: AuthedRequest, pk: int) -> HttpResponse:
    delivery = get_visible_or_404(Delivery.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.delivery_ship(actor=request.user, delivery=delivery)):
        messages.success(request, _("Shipped."))
    return redirect(delivery.get_absolute_url())


@require_POST
@perm_required("payments.edit")
def delivery_receive(request: AuthedRequest, pk: int) -> HttpResponse:
    delivery = get_visible_or_404(Delivery.objects.all(), request.user, pk=pk)
    form = ReceiveForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if attempt(None, request, lambda: services.delivery_receive(
            actor=request.user, delivery=delivery, received_on=data.get("received_on"),
            receiver=data.get("receiver") or "")):  # fmt: skip
        messages.success(request, _("Received."))
    return redirect(delivery.get_absolute_url())


@require_POST
@perm_required("payments.edit")
def delivery_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    delivery = get_visible_or_404(Delivery.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.delivery_delete(actor=request.user, delivery=delivery)) is not False:
        messages.success(request, _("Deleted."))
        return redirect("finance:deliveries")
    return redirect(delivery.get_absolute_url())


# --- the customer 360 tab -----------------------------------------------------------------------------------


@perm_required("payments.view")
def customer_tab(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    totals, rows = selectors.customer_balance(request.user, customer.pk)
    opened = {row.receivable.contract_id for row in rows if row.receivable} | {None}
    opened_orders = {row.receivable.order_id for row in rows if row.receivable} | {None}
    contracts = list(
        Contract.objects.visible_to(request.user)
        .filter(customer=customer, status__in=services.common.MONEY_CONTRACT).exclude(pk__in=opened - {None})
        .order_by("-signed_on")[:20]
    )  # fmt: skip
    orders = list(
        Order.objects.visible_to(request.user)
        .filter(customer=customer, status__in=services.common.MONEY_ORDER, contract__isnull=True)
        .exclude(pk__in=opened_orders - {None}).order_by("-ordered_on")[:20]
    )  # fmt: skip
    context = {"customer": customer, "totals": totals, "rows": rows, "contracts": contracts, "orders": orders}
    return render(request, "finance/customer_tab.html", context)


@perm_required("payments.view")
def money_panel(request: AuthedRequest, record_type: str, pk: int) -> HttpResponse:
    """The money of a contract or an order, on its own page: the figures, the instalments and a way in."""
    order: Order | None = None
    if record_type == "sales.contract":
        contract: Contract | None = get_visible_or_404(Contract.objects.all(), request.user, pk=pk)
    elif record_type == "sales.order":
        order = get_visible_or_404(Order.objects.select_related("contract"), request.user, pk=pk)
        contract = order.contract  # an order under a contract: its money is the contract's
    else:
        raise Http404
    money_of: Contract | Order
    if contract is not None:
        kind, money_of, takes_money = "contract", contract, contract.status in services.common.MONEY_CONTRACT
    else:
        assert order is not None
        kind, money_of, takes_money = "order", order, order.status in services.common.MONEY_ORDER
    receivable = Receivable.objects.filter(**{kind: money_of}).first()
    context = {
        "receivable": receivable,
        "plans": list(receivable.plans.order_by("due_on", "number")) if receivable else [],
        "open_url": reverse("finance:open", args=[kind, money_of.pk]) if takes_money else "",
        "order": order if order is not None and order.status in ("confirmed", "partially_delivered") else None,
        "may_create": has_perm(request.user, "payments.create"),
    }
    return render(request, "finance/money_panel.html", context)


def register() -> None:
    from guanxi.core import navigation
    from guanxi.core.panels import Panel, register_panel
    from guanxi.customers.views import DetailTab, register_detail_tab

    section = pgettext_lazy("navigation section", "Money")
    for label, url, icon, order in (
        (gettext_lazy("Receivables"), "finance:receivables", "report-money", 60),
        (gettext_lazy("Receipts"), "finance:receipts", "cash", 61),
        (gettext_lazy("Invoices"), "finance:invoices", "file-invoice", 62),
        (gettext_lazy("Delivery notes"), "finance:deliveries", "truck-delivery", 63),
    ):
        navigation.register(
            navigation.NavItem(
                label, url, icon, order=order, section=section, visible=navigation.needs("payments.view")
            )
        )
    register_detail_tab(DetailTab("receivables", gettext_lazy("Receivables"), "payments.view"))
    for record_label in ("sales.contract", "sales.order"):
        panel = Panel("money", pgettext_lazy("contract panel", "Money"), "finance:money_panel", "payments.view")
        register_panel(record_label, panel)
