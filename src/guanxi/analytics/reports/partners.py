"""Channel partner performance (SPEC §14.8, §12): per partner (or its type or level), the customers it brought
in the period, and what the customers it ever brought won and ordered in the period — each figure read
through the gate of its own records, so a salesperson sees the partners' deals they may see."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales.models import Opportunity, Status
from guanxi.sales.orders.models import DEAL_STATUSES, Order

from ..framework import Dimension, Filters, Measure, Period, Report, Row, records, register_report
from . import labels


def _partners(keys: list[Any]) -> dict[Any, str]:
    return dict(Customer.all_objects.filter(pk__in=keys).order_by("name_pinyin").values_list("pk", "name"))


def _brought(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.filter(partner__isnull=False)


def partner_rows(
    report: Report, rows: QuerySet[Any], filters: Filters, period: Period | None, actor: User
) -> list[Row]:
    """Three GROUP BYs: the customers brought in the period (``rows``); the won opportunities and the orders
    in the period of every customer the partners brought (within the report's filters)."""
    dimension = report.dimension(filters.by)
    key = dimension.path
    every = records(report, actor, filters, None).values("pk")  # the brought customers, whenever brought
    figures: dict[Any, dict[str, Any]] = {}

    def line(value: Any) -> dict[str, Any]:
        zero = Decimal("0")
        return figures.setdefault(value, {"customers": 0, "won": 0, "won_amount": zero, "orders": 0, "ordered": zero})

    for found in rows.order_by().values(key).annotate(count=Count("pk")):
        line(found[key])["customers"] = found["count"]
    won = Opportunity.objects.visible_to(actor).filter(customer__in=every, status=Status.WON)
    orders = Order.objects.visible_to(actor).filter(customer__in=every, status__in=DEAL_STATUSES)
    if period is not None:
        start, end = period.bounds()
        won = won.filter(closed_at__gte=start, closed_at__lt=end)
        orders = orders.filter(ordered_on__gte=period.start, ordered_on__lte=period.end)
    for found in won.order_by().values(f"customer__{key}").annotate(count=Count("pk"), amount=Sum("amount")):
        values = line(found[f"customer__{key}"])
        values["won"], values["won_amount"] = found["count"], found["amount"] or Decimal("0")
    for found in orders.order_by().values(f"customer__{key}").annotate(count=Count("pk"), total=Sum("total")):
        values = line(found[f"customer__{key}"])
        values["orders"], values["ordered"] = found["count"], found["total"] or Decimal("0")
    names = dimension.labels([value for value in figures if value not in (None, "")]) if dimension.labels else {}
    answer = [
        Row(value, names.get(value) or (str(value) if value not in (None, "") else str(_("Not set"))), values)
        for value, values in figures.items()
    ]
    return sorted(answer, key=lambda row: (-row.values["won_amount"], -row.values["ordered"], row.label))


PARTNER_PERFORMANCE = Report(
    name="partner_performance",
    title=_("Channel partner performance"),
    description=_(
        "Per channel partner: the customers it brought in the period, and the opportunities won and the orders "
        "placed in the period by all the customers it brought."
    ),
    model=Customer,
    module="customers",
    period_field="created_at",
    default_period="year",
    base=_brought,
    dimensions=(
        Dimension("partner", _("Channel partner"), "partner", _partners, list_param="partner"),
        Dimension("partner_type", _("Partner type"), "partner__partner_type", labels.dictionary("partner_type")),
        Dimension("partner_level", _("Partner level"), "partner__partner_level", labels.dictionary("partner_level")),
        Dimension("territory", _("Territory"), "partner__territory"),
        Dimension("owner", _("Owner of the customer"), "owner", labels.people, list_param="owner"),
    ),
    # the figures come from ``partner_rows``; Count and Sum mark them as adding up in the totals
    measures=(
        Measure("customers", _("Customers brought"), Count("pk")),
        Measure("won", _("Opportunities won"), Count("pk")),
        Measure("won_amount", _("Amount won"), Sum("pk"), kind="money"),
        Measure("orders", _("Orders"), Count("pk")),
        Measure("ordered", _("Order total"), Sum("pk"), kind="money"),
    ),
    group="sales",
    chart="bar",
    chart_measures=("won_amount", "ordered"),
    gated_compute=partner_rows,
    list_url="customers:list",
    list_params={"date_from": "created_from", "date_to": "created_to", "owner": "owner"},
    list_fixed={"scene": "all"},
    order=45,
)


def register() -> None:
    register_report(PARTNER_PERFORMANCE)
