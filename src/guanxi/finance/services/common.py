"""What the money services share: amounts checked as money, the receivable of a contract or an order (made
on first use), and its lock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.org.models import User
from guanxi.sales.contracts.models import Contract, ContractStatus
from guanxi.sales.orders.models import Order, OrderStatus

from ..models import Receivable

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("100000000000000")
# Half a fen of slack in the conditional UPDATEs' comparisons: exact on PostgreSQL (amounts are whole fen), and
# on SQLite, which compares decimals as floating point, 2892800.00 − 964266.66 still admits 1928533.34.
SLACK = Decimal("0.005")


def fen_sum(expression: Any) -> Any:
    """A roll-up's new value rounded to the fen in the database (SQLite adds decimals as floating point)."""
    from django.db.models.functions import Round

    return Round(expression, 2)


# A contract takes money once signed; an order once confirmed (SPEC §8.2).
MONEY_CONTRACT = (ContractStatus.SIGNED, ContractStatus.IN_PROGRESS, ContractStatus.COMPLETED)
MONEY_ORDER = (OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


class OverReceipt(Conflict):
    code = "over_receipt"


class OverInvoice(Conflict):
    code = "over_invoice"


def money(value: Any, field: str, errors: dict[str, list[str]] | None = None) -> Decimal:
    """A positive amount of at most two decimals (never a float on the way); the refusal on ``field``."""
    message = ""
    number = Decimal(0)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        if isinstance(value, float) or not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        message = _("Enter an amount.")
    else:
        if number <= 0:
            message = _("Must be more than zero.")
        elif number.as_tuple().exponent < -2:  # type: ignore[operator]
            message = _("At most two decimal places.")
        elif number >= MAX_AMOUNT:
            message = _("Too large.")
    if message:
        if errors is None:
            raise DomainError(message, field=field)
        errors.setdefault(field, []).append(message)
        return Decimal(0)
    return number.quantize(FEN)


def a_date(value: Any, field: str, errors: dict[str, list[str]]) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.setdefault(field, []).append(_("Enter a valid date."))
    return None


def _source_open(contract: Contract | None, order: Order | None) -> None:
    if contract is not None and contract.status not in MONEY_CONTRACT:
        raise Conflict(_("Only a signed contract takes payments and invoices."), code="wrong_status")
    if order is not None:
        if order.status not in MONEY_ORDER:
            raise Conflict(_("Only a confirmed order takes payments and invoices."), code="wrong_status")
        if order.contract_id:
            raise DomainError(
                _("This order belongs to contract %(number)s: its payments and invoices go on the contract.")
                % {"number": order.contract.number if order.contract else ""},
                code="under_contract",
            )


def receivable_open(*, actor: User, contract: Contract | None = None, order: Order | None = None) -> Receivable:
    """The receivable of a contract or an order the actor can see, made on first use."""
    if (contract is None) == (order is None):
        raise DomainError(_("Choose a contract or an order."), field="contract")
    if contract is not None and not Contract.objects.visible_to(actor).filter(pk=contract.pk).exists():
        raise NotPermitted(_("This contract is outside your data scope."))
    if order is not None and not Order.objects.visible_to(actor).filter(pk=order.pk).exists():
        raise NotPermitted(_("This order is outside your data scope."))
    found = Receivable.objects.filter(contract=contract) if contract else Receivable.objects.filter(order=order)
    row = found.first()
    if row is not None:
        return row
    _source_open(contract, order)
    source: Any = contract or order
    try:
        with transaction.atomic():
            return Receivable.objects.create(
                business_unit_id=source.business_unit_id,
                customer_id=source.customer_id,
                owner_id=source.owner_id,
                contract=contract,
                order=order,
                number=source.number,
                owed_from=(contract.signed_on or contract.start_on) if contract else order.ordered_on,  # type: ignore[union-attr]
                amount=contract.amount if contract else order.total,  # type: ignore[union-attr]
            )
    except IntegrityError:  # made meanwhile by someone else
        return found.get()


def locked(actor: User | None, receivable: Receivable) -> Receivable:
    """The receivable, row-locked; within the actor's scope when there is an actor."""
    rows = Receivable.objects.visible_to(actor) if actor is not None else Receivable.objects.all()
    row = rows.select_for_update().filter(pk=receivable.pk).first()
    if row is None:
        raise NotPermitted(_("This receivable is outside your data scope."))
    return row


def check_version(row: Any, version: int | None) -> None:
    if version is None or version != row.version:
        from guanxi.core.records import stale

        if hasattr(row, "deleted_at"):
            raise stale(row)
        raise Conflict(_("Someone changed this meanwhile: reload it and try again."), code="stale_version")
