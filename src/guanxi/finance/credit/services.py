"""Every write on credit: rating customers (the nightly sweep's batches, or one customer the first time an
order of theirs is confirmed), a manager's override and its removal, and the check an order's confirmation
passes (sales calls it through ``sales.orders.hooks``): above the limit, or rated D/E, it needs approval."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.bulk import rows_upsert
from guanxi.core.errors import Conflict, FieldErrors, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.customers.models import Customer
from guanxi.customers.services import customers_credit_rating_set
from guanxi.org.models import User
from guanxi.sales.orders.hooks import Hold
from guanxi.sales.orders.models import Order

from .models import HELD, RATINGS, CreditOverride, CustomerCredit
from .rules import ZERO, amount_shown, default_limit, rate, settings_of
from .selectors import histories, outstanding_of

OVERRIDE = "credit.approve"
MAX_LIMIT = Decimal("100000000000000")
WRITTEN = ["business_unit", "computed_rating", "computed_limit", "reasons", "rating", "limit", "rated_at"]


@dataclass(frozen=True)
class Rated:
    """A customer as the sweep reads it."""

    pk: int
    unit_id: int
    level: str
    has_deal: bool
    shown: str  # the customer's ``credit_rating`` now


def rated_rows(ids: Iterable[int]) -> list[Rated]:
    rows = Customer.all_objects.filter(pk__in=list(ids)).values_list(
        "pk", "business_unit_id", "level", "last_order_at", "credit_rating"
    )
    return [Rated(pk, unit, level or "", last is not None, shown or "") for pk, unit, level, last, shown in rows]


def credits_rate(
    *, customers: list[Rated], at: datetime, settings: dict[int, dict[str, Any]] | None = None,
    id_range: tuple[int, int] | None = None,
) -> int:  # fmt: skip
    """Rate these customers as of ``at`` (one batch of the sweep, inside its transaction; ``id_range``: all of
    them lie in it). A row is written only when something changed, so a re-run writes nothing; an override in
    force keeps its rating and limit, read again after the write has locked the rows, so one set meanwhile is
    not undone. Returns how many rows changed."""
    settings = {} if settings is None else settings
    ids = [row.pk for row in customers]
    rows = CustomerCredit.objects.filter(pk__gte=id_range[0], pk__lt=id_range[1]) if id_range else (
        CustomerCredit.objects.filter(pk__in=ids))  # fmt: skip
    existing = {row[0]: row[1:] for row in rows.values_list("pk", "computed_rating", "computed_limit", "reasons",
                                                            "rating", "limit")}  # fmt: skip
    in_force = _overrides(ids, id_range)
    found = histories([(row.pk, row.level, row.has_deal) for row in customers], at, id_range)
    changed: list[Row] = []
    shown: dict[int, str] = {}
    for customer in customers:
        unit = settings.get(customer.unit_id)
        if unit is None:
            unit = settings[customer.unit_id] = settings_of(customer.unit_id)
        rating, reasons = rate(found[customer.pk], unit)
        limit = default_limit(customer.level, unit)
        now_rating, now_limit = _in_force(in_force.get(customer.pk), rating, limit)
        if customer.shown != now_rating:
            shown[customer.pk] = now_rating
        if existing.get(customer.pk) == (rating, limit, reasons, now_rating, now_limit):
            continue
        changed.append((customer.pk, customer.unit_id, rating, limit, reasons, now_rating, now_limit))
    if changed:
        _write(changed, at)
        # the written rows are locked now: an override committed meanwhile is seen, and kept
        written = {row[0]: row for row in changed}
        for customer_id, override in _overrides(list(written), id_range).items():
            row = written.get(customer_id)
            if row is None:
                continue
            kept = _in_force(override, row[2], row[3])
            if (row[5], row[6]) != kept:
                CustomerCredit.objects.filter(pk=customer_id).update(rating=kept[0], limit=kept[1])
                shown[customer_id] = kept[0]
    customers_credit_rating_set(ratings=shown)
    return len(changed)


# (customer, unit, computed rating, computed limit, reasons, rating, limit): a row to write
Row = tuple[int, int, str, Decimal, list[dict[str, Any]], str, Decimal]


def _write(rows: list[Row], at: datetime) -> None:
    """Insert or update these credit rows, set-based (no model instance per row on PostgreSQL)."""
    rows_upsert(CustomerCredit, "customer", WRITTEN, [(*row, at) for row in rows])


def _overrides(ids: list[int], id_range: tuple[int, int] | None = None) -> dict[int, CreditOverride]:
    rows = CreditOverride.objects.filter(removed_at__isnull=True)
    if id_range is not None:
        rows = rows.filter(customer_id__gte=id_range[0], customer_id__lt=id_range[1])
    else:
        rows = rows.filter(customer_id__in=ids)
    return {row.customer_id: row for row in rows}


def _in_force(override: CreditOverride | None, rating: str, limit: Decimal) -> tuple[str, Decimal]:
    if override is None:
        return rating, limit
    return override.rating or rating, override.limit if override.limit is not None else limit


def credit_locked(customer_id: int) -> CustomerCredit:
    """The customer's credit row, locked until the end of the transaction; rated now when it never was."""
    row = CustomerCredit.objects.select_for_update().filter(pk=customer_id).first()
    if row is None:
        credits_rate(customers=rated_rows([customer_id]), at=timezone.now())
        row = CustomerCredit.objects.select_for_update().get(pk=customer_id)
    return row


# --- overrides -----------------------------------------------------------------------------------------


def _limit(value: Any, errors: FieldErrors) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        if isinstance(value, float) or not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors.add("limit", _("Enter an amount."))
        return None
    if number < 0:
        errors.add("limit", _("A credit limit cannot be negative."))
    elif number.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.add("limit", _("At most two decimal places."))
    elif number >= MAX_LIMIT:
        errors.add("limit", _("Too large."))
    return number.quantize(Decimal("0.01")) if "limit" not in errors.errors else None


def _visible(actor: User, customer_id: int) -> None:
    if not Customer.objects.visible_to(actor).filter(pk=customer_id).exists():
        raise NotPermitted(_("This customer is outside your data scope."))


@transaction.atomic
def credit_override_set(
    *, actor: User, customer: Customer, rating: str = "", limit: Any = None, note: str = ""
) -> CreditOverride:
    """A manager sets the customer's rating and/or limit, saying why. It replaces the override in force (if
    any) and stays until removed: the nightly sweep keeps computing beside it but does not undo it."""
    require_perm(actor, OVERRIDE)
    _visible(actor, customer.pk)
    errors = FieldErrors()
    rating = (rating or "").strip().lower()
    if rating and rating not in RATINGS:
        errors.add("rating", _("Choose a rating from A to E."))
    amount = _limit(limit, errors)
    note = (note or "").strip()
    if not note:
        errors.add("note", _("Say why the rating or limit is set by hand."))
    elif len(note) > 500:
        errors.add("note", _("At most %(max)d characters.") % {"max": 500})
    if not rating and amount is None and "limit" not in errors.errors:
        errors.add("rating", _("Set a rating, a limit or both."))
    errors.raise_any()
    credit = credit_locked(customer.pk)
    now = timezone.now()
    CreditOverride.objects.filter(customer_id=customer.pk, removed_at__isnull=True).update(
        removed_at=now, removed_by=actor, remove_note=_("Replaced by a new override.")
    )
    override = CreditOverride.objects.create(
        customer_id=customer.pk, business_unit_id=credit.business_unit_id, rating=rating, limit=amount, note=note,
        created_by=actor, created_at=now,
    )  # fmt: skip
    _apply(actor, credit, rating or credit.computed_rating, amount if amount is not None else credit.computed_limit,
           note)  # fmt: skip
    return override


@transaction.atomic
def credit_override_remove(*, actor: User, override: CreditOverride, note: str = "") -> CreditOverride:
    """The override stops: the computed rating and limit are in force again (the override is kept, stamped)."""
    require_perm(actor, OVERRIDE)
    if not CreditOverride.objects.visible_to(actor).filter(pk=override.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    credit = credit_locked(override.customer_id)
    note = (note or "").strip()[:500]
    if not CreditOverride.objects.filter(pk=override.pk, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_by=actor, remove_note=note
    ):
        raise Conflict(_("This override was already removed."), code="wrong_status")
    _apply(actor, credit, credit.computed_rating, credit.computed_limit, note)
    override.refresh_from_db()
    return override


def _apply(actor: User, credit: CustomerCredit, rating: str, limit: Decimal, note: str) -> None:
    before = {"credit_rating": [credit.rating, rating], "credit_limit": [str(credit.limit), str(limit)]}
    CustomerCredit.objects.filter(pk=credit.pk).update(rating=rating, limit=limit)
    credit.rating, credit.limit = rating, limit
    customers_credit_rating_set(ratings={credit.pk: rating})
    customer = Customer.all_objects.get(pk=credit.pk)
    changes = {name: pair for name, pair in before.items() if pair[0] != pair[1]}
    audit_log(actor=actor, action=Action.UPDATE, obj=customer, changes=changes, note=note)


# --- the check on confirming an order --------------------------------------------------------------------


def order_credit_hold(actor: User, order: Order) -> Hold | None:
    """Registered with sales: an order that would take the customer's outstanding above its limit, or of a
    customer rated D or E, waits for approval. The customer's credit row stays locked until the confirming
    transaction ends, so of two orders confirmed at once the second is weighed with the first counted."""
    credit = credit_locked(order.customer_id)
    owed = outstanding_of([order.customer_id]).get(order.customer_id, ZERO)
    # an order under a contract is owed on the contract, already counted: it adds nothing to the outstanding
    adding = ZERO if order.contract_id else order.total
    rated_low = credit.rating in HELD
    above = adding > 0 and owed + adding > credit.limit
    if not (rated_low or above):
        return None
    figures = {"rating": credit.rating, "limit": str(credit.limit), "outstanding": str(owed), "order": str(adding),
               "rated_low": rated_low, "above_limit": above}  # fmt: skip
    return Hold("credit", figures)


def credit_hold_words(figures: dict[str, Any]) -> str:
    """A credit hold in the reader's language, from the figures it was decided on."""
    reasons = []
    if figures["rated_low"]:
        reasons.append(_("The customer's credit rating is %(rating)s.") % {"rating": str(figures["rating"]).upper()})
    if figures["above_limit"]:
        reasons.append(
            _("%(owed)s outstanding plus this order's %(order)s is above the credit limit of %(limit)s.")
            % {
                "owed": amount_shown(figures["outstanding"]),
                "order": amount_shown(figures["order"]),
                "limit": amount_shown(figures["limit"]),
            }
        )
    return " ".join(reasons)


def register() -> None:
    from guanxi.sales.orders.hooks import register_confirm_check

    register_confirm_check(order_credit_hold, code="credit", words=credit_hold_words)
