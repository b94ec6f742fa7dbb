"""The won customer (SPEC §3.1, §7.3): a signed contract or a confirmed order makes its customer ``won`` as of
the signing or order date; undoing the customer's only deal (voiding the contract, cancelling the order)
moves it back. Contracts and orders call these inside their own transaction, after their own row moved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User
from guanxi.pool.lifecycle import Event, customer_lifecycle_event


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _latest_deal(customer_id: int) -> datetime | None:
    """When the customer's latest remaining deal was made: its signed contracts' and confirmed orders'."""
    from .contracts.models import DEAL_STATUSES as CONTRACT_DEALS
    from .contracts.models import Contract
    from .orders.models import DEAL_STATUSES as ORDER_DEALS
    from .orders.models import Order

    signed = Contract.objects.filter(customer_id=customer_id, status__in=CONTRACT_DEALS).aggregate(
        last=Max("signed_on")
    )["last"]
    ordered = Order.objects.filter(customer_id=customer_id, status__in=ORDER_DEALS).aggregate(last=Max("ordered_on"))[
        "last"
    ]
    days = [day for day in (signed, ordered) if day is not None]
    return _moment(max(days)) if days else None


# What the apps above do when a customer makes a deal (retention: its open churn alert is recovered, a lost
# customer's alert notes the customer came back), registered in their ready() and called inside the deal's
# transaction: (actor, customer as it is now, the deal's date, the customer's status before the deal, the
# deal's number).
DealHook = Callable[[User, Customer, date, str, str], None]
DEAL_HOOKS: list[DealHook] = []


def register_deal_hook(hook: DealHook) -> None:
    if hook not in DEAL_HOOKS:
        DEAL_HOOKS.append(hook)


def deal_made(*, actor: User, customer_id: int, on: date, event: str, note: str) -> bool:
    """A contract was signed or an order confirmed on ``on``: the customer's last deal date follows, and a
    customer not yet won becomes won (the lifecycle event notes the deal and its date); a churned customer
    is won again. Returns whether the status changed."""
    customer = Customer.all_objects.select_for_update().get(pk=customer_id)
    before = customer.status
    moment = _moment(on)
    if customer.last_order_at is None or customer.last_order_at < moment:
        Customer.all_objects.filter(pk=customer_id).update(last_order_at=moment)
        customer.last_order_at = moment
    if before == Lifecycle.CHURNED:
        event = Event.WON_AGAIN
    changed = customer_lifecycle_event(customer=customer, event=event, actor=actor, note=f"{note} {on.isoformat()}")
    for hook in DEAL_HOOKS:
        hook(actor, customer, on, before, note)
    return changed


def has_deal(customer_id: int) -> bool:
    """Whether anything still makes the customer won: a signed contract, a confirmed order or a won
    opportunity."""
    from .models import Opportunity, Status

    return (
        _latest_deal(customer_id) is not None
        or Opportunity.objects.filter(customer_id=customer_id, status=Status.WON).exists()
    )


def deal_undone(*, actor: User, customer_id: int, note: str) -> bool:
    """The customer's contract was voided or its order cancelled (the row has moved already). When no deal
    remains, a won customer goes back to potential, or to opportunity while it has an open opportunity.
    Returns whether the status changed."""
    from .models import Opportunity, Status

    customer = Customer.all_objects.select_for_update().get(pk=customer_id)
    latest = _latest_deal(customer_id)
    if customer.last_order_at != latest:
        Customer.all_objects.filter(pk=customer_id).update(last_order_at=latest)
        customer.last_order_at = latest
    if customer.status != Lifecycle.WON or has_deal(customer_id):
        return False
    customer_lifecycle_event(customer=customer, event=Event.DEAL_UNDONE, actor=actor, note=note)
    if Opportunity.objects.filter(customer_id=customer_id, status=Status.OPEN).exists():
        customer_lifecycle_event(customer=customer, event=Event.OPPORTUNITY_OPENED, actor=actor, note=note)
    return True


# --- what may not be deleted (SPEC §7.3) -------------------------------------------------------------------


def _numbers(rows: Any, limit: int = 5) -> tuple[int, str]:
    count = rows.count()
    numbers = list(rows.order_by("pk").values_list("number", flat=True)[:limit])
    return count, "、".join(numbers) + ("…" if count > limit else "")


def delete_refusal(*, contracts: Any, orders: Any) -> str:
    """Why a record with these contracts and orders cannot be deleted, naming how many and which; "" when
    it has none."""
    parts = []
    count, numbers = _numbers(contracts)
    if count:
        parts.append(
            ngettext("%(count)d contract (%(numbers)s)", "%(count)d contracts (%(numbers)s)", count)
            % {"count": count, "numbers": numbers}
        )
    count, numbers = _numbers(orders)
    if count:
        parts.append(
            ngettext("%(count)d order (%(numbers)s)", "%(count)d orders (%(numbers)s)", count)
            % {"count": count, "numbers": numbers}
        )
    if not parts:
        return ""
    return _("It has %(records)s, so it cannot be deleted.") % {"records": _("; ").join(parts)}


def customer_delete_refusal(customer: Customer) -> str:
    from .contracts.models import Contract
    from .orders.models import Order

    return delete_refusal(
        contracts=Contract.objects.filter(customer_id=customer.pk), orders=Order.objects.filter(customer_id=customer.pk)
    )


def opportunity_delete_refusal(opportunity_id: int) -> str:
    from .contracts.models import Contract
    from .orders.models import Order

    return delete_refusal(
        contracts=Contract.objects.filter(opportunity_id=opportunity_id),
        orders=Order.objects.filter(opportunity_id=opportunity_id),
    )


def product_delete_refusal(product_id: int) -> str:
    from .contracts.models import Contract
    from .orders.models import Order

    return delete_refusal(
        contracts=Contract.objects.filter(lines__product_id=product_id).distinct(),
        orders=Order.objects.filter(lines__product_id=product_id).distinct(),
    )


def register() -> None:
    from guanxi.customers.hooks import DELETE_GUARDS

    if customer_delete_refusal not in DELETE_GUARDS:
        DELETE_GUARDS.append(customer_delete_refusal)
