"""Delivery notes (发货单, SPEC §8.4): lines of a confirmed order, each never above ordered minus delivered
(notes prepared and not yet shipped count); prepared → shipped → received. Shipping records the delivered
quantities through the orders' service, which moves the order to partially delivered or delivered."""

from __future__ import annotations

from collections import defaultdict
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
from guanxi.core.errors import Conflict, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.org.models import User
from guanxi.sales.orders import services as orders
from guanxi.sales.orders.models import Order, OrderLine

from ..models import Delivery, DeliveryLine, DeliveryStatus
from .common import MONEY_ORDER, a_date, money

TEXTS = {"carrier": 100, "tracking_number": 60, "receiver": 100, "address": 200}


def prepared_quantities(order: Order, *, exclude: int | None = None) -> dict[int, Decimal]:
    """By order line: what notes prepared and not yet shipped hold."""
    rows = DeliveryLine.objects.filter(delivery__order=order, delivery__status=DeliveryStatus.PREPARED,
                                       delivery__deleted_at__isnull=True)  # fmt: skip
    if exclude:
        rows = rows.exclude(delivery_id=exclude)
    return {row["order_line"]: row["total"] for row in rows.values("order_line").annotate(total=Sum("quantity"))}


def remaining(order: Order) -> dict[int, Decimal]:
    """By order line: ordered − delivered − prepared."""
    prepared = prepared_quantities(order)
    return {
        line.pk: line.quantity - line.delivered_quantity - prepared.get(line.pk, Decimal(0))
        for line in OrderLine.objects.filter(order=order)
    }


@transaction.atomic
def delivery_create(
    *, actor: User, order: Order, data: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]
) -> Delivery:
    """Prepare a delivery note of a confirmed order the actor can see."""
    require_perm(actor, "payments.create")
    row = Order.objects.visible_to(actor).select_for_update().filter(pk=order.pk).first()
    if row is None:
        raise NotPermitted(_("This order is outside your data scope."))
    if row.status not in MONEY_ORDER:
        raise Conflict(_("Only a confirmed order takes delivery notes."), code="wrong_status")
    errors: dict[str, list[str]] = {}
    shipped_on = a_date(data.get("shipped_on") or timezone.localdate(), "shipped_on", errors)
    left = remaining(row)
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for index, line in enumerate(lines):
        quantity = line.get("quantity")
        if quantity in (None, "", 0, "0"):
            continue
        order_line = line.get("order_line")
        line_id = int(getattr(order_line, "pk", order_line) or 0)
        if line_id not in left:
            errors.setdefault(f"lines.{index}.order_line", []).append(_("A line of another order."))
            continue
        wanted[line_id] += money(quantity, f"lines.{index}.quantity", errors)
        if wanted[line_id] > left[line_id]:
            errors.setdefault(f"lines.{index}.quantity", []).append(
                _("Never more than ordered minus delivered: %(left)s.") % {"left": left[line_id]}
            )
    if shipped_on is None:
        errors.setdefault("shipped_on", [_("Enter a valid date.")])
    if not wanted and not errors:
        errors["lines"] = [_("Enter the quantity of at least one line.")]
    if errors:
        raise ValidationError(errors)
    texts = {name: str(data.get(name) or "").strip()[:size] for name, size in TEXTS.items()}
    texts["address"] = texts["address"] or row.delivery_address
    delivery = Delivery(
        business_unit_id=row.business_unit_id,
        order=row,
        customer_id=row.customer_id,
        created_by=actor,
        number=number_next(kind="delivery", prefix="FH", unit=row.business_unit_id),
        shipped_on=shipped_on,  # type: ignore[misc]
        **texts,
    )
    delivery.save()
    DeliveryLine.objects.bulk_create(
        [DeliveryLine(delivery=delivery, order_line_id=pk, quantity=quantity) for pk, quantity in wanted.items()]
    )
    audit_log(actor=actor, action=Action.CREATE, obj=delivery,
              changes={"lines": [None, {str(pk): str(q) for pk, q in wanted.items()}]})  # fmt: skip
    return delivery


def _locked(actor: User, delivery: Delivery) -> Delivery:
    require_perm(actor, "payments.edit")
    row = Delivery.objects.visible_to(actor).select_for_update().filter(pk=delivery.pk).first()
    if row is None:
        raise NotPermitted(_("This delivery note is outside your data scope."))
    return row


def _move(row: Delivery, to: str, allowed: list[str], **extra: Any) -> str:
    before = row.status
    moved = Delivery.objects.filter(pk=row.pk, status__in=allowed).update(
        status=to, updated_at=timezone.now(), version=F("version") + 1, **extra
    )
    if not moved:
        raise Conflict(_("This delivery note's status has changed meanwhile: reload it."), code="wrong_status")
    row.status, row.version = to, row.version + 1
    for name, value in extra.items():
        setattr(row, name, value)
    return before


@transaction.atomic
def delivery_ship(*, actor: User, delivery: Delivery, shipped_on: Any = None) -> Delivery:
    """Prepared → shipped: the order's delivered quantities move (never above ordered) and with them its status."""
    row = _locked(actor, delivery)
    errors: dict[str, list[str]] = {}
    day = a_date(shipped_on or row.shipped_on, "shipped_on", errors)
    if errors:
        raise ValidationError(errors)
    _move(row, DeliveryStatus.SHIPPED, [DeliveryStatus.PREPARED], shipped_on=day)
    quantities = {line.order_line_id: line.quantity for line in row.lines.all()}
    orders.order_delivered(actor=actor, order=row.order, quantities=quantities)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["prepared", "shipped"]})
    return row


@transaction.atomic
def delivery_receive(*, actor: User, delivery: Delivery, received_on: Any = None, receiver: str = "") -> Delivery:
    """Shipped → received, on the day the customer signed for it."""
    row = _locked(actor, delivery)
    errors: dict[str, list[str]] = {}
    day = a_date(received_on or timezone.localdate(), "received_on", errors)
    if day is not None and day < row.shipped_on:
        errors["received_on"] = [_("Received before it was shipped?")]
    if errors:
        raise ValidationError(errors)
    extra: dict[str, Any] = {"received_on": day}
    if receiver.strip():
        extra["receiver"] = receiver.strip()[:100]
    _move(row, DeliveryStatus.RECEIVED, [DeliveryStatus.SHIPPED], **extra)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["shipped", "received"]})
    return row


@transaction.atomic
def delivery_delete(*, actor: User, delivery: Delivery) -> None:
    """A prepared note that is not going out after all."""
    row = _locked(actor, delivery)
    if row.status != DeliveryStatus.PREPARED:
        raise Conflict(_("Only a prepared delivery note can be deleted."), code="in_use")
    Delivery.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    audit_log(actor=actor, action=Action.DELETE, obj=row)


def register() -> None:
    from guanxi.core.config.numbering import register_number_kind

    register_number_kind("delivery", gettext_lazy("Delivery note number"))
