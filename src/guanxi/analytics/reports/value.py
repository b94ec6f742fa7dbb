"""Customer contribution and value (SPEC §12.1, §12.9): who brings the money — a ranking by order amount with
Pareto and ABC classes — and RFM segments with a lifetime-value estimate per customer.

Both read the deals (confirmed orders in any later state) dated in the period, through the gate, grouped by
customer in one GROUP BY; the classes and segments are worked out in Python from those per-customer lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.models import Customer
from guanxi.sales.orders.models import DEAL_STATUSES, Order

from ..framework import Dimension, Filters, Measure, Period, Report, Row, company_today, register_report

# ABC classes: the customers bringing the first 80 % of the amount are A, the next 15 % B, the rest C.
A_SHARE, B_SHARE = Decimal("80"), Decimal("95")
SHOWN = 100  # customers listed one by one; the rest are one row, so the totals stay whole
OTHERS = "others"
HUNDRED = Decimal("100")
ZERO = Decimal("0")


def _deals(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.filter(status__in=DEAL_STATUSES)


@dataclass
class CustomerLine:
    customer: int
    amount: Decimal
    orders: int
    last: date
    share: Decimal = ZERO
    cumulative: Decimal = ZERO
    rank_class: str = ""


def customer_lines(rows: QuerySet[Any]) -> list[CustomerLine]:
    """Each customer's deals in the records: amount, count and last order date, the largest first, with its
    share of the whole, the running share and its ABC class (by the share before it: the customer crossing
    80 % is still A)."""
    grouped = (
        rows.order_by()
        .values("customer")
        .annotate(amount=Sum("total"), orders=Count("pk"), last=Max("ordered_on"))
        .order_by("-amount", "customer")
    )
    lines = [CustomerLine(g["customer"], g["amount"] or ZERO, g["orders"], g["last"]) for g in grouped]
    whole = sum((line.amount for line in lines), ZERO)
    running = ZERO
    for line in lines:
        before = running * HUNDRED / whole if whole else HUNDRED
        running += line.amount
        line.share = (line.amount * HUNDRED / whole).quantize(Decimal("0.1")) if whole else ZERO
        line.cumulative = (running * HUNDRED / whole).quantize(Decimal("0.1")) if whole else ZERO
        line.rank_class = "A" if before < A_SHARE else "B" if before < B_SHARE else "C"
    return lines


def _names(ids: list[int]) -> dict[int, str]:
    return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))


def contribution_rows(report: Report, rows: QuerySet[Any], filters: Filters, period: Period | None) -> list[Row]:
    lines = customer_lines(rows)
    if report.dimension(filters.by).code == "class":
        classes: dict[str, dict[str, Any]] = {}
        for line in lines:
            figures = classes.setdefault(line.rank_class, {"amount": ZERO, "orders": 0, "customers": 0, "share": ZERO})
            figures["amount"] += line.amount
            figures["orders"] += line.orders
            figures["customers"] += 1
            figures["share"] += line.share
        return [Row(code, str(CLASS_LABELS[code]), classes[code]) for code in "ABC" if code in classes]
    answer = [
        Row(
            line.customer,
            "",
            {
                "amount": line.amount,
                "orders": line.orders,
                "customers": 1,
                "share": line.share,
                "cumulative": line.cumulative,
                "class": line.rank_class,
            },
        )
        for line in lines[:SHOWN]
    ]
    names = _names([row.key for row in answer])
    for row in answer:
        row.label = names.get(row.key, str(row.key))
    rest = lines[SHOWN:]
    if rest:
        answer.append(
            Row(
                OTHERS,
                str(_("The other %(count)s customers") % {"count": len(rest)}),
                {
                    "amount": sum((line.amount for line in rest), ZERO),
                    "orders": sum(line.orders for line in rest),
                    "customers": len(rest),
                    "share": sum((line.share for line in rest), ZERO),
                    "cumulative": HUNDRED,
                    "class": "",
                },
            )
        )
    return answer


def _ranked_cell(rows: QuerySet[Any], cell: str, filters: Filters) -> QuerySet[Any]:
    if cell == OTHERS:
        shown = [line.customer for line in customer_lines(rows)[:SHOWN]]
        return rows.exclude(customer__in=shown)
    return rows.filter(customer=cell) if cell.isdigit() else rows.none()


def _class_cell(rows: QuerySet[Any], cell: str, filters: Filters) -> QuerySet[Any]:
    return rows.filter(customer__in=[line.customer for line in customer_lines(rows) if line.rank_class == cell])


CLASS_LABELS = {"A": _("Class A (first 80 %)"), "B": _("Class B (next 15 %)"), "C": _("Class C (last 5 %)")}

CONTRIBUTION = Report(
    name="contribution",
    title=_("Customer contribution"),
    description=_(
        "Confirmed orders dated in the period, by customer: the largest first, each one's share and the running "
        "share (Pareto), and its ABC class — the customers bringing the first 80 % of the amount are A, the next "
        "15 % B, the rest C."
    ),
    model=Order,
    module="orders",
    period_field="ordered_on",
    default_period="year",
    base=_deals,
    dimensions=(
        Dimension("customer", _("Customer"), "customer", cells=_ranked_cell),
        Dimension("class", _("ABC class"), cells=_class_cell),
    ),
    measures=(
        Measure("amount", _("Order amount"), Sum("total"), kind="money"),
        Measure("orders", _("Orders"), Count("pk")),
        Measure("customers", _("Customers"), Count("customer", distinct=True)),
        Measure("share", pgettext_lazy("part of the whole", "Share"), kind="percent"),
        Measure("cumulative", _("Running share"), kind="percent"),
        Measure("class", _("Class"), kind="text"),
    ),
    group="customers",
    chart="pareto",
    chart_measures=("amount",),
    compute=contribution_rows,
    order=40,
    record_related=("customer", "owner"),
)


# --- RFM and lifetime value ------------------------------------------------------------------------------------

LIFETIME_YEARS = 3  # how many more years a customer keeps buying at its pace, for the lifetime value


@dataclass(frozen=True)
class Segment:
    code: str
    label: Any
    recent: bool
    frequent: bool
    valuable: bool


# The eight classic RFM segments: each of recency, frequency and money above or below the average.
SEGMENTS = (
    Segment("important_value", _("Important value"), True, True, True),
    Segment("important_develop", _("Important to develop"), True, False, True),
    Segment("important_keep", _("Important to keep"), False, True, True),
    Segment("important_win_back", _("Important to win back"), False, False, True),
    Segment("general_value", _("General value"), True, True, False),
    Segment("general_develop", _("General to develop"), True, False, False),
    Segment("general_keep", _("General to keep"), False, True, False),
    Segment("general_win_back", _("General to win back"), False, False, False),
)
SEGMENT_OF = {(s.recent, s.frequent, s.valuable): s for s in SEGMENTS}


@dataclass
class Scored:
    line: CustomerLine
    recency: int  # days since the last order, at the period's end
    segment: Segment
    lifetime_value: Decimal


def scored_lines(rows: QuerySet[Any], period: Period | None) -> list[Scored]:
    """Each customer's recency, frequency and money against the averages of the customers in the records,
    its segment and its lifetime value: its yearly amount in the period, for ``LIFETIME_YEARS`` more years."""
    lines = customer_lines(rows)
    if not lines:
        return []
    as_of = min(period.end, company_today()) if period else company_today()
    # a period shorter than four weeks counts as four: a week's orders are not multiplied by 52
    years = Decimal(max(period.days, 28) if period else 365) / Decimal(365)
    recency = [max((as_of - line.last).days, 0) for line in lines]
    mean_recency = Decimal(sum(recency)) / len(lines)
    mean_orders = Decimal(sum(line.orders for line in lines)) / len(lines)
    mean_amount = sum((line.amount for line in lines), ZERO) / len(lines)
    return [
        Scored(
            line,
            days,
            SEGMENT_OF[(days <= mean_recency, line.orders > mean_orders, line.amount > mean_amount)],
            (line.amount / years * LIFETIME_YEARS).quantize(Decimal("1")),
        )
        for line, days in zip(lines, recency, strict=True)
    ]


def rfm_rows(report: Report, rows: QuerySet[Any], filters: Filters, period: Period | None) -> list[Row]:
    scored = scored_lines(rows, period)
    if report.dimension(filters.by).code == "customer":
        answer = [
            Row(
                each.line.customer,
                "",
                {
                    "customers": 1,
                    "amount": each.line.amount,
                    "orders": each.line.orders,
                    "recency": each.recency,
                    "segment": str(each.segment.label),
                    "lifetime_value": each.lifetime_value,
                },
            )
            for each in scored[:SHOWN]
        ]
        names = _names([row.key for row in answer])
        for row in answer:
            row.label = names.get(row.key, str(row.key))
        return answer
    answer = []
    for segment in SEGMENTS:
        members = [each for each in scored if each.segment is segment]
        if not members:
            continue
        answer.append(
            Row(
                segment.code,
                str(segment.label),
                {
                    "customers": len(members),
                    "amount": sum((each.line.amount for each in members), ZERO),
                    "orders": sum(each.line.orders for each in members),
                    "recency": round(sum(each.recency for each in members) / len(members)),
                    "segment": "",
                    "lifetime_value": sum((each.lifetime_value for each in members), ZERO),
                },
            )
        )
    return answer


def _segment_cell(rows: QuerySet[Any], code: str, filters: Filters) -> QuerySet[Any]:
    members = [each.line.customer for each in scored_lines(rows, filters.period) if each.segment.code == code]
    return rows.filter(customer__in=members)


def _customer_cell(rows: QuerySet[Any], cell: str, filters: Filters) -> QuerySet[Any]:
    return rows.filter(customer=cell) if cell.isdigit() else rows.none()


RFM = Report(
    name="rfm",
    title=_("Customer value (RFM)"),
    description=_(
        "Customers with confirmed orders in the period, in the eight RFM segments: whether their last order is "
        "more recent, their orders more frequent and their amount larger than the average customer's. The "
        "lifetime value is the yearly amount in the period for three more years."
    ),
    model=Order,
    module="orders",
    period_field="ordered_on",
    default_period="year",
    base=_deals,
    dimensions=(
        Dimension("segment", _("Segment"), cells=_segment_cell),
        Dimension("customer", _("Customer"), "customer", cells=_customer_cell),
    ),
    measures=(
        Measure("customers", _("Customers"), Count("customer", distinct=True)),
        Measure("amount", _("Order amount (M)"), Sum("total"), kind="money"),
        Measure("orders", _("Orders (F)"), Count("pk")),
        Measure("recency", _("Days since the last order (R)")),
        Measure("segment", _("Segment"), kind="text"),
        Measure("lifetime_value", _("Lifetime value"), kind="money"),
    ),
    group="customers",
    chart="bar",
    chart_measures=("customers",),
    compute=rfm_rows,
    order=45,
    record_related=("customer", "owner"),
)


def register() -> None:
    register_report(CONTRIBUTION)
    register_report(RFM)
