"""Reads of money, always through the gate: receivables per customer or per contract/order with their ageing
(overdue in buckets of 0–30, 31–60, 61–90 and over 90 days, as of any date), the lists of receipts, invoices
and delivery notes, and a customer's balance for the 360 page. A page of the report takes a fixed number of
queries whatever the data size."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.org.models import User

from .models import (
    Allocation,
    Delivery,
    Invoice,
    InvoiceStatus,
    PaymentPlan,
    Receipt,
    ReceiptStatus,
    Receivable,
)

ZERO = Decimal(0)
BUCKETS = (("not_due", None, 0), ("d0_30", 1, 30), ("d31_60", 31, 60), ("d61_90", 61, 90), ("d90", 91, None))
BUCKET_CODES = tuple(code for code, _low, _high in BUCKETS)
FIGURES = ("contracted", "invoiced", "received", "outstanding", "overdue", *BUCKET_CODES)


@dataclass
class Row:
    """One line of the report: a customer, or a contract/order."""

    key: int
    label: str
    customer_id: int
    customer_name: str = ""
    receivable: Receivable | None = None
    figures: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(FIGURES, ZERO))

    def __getattr__(self, name: str) -> Decimal:
        if name in FIGURES:
            return self.figures[name]
        raise AttributeError(name)


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def bucket_of(days_overdue: int) -> str:
    """The bucket of a plan ``days_overdue`` days past its due date (0 or less: not yet due)."""
    for code, low, high in BUCKETS:
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return code
    return "d90"


def _buckets(
    plans: QuerySet[PaymentPlan], key: str | None, as_of: date, allocations: QuerySet[Allocation] | None = None
) -> dict[Any, dict[str, Decimal]]:
    """The outstanding of these plans by bucket (grouped by their ``key``, or one group under None), from the
    plans not fully received today (the others owe nothing) and, for an earlier day, what moved since: what
    receipts received after that day allocated to them (owed then) less what was released since of receipts
    received by then (received then). The moves since a recent day are few where the plans of a year are
    many. One statement: each part summed by group and due date in the database (a thousand dates where the
    plans are a million; grouping by a computed bucket took three times as long), the dates put in their
    buckets here. ``allocations``, when given, are all those of the plans: an allocation carries its receipt's
    date, its plan's owner and due date, so one owner's allocations since the day are one index range, read
    without their plans; otherwise the plans' allocations are read through them. A released allocation's
    plan may have been given another date since, so those few are dated by their plan, as today's are."""

    def by_day(rows: QuerySet[Any], day: str, total: Any, plan: str = "") -> QuerySet[Any]:
        """``plan``: the path from the rows to their plan ("" for the plans themselves)."""
        names = [day, f"{plan}{key}"] if key else [day]
        return rows.values_list(*names).order_by().annotate(total=total)

    parts = by_day(plans.filter(received__lt=F("amount")), "due_on", Sum(F("amount") - F("received")))
    if as_of < timezone.localdate():
        moves = allocations if allocations is not None else Allocation.objects.filter(plan__in=plans)
        later = moves.filter(received_on__gt=as_of, released_at__isnull=True)
        released = moves.filter(released_at__gte=_end_of(as_of), received_on__lte=as_of)
        parts = parts.union(
            by_day(later, "due_on", Sum("amount"), "plan__"),
            by_day(released, "plan__due_on", -Sum("amount"), "plan__"),
            all=True,
        )
    figures: dict[Any, dict[str, Decimal]] = {None: dict.fromkeys(BUCKET_CODES, ZERO)} if key is None else {}
    buckets: dict[date, str] = {}
    for due_on, *group, total in parts:
        if due_on not in buckets:
            buckets[due_on] = bucket_of((as_of - due_on).days)
        target = figures.setdefault(group[0] if key else None, dict.fromkeys(BUCKET_CODES, ZERO))
        target[buckets[due_on]] += total
    return figures


RECEIVABLE_FILTERS = ("unit", "owner", "customer", "q", "overdue")


def receivables(actor: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Receivable]:
    """The receivables the actor sees, filtered: ``unit``, ``owner``, ``customer``, ``q`` (customer name),
    ``overdue`` (with a plan past due as of ``as_of``); as of an earlier day, those owed by then."""
    filters = filters or {}
    rows = Receivable.objects.visible_to(actor)
    if filters.get("as_of") and filters["as_of"] < timezone.localdate():
        rows = rows.filter(owed_from__lte=filters["as_of"])
    if filters.get("unit"):
        rows = rows.filter(business_unit_id=filters["unit"])
    if filters.get("owner"):
        rows = rows.filter(owner_id=filters["owner"])
    if filters.get("customer"):
        rows = rows.filter(customer_id=filters["customer"])
    if filters.get("q"):
        rows = rows.filter(Q(customer__name__icontains=filters["q"]) | Q(number__icontains=filters["q"]))
    if filters.get("overdue"):
        as_of = filters.get("as_of") or timezone.localdate()
        late: QuerySet[Any] = PaymentPlan.objects.filter(receivable=OuterRef("pk"), due_on__lt=as_of)
        if as_of < timezone.localdate():  # short of what had been received by then, not of what has been now
            then = Allocation.objects.filter(plan=OuterRef("pk"), received_on__lte=as_of).exclude(
                released_at__lt=_end_of(as_of)
            )
            paid = then.order_by().values("plan").annotate(total=Sum("amount")).values("total")
            late = late.annotate(paid=Coalesce(Subquery(paid), ZERO)).filter(paid__lt=F("amount"))
        else:
            late = late.filter(received__lt=F("amount"))
        rows = rows.filter(Exists(late))
    return rows


def _received_since(receipts: QuerySet[Receipt], as_of: date, key: str | None) -> dict[Any, Decimal]:
    """By their receivable's ``key`` (or one total under None): what the receivables' ``received`` (these, their
    confirmed receipts) gained after ``as_of``, to take from today's figure: the receipts received later, less
    those received by then but reversed since (received then, no longer counted). Two statements, each read
    from its index alone: as one (``OR``), PostgreSQL read some 3,000 of the receipts' pages."""
    receipts = receipts.filter(decided_at__isnull=False)
    later = _amounts(receipts.filter(status=ReceiptStatus.APPROVED, received_on__gt=as_of), key)
    reversed_since = receipts.filter(status=ReceiptStatus.REVERSED, received_on__lte=as_of,
                                     reversed_at__gte=_end_of(as_of))  # fmt: skip
    for group, amount in _amounts(reversed_since, key).items():
        later[group] = later.get(group, ZERO) - amount
    return later


def _invoiced_since(rows: QuerySet[Receivable], as_of: date, key: str | None) -> dict[Any, Decimal]:
    """What the receivables' ``invoiced`` (the issued invoices) gained after ``as_of``."""
    invoices = Invoice.objects.filter(
        receivable__in=rows.values("pk"), status=InvoiceStatus.ISSUED, issued_on__gt=as_of
    )
    return _amounts(invoices, key)


def _amounts(records: QuerySet[Any], key: str | None) -> dict[Any, Decimal]:
    """The records' summed amount by their receivable's ``key``; without one, a single total (under None) that
    needs no join to the receivables."""
    if key is None:
        return {None: records.aggregate(total=Sum("amount", default=ZERO))["total"]}
    name = f"receivable__{key}" if key != "pk" else "receivable"
    return dict(records.values_list(name).annotate(total=Sum("amount")).order_by())


def ageing_page(
    actor: User, *, as_of: date, by: str = "customer", filters: Mapping[str, Any] | None = None, page: Any = 1,
    per_page: int = 25,
) -> tuple[Any, list[Row]]:  # fmt: skip
    """One page of the report (by customer or by contract/order), biggest outstanding first."""
    from django.core.paginator import Paginator

    rows = receivables(actor, {**(filters or {}), "as_of": as_of})
    past = as_of < timezone.localdate()
    key = "customer" if by == "customer" else "pk"
    if by == "customer":
        amounts: dict[str, Any] = {"contracted": Sum("amount"), "invoiced_now": Sum("invoiced"),
                                   "received_now": Sum("received")}  # fmt: skip
    else:  # a row per receivable: its own figures, with nothing to add up (no grouping of thousands of rows)
        amounts = {"contracted": F("amount"), "invoiced_now": F("invoiced"), "received_now": F("received")}
    grouped = (
        rows.values(key)
        .annotate(**amounts)
        .annotate(outstanding_now=F("contracted") - F("received_now"))
        .order_by("-outstanding_now", key)
    )
    paginator = Paginator(grouped, per_page)
    page_obj = paginator.get_page(page)
    ids = [item[key] for item in page_obj.object_list]
    result: dict[int, Row] = {}
    if by == "customer":
        names = dict(Customer.all_objects.filter(pk__in=ids).values_list("pk", "name"))
        for item in page_obj.object_list:
            result[item[key]] = Row(item[key], names.get(item[key], ""), item[key], names.get(item[key], ""))
    else:
        listed = Receivable.objects.filter(pk__in=ids).select_related("customer").order_by()
        # what a row shows and links to, not the customer's seventy columns
        found = {r.pk: r for r in listed.only("number", "contract", "order", "customer__name")}
        for item in page_obj.object_list:
            receivable = found[item[key]]
            result[item[key]] = Row(item[key], receivable.number, receivable.customer_id, receivable.customer.name,
                                    receivable)  # fmt: skip
    for item in page_obj.object_list:
        figures = result[item[key]].figures
        figures["contracted"] = item["contracted"]
        figures["invoiced"] = item["invoiced_now"]
        figures["received"] = item["received_now"]
    shown = rows.filter(**{f"{key}__in": ids})
    if past and ids:  # today's figures less what moved since
        receipts = Receipt.objects.filter(receivable__in=shown.values("pk"))
        received, invoiced = _received_since(receipts, as_of, key), _invoiced_since(shown, as_of, key)
        for pk, row in result.items():
            row.figures["received"] -= received.get(pk, ZERO)
            row.figures["invoiced"] -= invoiced.get(pk, ZERO)
    plan_key = "receivable__customer" if by == "customer" else "receivable"
    plans = PaymentPlan.objects.filter(receivable__in=shown.values("pk"))
    for group, figures in (_buckets(plans, plan_key, as_of) if ids else {}).items():
        if group in result:
            result[group].figures.update(figures)
    for row in result.values():
        _finish(row.figures)
    return page_obj, [result[pk] for pk in ids]


def _finish(figures: dict[str, Decimal]) -> None:
    figures["outstanding"] = figures["contracted"] - figures["received"]
    figures["overdue"] = sum((figures[code] for code, low, _h in BUCKETS if low is not None), ZERO)


def ageing_totals(actor: User, *, as_of: date, filters: Mapping[str, Any] | None = None) -> dict[str, Decimal]:
    """The report's totals over every row the actor sees (with the filters)."""
    filters = filters or {}
    rows = receivables(actor, {**filters, "as_of": as_of})
    totals = rows.aggregate(
        contracted=Sum("amount", default=ZERO),
        invoiced=Sum("invoiced", default=ZERO),
        received=Sum("received", default=ZERO),
    )
    # Without a filter: every plan, receipt and allocation the actor sees, read through the gate by their copies of
    # the receivable's owner (one salesperson's: an index range each) without matching them to the receivables;
    # as of an earlier day, the plans and allocations by their copy of its date, the receipts (whose indexes name
    # their receivable) but for those of the few receivables owed only since.
    past = as_of < timezone.localdate()
    allocations: QuerySet[Allocation] | None = None
    receipts: QuerySet[Receipt]
    if any(filters.get(name) for name in RECEIVABLE_FILTERS):
        plans = PaymentPlan.objects.filter(receivable__in=rows.values("pk"))
        receipts = Receipt.objects.filter(receivable__in=rows.values("pk"))
    else:
        plans, receipts = PaymentPlan.objects.visible_to(actor), Receipt.objects.visible_to(actor)
        if past:
            later = Receivable.objects.visible_to(actor).filter(owed_from__gt=as_of).values("pk")
            plans, receipts = plans.filter(owed_from__lte=as_of), receipts.exclude(receivable__in=later)
            allocations = Allocation.objects.visible_to(actor).filter(owed_from__lte=as_of)
    if past:  # today's figures less what moved since
        totals["received"] -= _received_since(receipts, as_of, None)[None]
        totals["invoiced"] -= _invoiced_since(rows, as_of, None)[None]
    totals.update(_buckets(plans, None, as_of, allocations)[None])
    figures = dict.fromkeys(FIGURES, ZERO) | totals
    _finish(figures)
    return figures


def customer_balance(
    actor: User, customer_id: int, *, as_of: date | None = None
) -> tuple[dict[str, Decimal], list[Row]]:
    """A customer's balance (the 360 page): the totals and one row per contract/order, as the actor sees them."""
    as_of = as_of or timezone.localdate()
    filters = {"customer": customer_id}
    _page, rows = ageing_page(actor, as_of=as_of, by="receivable", filters=filters, per_page=50)
    return ageing_totals(actor, as_of=as_of, filters=filters), rows


def receipt_list(actor: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Receipt]:
    filters = filters or {}
    rows = Receipt.objects.visible_to(actor).select_related("customer", "receivable")
    for name in ("status", "customer_id", "receivable_id", "business_unit_id"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("q"):
        rows = rows.filter(Q(number__icontains=filters["q"]) | Q(customer__name__icontains=filters["q"]))
    if filters.get("received_from"):
        rows = rows.filter(received_on__gte=filters["received_from"])
    if filters.get("received_to"):
        rows = rows.filter(received_on__lte=filters["received_to"])
    if filters.get("owner"):
        rows = rows.filter(receivable__owner_id=filters["owner"])
    return rows.order_by("-received_on", "-pk")


def invoice_list(actor: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Invoice]:
    filters = filters or {}
    rows = Invoice.objects.visible_to(actor).select_related("customer", "receivable")
    for name in ("status", "customer_id", "receivable_id", "business_unit_id"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("q"):
        rows = rows.filter(Q(number__icontains=filters["q"]) | Q(customer__name__icontains=filters["q"]))
    return rows.order_by("-created_at", "-pk")


def delivery_list(actor: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Delivery]:
    filters = filters or {}
    rows = Delivery.objects.visible_to(actor).select_related("customer", "order")
    for name in ("status", "customer_id", "order_id", "business_unit_id"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("q"):
        rows = rows.filter(Q(number__icontains=filters["q"]) | Q(customer__name__icontains=filters["q"]))
    return rows.order_by("-shipped_on", "-pk")
