"""Reads of credit: what a customer owes now (its outstanding), its history for the rules, and a customer's
credit as the pages and the API show it (rating, limit, available, reasons in words, the overrides). A page
of customers takes a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connections, router
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.org.models import User
from guanxi.sales.contracts.models import DEAL_STATUSES as CONTRACT_DEALS
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import DEAL_STATUSES as ORDER_DEALS
from guanxi.sales.orders.models import Order

from ..models import Allocation, PaymentPlan, PlanStatus, Receipt, ReceiptStatus, Receivable
from ..services.common import MONEY_CONTRACT, MONEY_ORDER
from .models import CreditOverride, CustomerCredit, Rating
from .rules import BUCKETS, ZERO, History, amount_shown, reason_text

if TYPE_CHECKING:
    from guanxi.customers.models import Customer

MONEY: DecimalField = DecimalField(max_digits=18, decimal_places=2)
YEAR = timedelta(days=365)
FEN = Decimal("0.01")


IdRange = tuple[int, int]  # customers with ids from the first up to (not including) the second


def _of(path: str, ids: list[int], id_range: IdRange | None) -> Q:
    """Rows of these customers: by a range of ids (the sweep's batches: an index range scan, a short
    statement) or by the list."""
    if id_range is not None:
        return Q(**{f"{path}__gte": id_range[0], f"{path}__lt": id_range[1]})
    return Q(**{f"{path}__in": ids})


def outstanding_of(customer_ids: Iterable[int], id_range: IdRange | None = None) -> dict[int, Decimal]:
    """By customer: what is still owed on its contracts and orders now. A receivable's amount less what was
    received; a signed contract or a confirmed order (not under a contract) that has no receivable yet, its
    whole amount less what the order received. Three grouped statements whatever the number of customers,
    written as SQL: the ORM's compiling of them cost three times their running on a customer's page (about
    3 ms of the customers API's detail)."""
    ids = list(customer_ids)
    owed: dict[int, Decimal] = defaultdict(Decimal)
    if not ids and id_range is None:
        return owed
    connection = connections[router.db_for_read(Receivable)]  # a report's, on the replica (core.replica)
    ops = connection.ops

    def table(model: Any) -> str:
        return ops.quote_name(model._meta.db_table)

    customers: list[Any] = list(id_range) if id_range is not None else ids

    def of(alias: str) -> str:
        """The alias's rows of the customers asked for (their parameters: ``customers``)."""
        if id_range is not None:
            return f"{alias}.customer_id >= %s AND {alias}.customer_id < %s"
        return f"{alias}.customer_id IN ({', '.join(['%s'] * len(ids))})"

    def among(values: Iterable[str]) -> str:
        return f"IN ({', '.join(['%s'] * len(list(values)))})"

    receivables, contracts, orders = table(Receivable), table(Contract), table(Order)
    statements = [
        (f"SELECT r.customer_id, SUM(r.amount - r.received) FROM {receivables} r WHERE {of('r')}", customers),
        (
            f"SELECT c.customer_id, SUM(c.amount) FROM {contracts} c"
            f" LEFT OUTER JOIN {receivables} r ON c.id = r.contract_id"
            f" WHERE c.deleted_at IS NULL AND {of('c')} AND r.id IS NULL AND c.status {among(MONEY_CONTRACT)}",
            [*customers, *map(str, MONEY_CONTRACT)],
        ),
        (
            f"SELECT o.customer_id, SUM(o.total - o.received_amount) FROM {orders} o"
            f" LEFT OUTER JOIN {receivables} r ON o.id = r.order_id WHERE o.deleted_at IS NULL AND {of('o')}"
            f" AND o.contract_id IS NULL AND r.id IS NULL AND o.status {among(MONEY_ORDER)}",
            [*customers, *map(str, MONEY_ORDER)],
        ),
    ]
    for sql, params in statements:
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} GROUP BY 1", params)
            for customer_id, total in cursor.fetchall():
                if total is not None:  # SQLite sums decimals as floating point
                    owed[customer_id] += total if isinstance(total, Decimal) else Decimal(str(total))
    for pk, total in owed.items():
        owed[pk] = Decimal(total).quantize(FEN)
    return owed


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def histories(
    customers: Iterable[tuple[int, str, bool]], at: datetime, id_range: IdRange | None = None
) -> dict[int, History]:
    """The rules' input for these customers (id, level, has ever made a deal) as of ``at``: a fixed number
    of grouped queries for the lot (``id_range``: every customer of the batch lies in it)."""
    found = {pk: History(level=level or "", has_deal=has_deal) for pk, level, has_deal in customers}
    ids = list(found) if id_range is None else []
    if not found:
        return found
    today = timezone.localtime(at).date()
    year_ago = today - YEAR
    for pk, total in outstanding_of(ids, id_range).items():
        if pk in found:
            found[pk].outstanding = total
    # open instalments: the oldest one past due, and what is overdue by ageing bucket
    left = ExpressionWrapper(F("amount") - F("received"), output_field=MONEY)
    late = Q(due_on__lt=today)
    sums = {
        code: Sum(left, filter=late & _bucket(today, low, high), default=ZERO)
        for code, (low, high) in zip(BUCKETS, ((1, 30), (31, 60), (61, 90), (91, None)), strict=True)
    }
    for row in (
        PaymentPlan.objects.filter(
            _of("receivable__customer_id", ids, id_range), received__lt=F("amount"), due_on__lt=today
        )
        .values("receivable__customer_id")
        .annotate(oldest=Min("due_on"), **sums)
    ):
        history = found.get(row["receivable__customer_id"])
        if history is None:  # a deleted customer in the range
            continue
        history.overdue_days = (today - row["oldest"]).days
        history.overdue = {code: Decimal(row[code] or ZERO).quantize(FEN) for code in BUCKETS}
    # instalments settled in the last 12 months: how late their last payment came. From the range's plans
    # (index range scans), each plan's last payment read by its own allocations: a join from the allocations
    # would scan all of them for every batch.
    paid = (
        Allocation.objects.filter(plan_id=OuterRef("pk"), released_at__isnull=True,
                                  receipt__status=ReceiptStatus.APPROVED)
        .order_by()
        .values("plan_id")
        .annotate(last=Max("receipt__received_on"))
        .values("last")
    )  # fmt: skip
    for customer_id, due_on, paid_on in (
        PaymentPlan.objects.filter(_of("receivable__customer_id", ids, id_range), status=PlanStatus.RECEIVED)
        .order_by()
        .annotate(paid_on=Subquery(paid))
        .values_list("receivable__customer_id", "due_on", "paid_on")
    ):
        if paid_on is None or not year_ago <= paid_on <= today:  # (compared here: the subquery runs once)
            continue
        days = (paid_on - due_on).days
        history = found.get(customer_id)
        if days > 0 and history is not None:
            history.late_count += 1
            history.late_days = max(history.late_days, days)
    for row in (
        Receipt.objects.filter(
            _of("customer_id", ids, id_range), status=ReceiptStatus.REVERSED, reversed_at__gte=_start_of(year_ago),
            reversed_at__lt=_start_of(today + timedelta(days=1)),
        )
        .values("customer_id")
        .annotate(count=Count("pk"))
    ):  # fmt: skip
        if row["customer_id"] in found:
            found[row["customer_id"]].reversed = row["count"]
    for row in (
        Order.objects.filter(
            _of("customer_id", ids, id_range), status__in=ORDER_DEALS, contract__isnull=True, ordered_on__gte=year_ago,
            ordered_on__lte=today,
        )
        .values("customer_id")
        .annotate(count=Count("pk"), total=Sum("total"))
    ):  # fmt: skip
        if row["customer_id"] in found:
            found[row["customer_id"]].deals += row["count"]
            found[row["customer_id"]].deal_amount += row["total"] or ZERO
    for row in (
        Contract.objects.filter(
            _of("customer_id", ids, id_range),
            status__in=CONTRACT_DEALS,
            signed_on__gte=year_ago,
            signed_on__lte=today,
        )
        .values("customer_id")
        .annotate(count=Count("pk"), total=Sum("amount"))
    ):
        if row["customer_id"] in found:
            found[row["customer_id"]].deals += row["count"]
            found[row["customer_id"]].deal_amount += row["total"] or ZERO
    return found


def _bucket(today: date, low: int, high: int | None) -> Q:
    when = Q(due_on__lte=today - timedelta(days=low))
    if high is not None:
        when &= Q(due_on__gte=today - timedelta(days=high))
    return when


# --- a customer's credit as people read it ------------------------------------------------------------


@dataclass
class Credit:
    customer_id: int
    rating: str
    limit: Decimal
    outstanding: Decimal
    computed_rating: str = ""
    computed_limit: Decimal = ZERO
    reasons: list[dict[str, Any]] = field(default_factory=list)
    rated_at: datetime | None = None
    override: CreditOverride | None = None

    @property
    def rating_label(self) -> str:
        """Read when a page shows it: the API's ``credit`` (``as_json``) has no label and reads no dictionary."""
        return _label(dictionary_labels("credit_rating"), self.rating)

    @property
    def available(self) -> Decimal:
        return self.limit - self.outstanding

    @property
    def over(self) -> bool:
        return self.available < 0

    @property
    def held(self) -> bool:
        return self.rating in (Rating.D, Rating.E)

    @property
    def reason_texts(self) -> list[str]:
        return [reason_text(reason) for reason in self.reasons]

    def as_json(self) -> dict[str, Any]:
        return {
            "rating": self.rating.upper() if self.rating else None,
            "limit": str(self.limit),
            "outstanding": str(self.outstanding),
            "available": str(self.available),
            "computed_rating": self.computed_rating.upper() if self.computed_rating else None,
            "overridden": self.override is not None,
            "reasons": [{**reason, "rating": str(reason.get("rating", "")).upper(), "text": reason_text(reason)}
                        for reason in self.reasons],
            "rated_at": self.rated_at.isoformat() if self.rated_at else None,
        }  # fmt: skip


def credits_of(customer_ids: Iterable[int], *, known: Mapping[int, tuple[int, str]] | None = None) -> dict[int, Credit]:
    """The credit of these customers with what they owe now; one never rated (no history yet) has no rating
    and its level's default limit. A fixed number of queries, plus one parameter read per unit and level;
    ``known``: the unit and level of customers the caller has loaded already."""
    from guanxi.customers.models import Customer

    from .rules import limit_default

    ids = list(customer_ids)
    if not ids:
        return {}
    rows = {row.pk: row for row in CustomerCredit.objects.filter(customer_id__in=ids)}
    overrides = {row.customer_id: row for row in CreditOverride.objects.filter(customer_id__in=ids,
                                                                               removed_at__isnull=True)}  # fmt: skip
    owed = outstanding_of(ids)
    found = {
        pk: Credit(
            customer_id=pk, rating=row.rating, limit=row.limit,
            outstanding=owed.get(pk, ZERO), computed_rating=row.computed_rating, computed_limit=row.computed_limit,
            reasons=list(row.reasons), rated_at=row.rated_at, override=overrides.get(pk),
        )
        for pk, row in rows.items()
    }  # fmt: skip
    missing = [pk for pk in ids if pk not in found]
    limits: dict[tuple[int, str], Decimal] = {}
    if known is not None and all(pk in known for pk in missing):
        units_levels = [(pk, *known[pk]) for pk in missing]
    else:
        units_levels = list(Customer.all_objects.filter(pk__in=missing).values_list("pk", "business_unit_id", "level"))
    for pk, unit, level in units_levels:
        limit = limits.get((unit, level or ""))
        if limit is None:
            limit = limits[(unit, level or "")] = limit_default(unit, level or "")
        found[pk] = Credit(
            customer_id=pk, rating="", limit=limit, outstanding=owed.get(pk, ZERO),
            computed_limit=limit, reasons=[{"code": "no_history", "rating": ""}],
        )  # fmt: skip
    return found


def _label(labels: dict[str, str], rating: str) -> str:
    from django.utils.translation import gettext as _

    if not rating:
        return _("Not rated")
    return labels.get(rating, rating.upper())


def credit_of(customer_id: int) -> Credit | None:
    return credits_of([customer_id]).get(customer_id)


def overrides(actor: User, filters: dict[str, Any] | None = None) -> QuerySet[CreditOverride]:
    """The overrides the actor sees (in force and removed), newest first; ``customer``, ``in_force``."""
    filters = filters or {}
    rows = CreditOverride.objects.visible_to(actor).select_related("customer", "created_by", "removed_by")
    if filters.get("customer"):
        rows = rows.filter(customer_id=filters["customer"])
    if filters.get("in_force") is not None:
        rows = rows.filter(removed_at__isnull=bool(filters["in_force"]))
    return rows.order_by("-created_at", "-pk")


def fact_values(customers: list[Customer]) -> dict[int, Any]:
    """The customers API's ``credit`` and the list's column."""
    page = {customer.pk: (customer.business_unit_id, customer.level) for customer in customers}
    return {pk: credit.as_json() for pk, credit in credits_of(page, known=page).items()}


def fact_display(value: Any) -> str:
    from django.utils.translation import gettext as _

    return _("%(rating)s · %(available)s available") % {
        "rating": value.get("rating") or "—",
        "available": amount_shown(value.get("available", "")),
    }


def credit_shown(customer_id: int) -> Credit:
    """The customer's credit for a page: as the sweep stored it, or (never rated yet) computed now without
    being stored, so that a new customer's order form shows it too."""
    from guanxi.customers.models import Customer

    from .rules import default_limit, rate, settings_of

    if CustomerCredit.objects.filter(pk=customer_id).exists():
        return credits_of([customer_id])[customer_id]
    pk, unit, level, last = (
        Customer.all_objects.filter(pk=customer_id)
        .values_list("pk", "business_unit_id", "level", "last_order_at")
        .get()
    )
    settings = settings_of(unit)
    history = histories([(pk, level or "", last is not None)], timezone.now())[pk]
    rating, reasons = rate(history, settings)
    limit = default_limit(level or "", settings)
    return Credit(
        customer_id=pk, rating=rating, limit=limit, outstanding=history.outstanding,
        computed_rating=rating, computed_limit=limit, reasons=reasons,
    )  # fmt: skip
