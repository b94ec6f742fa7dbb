"""Sales targets (SPEC §12.6): what they are measured by and how far each person, department and the unit
got. The measure is a unit parameter: won opportunities, signed contracts, confirmed orders or confirmed
receipts, each by its own date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.parameters import parameter_value
from guanxi.core.permissions import grants_of
from guanxi.core.scope import Scope
from guanxi.finance.models import Receipt, ReceiptStatus
from guanxi.org.models import Department, User
from guanxi.org.selectors import departments_in_scope, people_in_scope
from guanxi.sales.contracts.models import DEAL_STATUSES as CONTRACT_DEALS
from guanxi.sales.contracts.models import Contract
from guanxi.sales.models import Opportunity, Status
from guanxi.sales.orders.models import DEAL_STATUSES as ORDER_DEALS
from guanxi.sales.orders.models import Order

from .framework import Period, month_period
from .models import Target, TargetKind

ZERO = Decimal("0")
MEASURE_PARAMETER = "analytics.target_measure"

Actuals = Callable[[User, Period], dict[int, tuple[Decimal, int]]]  # (actor, period) → owner → (amount, count)


@dataclass(frozen=True)
class TargetMeasure:
    code: str
    label: str | Promise
    actuals: Actuals
    drill: Callable[[Period, int | None], str]  # (period, owner) → the list of the records counted


def _by_owner(rows: QuerySet[Any], actor: User, amount: str, owner: str = "owner") -> dict[int, tuple[Decimal, int]]:
    if actor.business_unit_id is not None:
        rows = rows.filter(business_unit_id=actor.business_unit_id)
    grouped = rows.order_by().values(owner).annotate(amount=Sum(amount), count=Count("pk"))
    return {line[owner]: (line["amount"] or ZERO, line["count"]) for line in grouped}


def _won_opportunities(actor: User, period: Period) -> dict[int, tuple[Decimal, int]]:
    start, end = period.bounds()
    rows = Opportunity.objects.visible_to(actor).filter(status=Status.WON, closed_at__gte=start, closed_at__lt=end)
    return _by_owner(rows, actor, "amount")


def _signed_contracts(actor: User, period: Period) -> dict[int, tuple[Decimal, int]]:
    rows = Contract.objects.visible_to(actor).filter(
        status__in=CONTRACT_DEALS, signed_on__gte=period.start, signed_on__lte=period.end
    )
    return _by_owner(rows, actor, "amount")


def _confirmed_orders(actor: User, period: Period) -> dict[int, tuple[Decimal, int]]:
    rows = Order.objects.visible_to(actor).filter(
        status__in=ORDER_DEALS, ordered_on__gte=period.start, ordered_on__lte=period.end
    )
    return _by_owner(rows, actor, "total")


def _confirmed_receipts(actor: User, period: Period) -> dict[int, tuple[Decimal, int]]:
    rows = Receipt.objects.visible_to(actor).filter(
        status=ReceiptStatus.APPROVED, received_on__gte=period.start, received_on__lte=period.end
    )
    return _by_owner(rows, actor, "amount", owner="receivable__owner")


def _list(url: str, date_from: str, date_to: str, **fixed: str) -> Callable[[Period, int | None], str]:
    def drill(period: Period, owner: int | None) -> str:
        query = {**fixed, date_from: period.start.isoformat(), date_to: period.end.isoformat()}
        if owner:
            query["owner"] = str(owner)
        return f"{reverse(url)}?{urlencode(query)}"

    return drill


MEASURES: dict[str, TargetMeasure] = {
    measure.code: measure
    for measure in (
        TargetMeasure(
            "won_opportunities",
            _("Won opportunities (amount, closing date)"),
            _won_opportunities,
            _list("sales:list", "closed_from", "closed_to", status=Status.WON),
        ),
        TargetMeasure(
            "signed_contracts",
            _("Signed contracts (amount, signed date)"),
            _signed_contracts,
            _list("sales:contracts", "signed_from", "signed_to", deals="1"),
        ),
        TargetMeasure(
            "confirmed_receipts",
            _("Confirmed receipts (amount, date received)"),
            _confirmed_receipts,
            _list("finance:receipts", "received_from", "received_to", status=ReceiptStatus.APPROVED),
        ),
        TargetMeasure(
            "confirmed_orders",
            _("Confirmed orders (total, order date)"),
            _confirmed_orders,
            _list("sales:orders", "ordered_from", "ordered_to", deals="1"),
        ),
    )
}


def measure_for(unit: Any) -> TargetMeasure:
    return MEASURES.get(parameter_value(MEASURE_PARAMETER, unit=unit), MEASURES["won_opportunities"])


def months_of(code: str) -> list[int]:
    """``y`` the whole year, ``q1``…``q4`` a quarter, ``m1``…``m12`` a month."""
    if code.startswith("q") and code[1:].isdigit() and 1 <= int(code[1:]) <= 4:
        first = (int(code[1:]) - 1) * 3 + 1
        return [first, first + 1, first + 2]
    if code.startswith("m") and code[1:].isdigit() and 1 <= int(code[1:]) <= 12:
        return [int(code[1:])]
    return list(range(1, 13))


def period_of(year: int, months: list[int]) -> Period:
    return Period(month_period(year, months[0]).start, month_period(year, months[-1]).end)


@dataclass
class Attainment:
    label: str
    level: str  # user, department, unit
    target: Decimal
    actual: Decimal
    link: str = ""
    rank: int | None = None
    key: int | None = None

    @property
    def rate(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.actual * 100 / self.target).quantize(Decimal("0.1"))


@dataclass
class Attainments:
    period: Period
    kind: str
    measure: TargetMeasure
    people: list[Attainment]
    departments: list[Attainment]
    unit: Attainment | None


def attainment(
    *, actor: User, year: int, period: str = "y", kind: str = TargetKind.AMOUNT, department: Department | None = None
) -> Attainments:
    """Targets against results for the period: each person the actor may see (ranked by their rate), each
    department (its own target, else the sum of its people's) and the unit. Measured as the unit's
    parameter says, through the gate: a salesperson sees only their own."""
    months = months_of(period)
    span = period_of(year, months)
    measure = measure_for(actor.business_unit_id)
    actuals = measure.actuals(actor, span)
    index = 0 if kind == TargetKind.AMOUNT else 1
    targets = Target.objects.visible_to(actor).filter(year=year, month__in=months, kind=kind)
    if actor.business_unit_id is not None:
        targets = targets.filter(business_unit_id=actor.business_unit_id)
    by_user: dict[int, Decimal] = {}
    by_department: dict[int, Decimal] = {}
    unit_target: Decimal | None = None
    for line in targets.order_by().values("user", "department").annotate(total=Sum("value")):
        if line["user"] is not None:
            by_user[line["user"]] = line["total"]
        elif line["department"] is not None:
            by_department[line["department"]] = line["total"]
        else:
            unit_target = line["total"]
    people_query = people_in_scope(actor, "targets")
    people = list(people_query) if people_query is not None else [actor]
    if department is not None:
        people = [
            person for person in people if person.department and person.department.path.startswith(department.path)
        ]
    rows = [
        Attainment(
            str(person),
            "user",
            by_user.get(person.pk, ZERO),
            Decimal(actuals.get(person.pk, (ZERO, 0))[index]),
            measure.drill(span, person.pk),
            key=person.pk,
        )
        for person in people
        if person.pk in by_user or person.pk in actuals
    ]
    rows.sort(key=lambda row: (row.rate is None, -(row.rate or 0), -row.actual, row.label))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    department_rows = []
    departments = departments_in_scope(actor, "targets")
    if departments is not None:
        if department is not None:
            departments = departments.filter(path__startswith=department.path)
        for each in departments:
            members = [
                person for person in people if person.department and person.department.path.startswith(each.path)
            ]
            target = by_department.get(each.pk)
            if target is None:
                target = sum((by_user.get(person.pk, ZERO) for person in members), ZERO)
            actual = sum((Decimal(actuals.get(person.pk, (ZERO, 0))[index]) for person in members), ZERO)
            if target or actual:
                department_rows.append(Attainment(each.name, "department", target, actual, key=each.pk))
    unit_row = None
    if department is None and (unit_target is not None or grants_of(actor).scope("targets") in (Scope.UNIT, Scope.ALL)):
        total = sum((Decimal(value[index]) for owner, value in actuals.items()), ZERO)
        unit_row = Attainment(str(_("Whole unit")), "unit", unit_target or ZERO, total, measure.drill(span, None))
    return Attainments(span, kind, measure, rows, department_rows, unit_row)


def register() -> None:
    from guanxi.core.config.parameters import register_parameter, register_parameter_group

    register_parameter_group("analytics", _("Reports and targets"), order=90)
    register_parameter(
        MEASURE_PARAMETER,
        _("Sales targets are measured by"),
        "choice",
        "won_opportunities",
        group="analytics",
        choices=[(code, measure.label) for code, measure in MEASURES.items()],
        help=_("What counts towards a target, by its date: the amount and number of these records."),
    )
