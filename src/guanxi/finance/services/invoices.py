"""Invoices (开票, SPEC §8.3): requested by sales with the buyer's billing data (from the customer, editable)
and lines, issued or voided by finance. The invoiced total never exceeds the contract/order amount
(``over_invoice``): requests in flight count against it, and issuing moves the roll-up by a conditional UPDATE.
The special VAT invoice needs the buyer's tax number, checked (15, 17, 18 or 20 characters; the unified social
credit code's check character for 18)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.money import money_text
from guanxi.core.permissions import has_perm, require_perm
from guanxi.customers.models import Customer
from guanxi.org.company import credit_code_valid
from guanxi.org.models import User
from guanxi.sales.orders import services as orders

from ..models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, Receivable
from .common import SLACK, OverInvoice, _source_open, a_date, fen_sum, locked, money

TEXTS = {"title": 100, "address_phone": 200, "bank_account": 150, "note": 500}
MAX_LINES = 30


def tax_number_problem(value: str) -> str:
    """Why a buyer's tax number (纳税人识别号) is not one, or "" when it is."""
    if not value:
        return ""
    if len(value) not in (15, 17, 18, 20) or not re.fullmatch(r"[0-9A-Z]+", value):
        return _("A tax number has 15, 17, 18 or 20 digits and capital letters.")
    if len(value) == 18 and not credit_code_valid(value):
        return _("This unified social credit code's check character is wrong: check each character.")
    return ""


def billing_of(customer: Customer) -> dict[str, str]:
    """The customer's billing data, to start an invoice request with."""
    phone = getattr(customer, "phone", "") or ""
    address = getattr(customer, "address", "") or ""
    return {
        "title": customer.name[:100],
        "tax_number": (customer.tax_number or "").strip().upper()[:20],
        "address_phone": " ".join(part for part in (str(address), str(phone)) if part)[:200],
        "bank_account": " ".join(part for part in (customer.bank, customer.bank_account) if part)[:150],
    }


def _clean(data: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], list[InvoiceLine]]:
    errors: dict[str, list[str]] = {}
    kind = str(data.get("kind") or InvoiceKind.NORMAL)
    if kind not in InvoiceKind.values:
        errors["kind"] = [_("Choose an invoice type.")]
    texts = {name: str(data.get(name) or "").strip()[:size] for name, size in TEXTS.items()}
    if not texts["title"]:
        errors["title"] = [_("Enter the invoice title.")]
    tax_number = re.sub(r"\s", "", str(data.get("tax_number") or "")).upper()
    problem = tax_number_problem(tax_number)
    if problem:
        errors["tax_number"] = [problem]
    elif kind == InvoiceKind.SPECIAL and not tax_number:
        errors["tax_number"] = [_("A special VAT invoice needs the buyer's tax number.")]
    rows: list[InvoiceLine] = []
    raw = list(lines)
    if not raw:
        errors["lines"] = [_("Add at least one line.")]
    if len(raw) > MAX_LINES:
        errors["lines"] = [_("At most %(count)d lines.") % {"count": MAX_LINES}]
    for index, line in enumerate(raw):
        prefix = f"lines.{index}."
        description = str(line.get("description") or "").strip()[:200]
        if not description:
            errors.setdefault(prefix + "description", []).append(_("Enter the goods or services."))
        amount = money(line.get("amount"), prefix + "amount", errors)
        quantity = money(line.get("quantity") or 1, prefix + "quantity", errors)
        tax_rate = Decimal(str(line.get("tax_rate", "13") or "13"))
        if not 0 <= tax_rate <= 100:
            errors.setdefault(prefix + "tax_rate", []).append(_("Between 0 and 100."))
        rows.append(InvoiceLine(position=index, description=description, amount=amount or Decimal("0.01"),
                                quantity=quantity or Decimal(1), tax_rate=tax_rate))  # fmt: skip
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "tax_number": tax_number, **texts}, rows


def _in_flight(receivable: Receivable, *, exclude: int | None = None) -> Decimal:
    rows = Invoice.objects.filter(receivable=receivable, status=InvoiceStatus.REQUESTED)
    if exclude:
        rows = rows.exclude(pk=exclude)
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def _over_invoice(left: Decimal) -> OverInvoice:
    message = _("Invoices cannot exceed the amount: %(left)s is left to invoice.") % {"left": money_text(left)}
    return OverInvoice(message, field="amount")


@transaction.atomic
def invoice_request(
    *, actor: User, receivable: Receivable, data: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]
) -> Invoice:
    """Ask finance for an invoice: never above what is left to invoice, requests in flight included."""
    require_perm(actor, "payments.create")
    row = locked(actor, receivable)  # requests on one receivable queue here, so the sum below holds
    _source_open(row.contract, row.order)
    values, rows = _clean(data, lines)
    amount = sum((line.amount for line in rows), Decimal(0))
    left = row.amount - row.invoiced - _in_flight(row)
    if amount > left:
        raise _over_invoice(left)
    invoice = Invoice(
        business_unit_id=row.business_unit_id,
        receivable=row,
        customer_id=row.customer_id,
        created_by=actor,
        number=number_next(kind="invoice", prefix="KP", unit=row.business_unit_id),
        amount=amount,
        **values,
    )
    invoice.save()
    for line in rows:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    audit_log(actor=actor, action=Action.CREATE, obj=invoice, changes={"amount": [None, str(amount)]})
    return invoice


def _locked(actor: User, invoice: Invoice, perm: str) -> Invoice:
    require_perm(actor, perm)
    row = Invoice.objects.visible_to(actor).select_for_update().filter(pk=invoice.pk).first()
    if row is None:
        raise NotPermitted(_("This invoice is outside your data scope."))
    return row


def _move(row: Invoice, to: str, allowed: list[str], **extra: Any) -> str:
    before = row.status
    now = timezone.now()
    moved = Invoice.objects.filter(pk=row.pk, status__in=allowed).update(
        status=to, updated_at=now, version=F("version") + 1, **extra
    )
    if not moved:
        raise Conflict(_("This invoice's status has changed meanwhile: reload it."), code="wrong_status")
    row.status, row.version = to, row.version + 1
    for name, value in extra.items():
        setattr(row, name, value)
    return before


@transaction.atomic
def invoice_issue(*, actor: User, invoice: Invoice, invoice_number: str, issued_on: Any = None) -> Invoice:
    """Finance issues a requested invoice under the number printed on it; the invoiced roll-up moves."""
    row = _locked(actor, invoice, "finance.edit")
    errors: dict[str, list[str]] = {}
    number = re.sub(r"\s", "", invoice_number or "")[:40]
    if not number:
        errors["invoice_number"] = [_("Enter the invoice number.")]
    day = a_date(issued_on or timezone.localdate(), "issued_on", errors)
    if errors:
        raise ValidationError(errors)
    if row.status != InvoiceStatus.REQUESTED:
        raise Conflict(_("Only a requested invoice can be issued."), code="wrong_status")
    moved = Receivable.objects.filter(pk=row.receivable_id, invoiced__lte=F("amount") - row.amount + SLACK).update(
        invoiced=fen_sum(F("invoiced") + row.amount), updated_at=timezone.now()
    )
    receivable = Receivable.objects.select_related("order").get(pk=row.receivable_id)
    if not moved:
        left = receivable.amount - receivable.invoiced
        raise _over_invoice(left)
    _move(row, InvoiceStatus.ISSUED, [InvoiceStatus.REQUESTED], invoice_number=number, issued_on=day)
    if receivable.order is not None:
        orders.order_invoiced(actor=actor, order=receivable.order, amount=row.amount)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["requested", "issued"],
                                                                   "invoice_number": ["", number]})  # fmt: skip
    return row


@transaction.atomic
def invoice_void(*, actor: User, invoice: Invoice, reason: str) -> Invoice:
    """Void a request (sales or finance) or an issued invoice (finance, with a reason): the roll-up goes back."""
    row = _locked(actor, invoice, "finance.edit" if has_perm(actor, "finance.edit") else "payments.edit")
    reason = (reason or "").strip()[:500]
    if row.status == InvoiceStatus.ISSUED:
        require_perm(actor, "finance.edit")
        if not reason:
            raise DomainError(_("Say why the invoice is voided."), field="reason")
    if row.status == InvoiceStatus.VOIDED:
        raise Conflict(_("This invoice is already voided."), code="wrong_status")
    before = _move(row, InvoiceStatus.VOIDED, [InvoiceStatus.REQUESTED, InvoiceStatus.ISSUED], void_reason=reason)
    if before == InvoiceStatus.ISSUED:
        Receivable.objects.filter(pk=row.receivable_id).update(invoiced=fen_sum(F("invoiced") - row.amount),
                                                                updated_at=timezone.now())  # fmt: skip
        receivable = Receivable.objects.select_related("order").get(pk=row.receivable_id)
        if receivable.order is not None:
            orders.order_invoiced(actor=actor, order=receivable.order, amount=-row.amount)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, "voided"]}, note=reason)
    return row


def register() -> None:
    from guanxi.core.config.numbering import register_number_kind

    register_number_kind("invoice", gettext_lazy("Invoice request number"))
