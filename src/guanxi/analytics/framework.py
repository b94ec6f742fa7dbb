"""The report framework (SPEC §12): a report is a declared query — the records it reads, the dimensions it
groups them by, the measures it adds up — run through the scope gate (``visible_to``), so nobody sees a
figure built from records outside their scope. Every report takes the same filters (a period in company
time, a business unit, a department, an owner, plus its own), compares with the period before or the same
period a year earlier, and drills from any cell to the records behind it: the ordinary list with the same
filters when that list understands them all, else the report's own list of those records.

A new report (contracts, orders, receipts, churn …) is one ``register_report(Report(...))``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import scope
from guanxi.core.permissions import has_perm

if TYPE_CHECKING:
    from guanxi.org.models import BusinessUnit, Department, User

NOT_SET = "__none__"  # the key of the records without a value in the dimension (a drill-down's cell)


def company_zone() -> ZoneInfo:
    """Company time: dates are bucketed in the installation's time zone (Asia/Shanghai by default)."""
    return ZoneInfo(settings.TIME_ZONE)


def company_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), company_zone()).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=company_zone())


# --- periods ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days from ``start`` to ``end``, both included, in company time."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as moments: midnight company time on the first day and the day after the last."""
        return day_start(self.start), day_start(self.end + timedelta(days=1))

    def previous(self, how: str) -> Period:
        """The period to compare with: the same number of days just before, or the same days a year earlier."""
        if how == "year":
            return Period(_year_earlier(self.start), _year_earlier(self.end))
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:  # whole months: the months before
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            first = _add_months(self.start, -months)
            return Period(first, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    return Period(first, _add_months(first, 1) - timedelta(days=1))


def default_period(kind: str | None, today: date | None = None) -> Period | None:
    today = today or company_today()
    if kind == "month":
        return Period(today.replace(day=1), today)
    if kind == "year":
        return Period(today.replace(month=1, day=1), today)
    return None


# --- declarations ----------------------------------------------------------------------------------------


Labels = Callable[[list[Any]], dict[Any, str]]


@dataclass(frozen=True)
class Dimension:
    """What a report groups by: a field path (``stage``, ``owner``, ``level``) or the day of its period field.
    ``labels`` names the keys; with ``complete`` its dict (in order) lists every key, even those with no rows
    (a funnel shows every stage). ``list_param`` is the ordinary list's query parameter for a key."""

    code: str
    label: str | Promise
    path: str = ""
    labels: Labels | None = None
    list_param: str | None = None
    day: bool = False
    complete: bool = False
    # the records behind a key a report computes (an ABC class, a segment): (records, cell, filters) → records
    cells: Callable[[QuerySet[Any], str, Filters], QuerySet[Any]] | None = None


@dataclass(frozen=True)
class Measure:
    """A figure per row: an aggregate over the row's records, or ``derive``d from the row's other figures
    (a rate). ``kind`` says how to show it: number, money, percent, hours."""

    code: str
    label: str | Promise
    aggregate: models.Aggregate | None = None
    kind: str = "number"
    derive: Callable[[Mapping[str, Any]], Any] | None = None


@dataclass(frozen=True)
class ExtraFilter:
    """A report's own filter (a pipeline, a ticket type): its form field, how it narrows the records, and
    the ordinary list's parameter for it."""

    code: str
    form_field: Callable[[User], Any]  # (actor) → a form field
    apply: Callable[[QuerySet[Any], Any], QuerySet[Any]]
    list_param: str | None = None
    as_param: Callable[[Any], str] = field(default=lambda value: str(getattr(value, "pk", value)))
    initial: Callable[[User], Any] | None = None


@dataclass(frozen=True)
class Report:
    name: str
    title: str | Promise
    description: str | Promise
    model: type[models.Model]
    module: str  # the permission module of the records it reads: who may open it at all
    period_field: str | None
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    group: str | Promise = ""
    chart: str = "bar"  # bar, line, pie, funnel, pareto
    chart_measures: tuple[str, ...] = ()  # the measures drawn (default: the first two that are not rates)
    default_period: str | None = "month"
    base: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None  # e.g. only lost opportunities
    extra_filters: tuple[ExtraFilter, ...] = ()
    list_url: str | None = None  # the ordinary list a drill-down opens, when it understands every filter
    list_params: Mapping[str, str] = field(default_factory=dict)  # framework filter → the list's parameter
    list_fixed: Mapping[str, str] = field(default_factory=dict)  # parameters the list always needs
    # a report whose rows are more than a GROUP BY (the funnel's reach): (report, records, filters) → rows
    compute: Callable[[Report, QuerySet[Any], Filters, Period | None], list[Row]] | None = None
    # the same, for a report whose figures also come from other records, each read through its own gate:
    # (report, records, filters, period, actor) → rows (partner performance: the brought customers' orders)
    gated_compute: Callable[[Report, QuerySet[Any], Filters, Period | None, User], list[Row]] | None = None
    order: int = 100
    record_columns: tuple[tuple[str | Promise, Callable[[Any], Any]], ...] = ()  # the records page's columns
    record_related: tuple[str, ...] = ()

    def dimension(self, code: str | None) -> Dimension:
        for dimension in self.dimensions:
            if dimension.code == code:
                return dimension
        return self.dimensions[0]

    def allowed(self, actor: User) -> bool:
        return has_perm(actor, "reports.view") and has_perm(actor, f"{self.module}.view")


REPORTS: dict[str, Report] = {}


def register_report(report: Report) -> None:
    REPORTS[report.name] = report


def report_get(name: str) -> Report:
    try:
        return REPORTS[name]
    except KeyError:
        raise LookupError(name) from None


def reports_for(actor: User) -> list[Report]:
    return sorted((report for report in REPORTS.values() if report.allowed(actor)), key=lambda r: r.order)


# --- filters and results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    period: Period | None = None
    compare: str = ""  # "", "previous", "year"
    by: str = ""
    unit: BusinessUnit | None = None
    department: Department | None = None
    owner: User | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def previous(self) -> Period | None:
        return self.period.previous(self.compare) if self.period and self.compare else None

    def active(self) -> dict[str, str]:
        """The filters in use as query parameters (names the report's page and API read)."""
        query: dict[str, str] = {}
        if self.period:
            query["date_from"] = self.period.start.isoformat()
            query["date_to"] = self.period.end.isoformat()
        for name in ("unit", "department", "owner"):
            value = getattr(self, name)
            if value is not None:
                query[name] = str(value.pk)
        return query

    def query(self, report: Report) -> dict[str, str]:
        """Everything the report's page needs to show these figures again (for links and saved views)."""
        query = self.active()
        if not self.period:
            query["date_from"] = query["date_to"] = ""
        for extra in report.extra_filters:
            value = self.extra.get(extra.code)
            if value not in (None, ""):
                query[extra.code] = extra.as_param(value)
        if self.compare:
            query["compare"] = self.compare
        if self.by:
            query["by"] = self.by
        return query


@dataclass
class Row:
    key: Any
    label: str
    values: dict[str, Any]
    previous: dict[str, Any] = field(default_factory=dict)
    drill: str = ""

    def change(self, code: str) -> Decimal | None:
        """The change from the period compared with, in percent (None when it had nothing)."""
        before = self.previous.get(code)
        now = self.values.get(code)
        if not before or now is None or isinstance(now, str):  # nothing before, or a class rather than a figure
            return None
        return (Decimal(str(now)) - Decimal(str(before))) * 100 / Decimal(str(before))


@dataclass
class Result:
    report: Report
    filters: Filters
    dimension: Dimension
    rows: list[Row]
    totals: dict[str, Any]
    previous_totals: dict[str, Any]

    @property
    def measures(self) -> tuple[Measure, ...]:
        """The report's measures, less a text one no row fills: a customer's class or segment is a column when
        grouping by customer, and the grouping itself when grouping by class or segment."""
        return tuple(
            measure
            for measure in self.report.measures
            if measure.kind != "text" or any(row.values.get(measure.code) for row in self.rows)
        )

    def chart(self) -> dict[str, Any]:
        """What the page's ECharts chart draws (the same figures as the table beside it)."""
        wanted = self.report.chart_measures
        first = [m for m in self.measures if m.code in wanted] if wanted else []
        first = first or [m for m in self.measures if m.kind != "percent"][:2] or list(self.measures[:1])
        series = [
            {
                "name": str(measure.label),
                "code": measure.code,
                "data": [_plain(row.values.get(measure.code)) for row in self.rows],
            }
            for measure in first
        ]
        if self.filters.compare:
            measure = first[0]
            series.append(
                {
                    "name": f"{measure.label} ({_('compared period')})",
                    "code": f"{measure.code}_previous",
                    "data": [_plain(row.previous.get(measure.code)) for row in self.rows],
                }
            )
        return {
            "type": self.report.chart,
            "title": str(self.report.title),
            "categories": [row.label for row in self.rows],
            "series": series,
            "drill": [row.drill for row in self.rows],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


# --- running a report ------------------------------------------------------------------------------------


def records(report: Report, actor: User, filters: Filters, period: Period | None) -> QuerySet[Any]:
    """The records behind the report for the actor: through the gate, then the filters, then the period."""
    manager: Any = report.model._default_manager
    rows: QuerySet[Any] = manager.visible_to(actor)
    if report.base:
        rows = report.base(rows)
    rule = scope.rule_for(report.model)
    if filters.unit is not None and rule.unit_path:
        rows = rows.filter(**{rule.unit_path: filters.unit.pk})
    if filters.department is not None:
        rows = rows.filter(rule.under_department(filters.department))
    if filters.owner is not None and rule.owner:
        rows = rows.filter(**{rule.owner: filters.owner.pk})
    for extra in report.extra_filters:
        value = filters.extra.get(extra.code)
        if value not in (None, ""):
            rows = extra.apply(rows, value)
    if period is not None and report.period_field:
        start, end = period.bounds()
        rows = rows.filter(**{f"{report.period_field}__gte": start, f"{report.period_field}__lt": end})
    return rows


def _key_expression(report: Report, dimension: Dimension) -> Any:
    if dimension.day:
        return TruncDate(str(report.period_field), tzinfo=company_zone())
    return models.F(dimension.path)


def grouped(report: Report, rows: QuerySet[Any], dimension: Dimension) -> dict[Any, dict[str, Any]]:
    """One GROUP BY: the aggregate measures of each key of the dimension."""
    aggregates = {measure.code: measure.aggregate for measure in report.measures if measure.aggregate is not None}
    answer = rows.order_by().annotate(report_key=_key_expression(report, dimension)).values("report_key")
    return {line.pop("report_key"): line for line in answer.annotate(**aggregates)}


def _derive(report: Report, values: dict[str, Any]) -> dict[str, Any]:
    for measure in report.measures:
        if measure.aggregate is not None:
            values[measure.code] = values.get(measure.code) or (Decimal("0") if measure.kind == "money" else 0)
    for measure in report.measures:
        if measure.derive is not None:
            values[measure.code] = measure.derive(values)
    return values


def rate(part: str, whole: str) -> Callable[[Mapping[str, Any]], Decimal | None]:
    """A derived measure: ``part`` as a percentage of ``whole`` (one decimal), None when there is no whole."""

    def derive(values: Mapping[str, Any]) -> Decimal | None:
        total = values.get(whole) or 0
        if not total:
            return None
        return (Decimal(values.get(part) or 0) * 100 / Decimal(total)).quantize(Decimal("0.1"))

    return derive


def ratio(part: str, whole: str, places: str = "0.01") -> Callable[[Mapping[str, Any]], Decimal | None]:
    def derive(values: Mapping[str, Any]) -> Decimal | None:
        total = values.get(whole) or 0
        if not total:
            return None
        return (Decimal(str(values.get(part) or 0)) / Decimal(str(total))).quantize(Decimal(places))

    return derive


def default_rows(report: Report, rows: QuerySet[Any], filters: Filters, period: Period | None) -> list[Row]:
    dimension = report.dimension(filters.by)
    figures = grouped(report, rows, dimension)
    if dimension.day and period is not None:
        keys: list[Any] = period.each_day()
        labels = {day: day.isoformat() for day in keys}
    else:
        found = list(figures)
        labels = dimension.labels([key for key in found if key not in (None, "")]) if dimension.labels else {}
        keys = [*labels, *(key for key in found if key not in labels)] if dimension.complete else found
    answer = []
    for key in keys:
        values = _derive(report, dict(figures.get(key, {})))
        label = labels.get(key) if key not in (None, "") else None
        answer.append(Row(key, label or (str(key) if key not in (None, "") else str(_("Not set"))), values))
    if not (dimension.day or dimension.complete):
        first = next((m.code for m in report.measures if m.aggregate is not None), "")
        answer.sort(key=lambda row: (-(row.values.get(first) or 0), row.label))
    return answer


def run(*, actor: User, report: Report, filters: Filters) -> Result:
    """The report's figures for the actor (the caller checked ``report.allowed``)."""
    compute = _computer(report, actor)
    dimension = report.dimension(filters.by)
    rows = compute(report, records(report, actor, filters, filters.period), filters, filters.period)
    previous_period = filters.previous
    previous_totals: dict[str, Any] = {}
    if previous_period is not None:
        before = compute(report, records(report, actor, filters, previous_period), filters, previous_period)
        if dimension.day:  # day n of this period beside day n of the one compared with
            for row, old in zip(rows, before, strict=False):
                row.previous = old.values
        else:
            by_key = {row.key: row for row in before}
            for row in rows:
                if row.key in by_key:
                    row.previous = by_key[row.key].values
        previous_totals = _totals(report, before)
    for row in rows:
        row.drill = drill_url(report, filters, dimension, row.key)
    return Result(report, filters, dimension, rows, _totals(report, rows), previous_totals)


def _computer(report: Report, actor: User) -> Callable[[Report, QuerySet[Any], Filters, Period | None], list[Row]]:
    gated = report.gated_compute
    if gated is None:
        return report.compute or default_rows

    def compute(report: Report, rows: QuerySet[Any], filters: Filters, period: Period | None) -> list[Row]:
        return gated(report, rows, filters, period, actor)

    return compute


def _totals(report: Report, rows: Iterable[Row]) -> dict[str, Any]:
    totals: dict[str, Any] = {}
    listed = list(rows)
    for measure in report.measures:
        if measure.aggregate is not None and measure.kind in ("number", "money") and _additive(measure):
            totals[measure.code] = sum((row.values.get(measure.code) or 0 for row in listed), Decimal("0"))
            if measure.kind == "number":
                totals[measure.code] = int(totals[measure.code])
    for measure in report.measures:
        if measure.derive is not None:
            totals[measure.code] = measure.derive(totals)
    return totals


def _additive(measure: Measure) -> bool:
    return isinstance(measure.aggregate, (models.Count, models.Sum))


# --- drill-down --------------------------------------------------------------------------------------------


def drill_url(report: Report, filters: Filters, dimension: Dimension, key: Any) -> str:
    """Where a cell leads: the ordinary list with the same filters, or the report's own records page."""
    listed = _list_query(report, filters, dimension, key)
    if listed is not None:
        return f"{reverse(report.list_url)}?{urlencode(listed)}"
    query = {**filters.query(report), "cell": _cell(key)}
    return f"{reverse('analytics:records', args=[report.name])}?{urlencode(query)}"


def _cell(key: Any) -> str:
    if key in (None, ""):
        return NOT_SET
    if isinstance(key, date):
        return key.isoformat()
    return str(key)


def _list_query(report: Report, filters: Filters, dimension: Dimension, key: Any) -> dict[str, str] | None:
    if not report.list_url or key in (None, ""):
        return None
    query = dict(report.list_fixed)
    active = filters.active()
    if dimension.day:
        active["date_from"] = active["date_to"] = _cell(key)
    for name, value in active.items():
        param = report.list_params.get(name)
        if param is None:
            return None
        query[param] = value
    for extra in report.extra_filters:
        chosen = filters.extra.get(extra.code)
        if chosen in (None, ""):
            continue
        if extra.list_param is None:
            return None
        query[extra.list_param] = extra.as_param(chosen)
    if not dimension.day:
        if dimension.list_param is None:
            return None
        query[dimension.list_param] = _cell(key)
    return query


def cell_records(*, actor: User, report: Report, filters: Filters, cell: str) -> QuerySet[Any]:
    """The records behind one cell of the report (its own drill-down page): the same query, one key."""
    rows = records(report, actor, filters, filters.period)
    dimension = report.dimension(filters.by)
    if dimension.cells is not None:
        return dimension.cells(rows, cell, filters)
    if dimension.day:
        try:
            day = date.fromisoformat(cell)
        except ValueError:
            return rows.none()
        start = day_start(day)
        return rows.filter(
            **{f"{report.period_field}__gte": start, f"{report.period_field}__lt": start + timedelta(days=1)}
        )
    model_field = _field_of(report.model, dimension.path)
    if cell == NOT_SET:
        if _is_text(model_field):
            return rows.filter(**{dimension.path: ""})
        return rows.filter(**{f"{dimension.path}__isnull": True})
    if model_field is not None and not _is_text(model_field) and not cell.lstrip("-").isdigit():
        return rows.none()
    return rows.filter(**{dimension.path: cell})


def _field_of(model: type[models.Model], path: str) -> Any:
    try:
        current: Any = model
        found: Any = None
        for part in path.split("__"):
            found = current._meta.get_field(part)
            current = found.related_model or current
        return found
    except Exception:
        return None


def _is_text(model_field: Any) -> bool:
    return isinstance(model_field, (models.CharField, models.TextField))


GROUPS = {
    "sales": gettext_lazy("Sales"),
    "customers": gettext_lazy("Customers"),
    "activity": gettext_lazy("Activity"),
    "service": gettext_lazy("Service"),
    "expenses": gettext_lazy("Expenses"),
}
