"""Every write on orders (SPEC §7.4): from a quote, a contract or typed; never more of a product than the
contract's lines leave; confirming (the customer's first confirmed order makes it won as of the order date;
a confirmation that a registered check holds, such as the customer's credit, goes through approval first),
cancelling, and the roll-ups the money module feeds (delivered quantities, invoiced and received amounts),
each kept in the transaction of the change that moves it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.outbox import emit
from guanxi.core.permissions import require_perm
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.pool.lifecycle import Event
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_submit, approval_withdraw, pending_request_for

from ..contracts.models import RUNNING_STATUSES, Contract
from ..deals import deal_made, deal_undone
from ..quotes.models import Quote, QuoteStatus
from ..quotes.services import _clean_lines as clean_quote_lines
from ..quotes.services import totals_of
from .hooks import hold_words, holds_of
from .models import DEAL_STATUSES, Order, OrderLine, OrderStatus

ORDER_APPROVAL = "sales.order"

FIELDS = ["opportunity", "ordered_on", "delivery_on", "delivery_address", "note"]
AUDITED = [*FIELDS, "status", "total", "delivered_quantity", "invoiced_amount", "received_amount"]
LINE_COPY = ("product_id", "description", "quantity", "unit_price", "discount_percent", "tax_rate",
             "net_amount", "tax_amount", "amount")  # fmt: skip
ORDERABLE_QUOTES = (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.ACCEPTED)


def _lines(unit_id: int, customer: Customer, lines: Iterable[Mapping[str, Any]]) -> list[OrderLine]:
    rows = clean_quote_lines(unit_id, customer, lines)
    totals_of(rows)
    return [OrderLine(position=i, **{name: getattr(line, name) for name in LINE_COPY}) for i, line in enumerate(rows)]


def _copied(source: Iterable[Any]) -> list[OrderLine]:
    return [OrderLine(position=i, **{name: getattr(line, name) for name in LINE_COPY}) for i, line in enumerate(source)]


def _apply_totals(order: Order, lines: Sequence[OrderLine]) -> None:
    order.net_amount = sum((line.net_amount for line in lines), Decimal(0))
    order.tax_amount = sum((line.tax_amount for line in lines), Decimal(0))
    order.total = order.net_amount + order.tax_amount
    order.ordered_quantity = sum((line.quantity for line in lines), Decimal(0))


def contract_remaining(contract: Contract, *, exclude_order: int | None = None) -> dict[int, Decimal] | None:
    """Per product, what the contract's lines leave after its live orders (drafts count: they are promises
    in the making); None when the contract has no lines (its orders are then not limited by quantity)."""
    held: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in contract.lines.values_list("product_id", "quantity"):
        held[product_id] += quantity
    if not held:
        return None
    used = OrderLine.objects.filter(order__contract=contract, order__deleted_at__isnull=True).exclude(
        order__status=OrderStatus.CANCELLED
    )
    if exclude_order is not None:
        used = used.exclude(order_id=exclude_order)
    for row in used.values("product_id").annotate(total=Sum("quantity")):
        held[row["product_id"]] = held.get(row["product_id"], Decimal(0)) - row["total"]
    return dict(held)


def _check_against_contract(contract: Contract, lines: Sequence[OrderLine], *, exclude_order: int | None) -> None:
    """An order line above what the contract leaves of its product is refused, by line."""
    Contract.objects.select_for_update().filter(pk=contract.pk).values_list("pk", flat=True).get()  # orders in turn
    remaining = contract_remaining(contract, exclude_order=exclude_order)
    if remaining is None:
        return
    errors: dict[str, list[str]] = {}
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for index, line in enumerate(lines):
        wanted[line.product_id] += line.quantity
        left = remaining.get(line.product_id)
        if left is None:
            errors[f"lines.{index}.product"] = [_("This product is not on the contract.")]
        elif wanted[line.product_id] > left:
            errors[f"lines.{index}.quantity"] = [
                _("Above what the contract leaves of this product: %(left)s.") % {"left": max(left, Decimal(0))}
            ]
    if errors:
        raise ValidationError(errors)


def _check(
    actor: User, customer: Customer, data: Mapping[str, Any], contract: Contract | None, quote: Quote | None
) -> None:
    from ..models import Opportunity

    errors: dict[str, list[str]] = {}
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    opportunity = data.get("opportunity")
    if opportunity is not None and (
        opportunity.customer_id != customer.pk
        or not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists()
    ):
        errors["opportunity"] = [_("Choose an opportunity of this customer.")]
    if contract is not None:
        if (
            contract.customer_id != customer.pk
            or not Contract.objects.visible_to(actor).filter(pk=contract.pk).exists()
        ):
            errors["contract"] = [_("Choose a contract of this customer.")]
        elif contract.status not in RUNNING_STATUSES:
            errors["contract"] = [_("Only a signed or running contract takes orders.")]
    if quote is not None:
        if quote.customer_id != customer.pk or not Quote.objects.visible_to(actor).filter(pk=quote.pk).exists():
            errors["quote"] = [_("Choose a quote of this customer.")]
        elif quote.status not in ORDERABLE_QUOTES:
            errors["quote"] = [_("Only an approved, sent or accepted quote becomes an order.")]
    if not isinstance(data.get("ordered_on"), date):
        errors["ordered_on"] = [_("Enter a date.")]
    elif data["ordered_on"] > timezone.localdate():
        errors["ordered_on"] = [_("The order date cannot be in the future.")]
    delivery = data.get("delivery_on")
    if isinstance(delivery, date) and isinstance(data.get("ordered_on"), date) and delivery < data["ordered_on"]:
        errors["delivery_on"] = [_("The delivery date cannot be before the order date.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def order_create(
    *,
    actor: User,
    customer: Customer,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] | None = None,
    contract: Contract | None = None,
    quote: Quote | None = None,
) -> Order:
    """A draft order, typed or from a quote or contract (whose lines are copied when none are given; from a
    contract with lines, what it leaves)."""
    require_perm(actor, "orders.create")
    unit = actor.business_unit_id
    if unit is None or customer.business_unit_id not in (None, unit):
        raise DomainError(_("Take orders from customers of your own business unit."), field="customer")
    values = {"ordered_on": timezone.localdate(), **{k: v for k, v in data.items() if v is not None}}
    if quote is not None:
        quote = Quote.objects.get(pk=quote.pk)  # the statuses as they are now
    if contract is not None:
        contract = Contract.objects.get(pk=contract.pk)
    source = contract or quote
    if source is not None and values.get("opportunity") is None:
        values["opportunity"] = source.opportunity
    _check(actor, customer, values, contract, quote)
    if lines is not None:
        rows = _lines(unit, customer, lines)
    elif contract is not None:
        left = contract_remaining(contract) or {}
        rows = _copied(line for line in contract.lines.all() if left.get(line.product_id, Decimal(0)) > 0)
        for line in rows:
            if left[line.product_id] < line.quantity:  # scale the copied line to what is left
                line.quantity = left[line.product_id]
                _reprice(line)
    elif quote is not None:
        rows = _copied(quote.lines.all())
    else:
        rows = []
    if not rows:
        raise ValidationError({"lines": [_("Add at least one product line.")]})
    if contract is not None:
        _check_against_contract(contract, rows, exclude_order=None)
    order = Order(
        business_unit_id=unit,
        customer=customer,
        contract=contract,
        quote=quote,
        owner=actor,
        created_by=actor,
        opportunity=values.get("opportunity"),
        ordered_on=values["ordered_on"],
        delivery_on=values.get("delivery_on"),
        delivery_address=str(values.get("delivery_address") or "")[:200],
        note=str(values.get("note") or "")[:2000],
        number=number_next(kind="order", prefix="DD", unit=unit),
    )
    _apply_totals(order, rows)
    order.save()
    for line in rows:
        line.order = order
    OrderLine.objects.bulk_create(rows)
    audit_log(actor=actor, action=Action.CREATE, obj=order, changes={"total": [None, str(order.total)]})
    return order


def _reprice(line: OrderLine) -> None:
    from ..quotes.services import HUNDRED, fen

    line.net_amount = fen(line.quantity * line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED)
    line.tax_amount = fen(line.net_amount * line.tax_rate / HUNDRED)
    line.amount = line.net_amount + line.tax_amount


def _locked(actor: User, order: Order, *, perm: str = "orders.edit") -> Order:
    require_perm(actor, perm)
    if (
        Order.objects.visible_to(actor).select_for_update().filter(pk=order.pk).values_list("pk", flat=True).first()
        is None
    ):
        raise NotPermitted(_("This order is outside your data scope."))
    return Order.objects.select_related("customer", "contract").get(pk=order.pk)


@transaction.atomic
def order_update(
    *,
    actor: User,
    order: Order,
    version: int | None,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] | None = None,
) -> Order:
    """Change a draft order: its details and (when given) all of its lines."""
    row = _locked(actor, order)
    if version is None or version != row.version:
        raise Conflict(_("Someone changed this order meanwhile: reload it and try again."), code="stale_version")
    if not row.is_editable:
        raise DomainError(_("Only a draft order can be changed."), code="not_editable")
    merged = {name: data.get(name, getattr(row, name)) for name in FIELDS}
    _check(actor, row.customer, merged, None, None)
    rows = _lines(row.business_unit_id, row.customer, lines) if lines is not None else None
    if rows is not None and row.contract is not None:
        _check_against_contract(row.contract, rows, exclude_order=row.pk)
    before = snapshot(row, AUDITED)
    for name in FIELDS:
        setattr(row, name, merged[name])
    if rows is not None:
        row.lines.all().delete()
        for line in rows:
            line.order = row
        OrderLine.objects.bulk_create(rows)
        _apply_totals(row, rows)
    row.version += 1
    row.updated_at = timezone.now()
    row.save(update_fields=[*FIELDS, "net_amount", "tax_amount", "total", "ordered_quantity", "version", "updated_at"])
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=diff(before, snapshot(row, AUDITED)))
    return row


def _move(row: Order, to: str, *, allowed: Sequence[str], **extra: Any) -> str:
    now = timezone.now()
    before = row.status
    moved = Order.objects.filter(pk=row.pk, status__in=allowed).update(
        status=to, updated_at=now, version=F("version") + 1, **extra
    )
    if not moved:
        raise Conflict(_("This order's status has changed meanwhile: reload it."), code="wrong_status")
    row.status, row.version, row.updated_at = to, row.version + 1, now
    for name, value in extra.items():
        setattr(row, name, value)
    return before


@transaction.atomic
def order_confirm(*, actor: User, order: Order) -> Order:
    """Draft → confirmed (checked again against the contract); the customer's first confirmed order makes
    it won as of the order date. When a registered check holds the order (the customer's credit), it waits
    for approval instead and is confirmed when approved."""
    row = _locked(actor, order)
    if row.status != OrderStatus.DRAFT:
        raise Conflict(_("Only a draft order can be confirmed."), code="wrong_status")
    if row.contract is not None:
        if row.contract.status not in RUNNING_STATUSES:
            raise DomainError(_("Only a signed or running contract takes orders."), field="contract")
        _check_against_contract(row.contract, list(row.lines.all()), exclude_order=row.pk)
    holds = holds_of(actor, row)
    if holds:
        reasons = _("; ").join(hold.message for hold in holds)
        _move(row, OrderStatus.PENDING, allowed=[OrderStatus.DRAFT])
        held = [{"code": hold.code, **hold.figures} for hold in holds]
        changes = {"status": ["draft", "pending"], "holds": [None, held]}
        audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes, note=reasons)
        approval_submit(
            actor=actor, record_type=ORDER_APPROVAL, obj=row, unit=row.business_unit_id,
            title=f"{row.number} {row.customer.name} ¥{row.total:,}", amount=row.total, reasons=held,
        )  # fmt: skip
        return row
    return _confirmed(actor, row, before=OrderStatus.DRAFT)


def _confirmed(actor: User, row: Order, *, before: str) -> Order:
    _move(row, OrderStatus.CONFIRMED, allowed=[before], confirmed_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, "confirmed"]})
    deal_made(actor=actor, customer_id=row.customer_id, on=row.ordered_on, event=Event.FIRST_ORDER, note=row.number)
    emit("order.confirmed", row, actor=actor)
    return row


@transaction.atomic
def order_withdraw(*, actor: User, order: Order) -> Order:
    """Take an order waiting for approval back to draft."""
    row = _locked(actor, order)
    request = pending_request_for(record_type=ORDER_APPROVAL, obj=row)
    if row.status != OrderStatus.PENDING or request is None:
        raise Conflict(_("This order does not wait for approval."), code="wrong_status")
    approval_withdraw(actor=actor, request=request)
    row.refresh_from_db()
    return row


def _approved(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Order.objects.select_for_update().select_related("customer").get(pk=int(request.object_id))
    _confirmed(actor, row, before=OrderStatus.PENDING)


def _back_to_draft(request: ApprovalRequest, actor: User, comment: str) -> None:
    """Rejected or withdrawn: a draft again, to be changed, confirmed again later or cancelled."""
    row = Order.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, OrderStatus.DRAFT, allowed=[OrderStatus.PENDING])
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "draft"]}, note=comment)


def register() -> None:
    """Orders whose confirmation a check held, as a record type of the approval engine."""
    from django.urls import reverse

    from guanxi.workflows.registry import RecordType, register_record_type

    register_record_type(
        RecordType(
            ORDER_APPROVAL,
            gettext_lazy("Confirming an order"),
            on_approved=_approved,
            on_rejected=_back_to_draft,
            on_withdrawn=_back_to_draft,
            url=lambda object_id: reverse("sales:order", args=[object_id]),
            describe=hold_words,
        )
    )


@transaction.atomic
def order_cancel(*, actor: User, order: Order, reason: str = "") -> Order:
    """A draft or confirmed order that nothing was delivered, invoiced or received on is cancelled; when it
    was the customer's only deal, the customer is no longer won."""
    row = _locked(actor, order)
    reason = (reason or "").strip()[:500]
    if row.status == OrderStatus.CONFIRMED and not reason:
        raise DomainError(_("Say why the order is cancelled."), field="reason")
    if row.delivered_quantity or row.invoiced_amount or row.received_amount:
        raise Conflict(
            _("Goods, invoices or payments are recorded on this order: it cannot be cancelled."), code="wrong_status"
        )
    before = _move(
        row,
        OrderStatus.CANCELLED,
        allowed=[OrderStatus.DRAFT, OrderStatus.CONFIRMED],
        cancel_reason=reason,
        closed_at=timezone.now(),
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, "cancelled"]}, note=reason)
    if before in DEAL_STATUSES:
        deal_undone(actor=actor, customer_id=row.customer_id, note=row.number)
    return row


@transaction.atomic
def order_complete(*, actor: User, order: Order) -> Order:
    """A delivered order is completed."""
    row = _locked(actor, order)
    _move(row, OrderStatus.COMPLETED, allowed=[OrderStatus.DELIVERED], closed_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["delivered", "completed"]})
    return row


@transaction.atomic
def order_delete(*, actor: User, order: Order) -> None:
    row = _locked(actor, order, perm="orders.delete")
    if row.status not in (OrderStatus.DRAFT, OrderStatus.CANCELLED):
        raise Conflict(_("Only a draft or cancelled order can be deleted."), code="in_use")
    Order.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now())
    audit_log(actor=actor, action=Action.DELETE, obj=row)


# --- the roll-ups: what deliveries, invoices and receipts (the money module) call --------------------------

OPEN_FOR_MONEY = (OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def _money_row(order: Order) -> Order:
    row = Order.objects.select_for_update().get(pk=order.pk)
    if row.status not in OPEN_FOR_MONEY:
        raise Conflict(_("Only a confirmed order takes deliveries, invoices and payments."), code="wrong_status")
    return row


@transaction.atomic
def order_delivered(*, actor: User | None, order: Order, quantities: Mapping[int, Decimal]) -> Order:
    """Record delivered quantities by order line id (a delivery note shipped; negative when one is undone).
    Never above what was ordered; the order moves to partially delivered or delivered with them."""
    row = _money_row(order)
    lines = {line.pk: line for line in OrderLine.objects.select_for_update().filter(order=row)}
    errors: dict[str, list[str]] = {}
    for line_id, quantity in quantities.items():
        line = lines.get(line_id)
        if line is None:
            errors.setdefault("lines", []).append(_("A line of another order."))
            continue
        after = line.delivered_quantity + Decimal(quantity)
        if after < 0 or after > line.quantity:
            errors[f"lines.{line.position}.quantity"] = [
                _("Never more than ordered minus delivered: %(left)s.")
                % {"left": line.quantity - line.delivered_quantity}
            ]
        line.delivered_quantity = after
    if errors:
        raise ValidationError(errors)
    OrderLine.objects.bulk_update(list(lines.values()), ["delivered_quantity"])
    before = snapshot(row, AUDITED)
    row.delivered_quantity = sum((line.delivered_quantity for line in lines.values()), Decimal(0))
    if row.status != OrderStatus.COMPLETED:
        if row.delivered_quantity == 0:
            row.status = OrderStatus.CONFIRMED
        elif all(line.delivered_quantity >= line.quantity for line in lines.values()):
            row.status = OrderStatus.DELIVERED
        else:
            row.status = OrderStatus.PARTIALLY_DELIVERED
    row.version += 1
    row.updated_at = timezone.now()
    row.save(update_fields=["delivered_quantity", "status", "version", "updated_at"])
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=diff(before, snapshot(row, AUDITED)))
    return row


def _add_amount(actor: User | None, order: Order, field: str, amount: Decimal, message: str) -> Order:
    row = _money_row(order)
    after = getattr(row, field) + Decimal(amount)
    if after < 0 or after > row.total:
        raise DomainError(message % {"left": row.total - getattr(row, field)}, field="amount", code="over_amount")
    before = snapshot(row, AUDITED)
    Order.objects.filter(pk=row.pk).update(**{field: after}, version=F("version") + 1, updated_at=timezone.now())
    setattr(row, field, after)
    row.version += 1
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=diff(before, snapshot(row, AUDITED)))
    return row


@transaction.atomic
def order_invoiced(*, actor: User | None, order: Order, amount: Decimal) -> Order:
    """An invoice issued on the order (negative when one is voided): never above the order's total."""
    return _add_amount(
        actor, order, "invoiced_amount", amount, _("The invoiced amount cannot exceed the order: %(left)s left.")
    )


@transaction.atomic
def order_received(*, actor: User | None, order: Order, amount: Decimal) -> Order:
    """A receipt allocated to the order (negative when one is reversed): never above the order's total."""
    return _add_amount(actor, order, "received_amount", amount, _("Receipts cannot exceed the order: %(left)s left."))
