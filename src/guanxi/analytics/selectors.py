"""Reads of analytics: a user's saved views, a report's table for export, a drill-down's records, the
targets grid. Every read of records goes through the gate (``framework.records`` / ``visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from guanxi.core import scope
from guanxi.core.exports import Column, Table
from guanxi.core.permissions import grants_of
from guanxi.core.scope import Scope, get_visible_or_404
from guanxi.org.models import Department, User
from guanxi.org.selectors import departments_in_scope, people_in_scope

from .framework import Report, Result
from .models import SavedView, Target


def saved_views(*, actor: User, report: str) -> QuerySet[SavedView]:
    return SavedView.objects.visible_to(actor).filter(user=actor, report=report)


def saved_view_get(*, actor: User, pk: int) -> SavedView:
    return get_visible_or_404(SavedView.objects.filter(user=actor), actor, pk=pk)


# --- the table as exported ---------------------------------------------------------------------------------

_KINDS = {"money": "money", "number": "number", "percent": "number", "decimal": "number", "text": "text"}


def result_columns(result: Result) -> list[Column]:
    columns = [Column(result.dimension.label, "text", 24)]
    for measure in result.measures:
        columns.append(Column(_percent_title(measure.label, measure.kind), _KINDS.get(measure.kind, "number"), 16))
    if result.filters.compare:
        for measure in result.measures:
            title = _("%(measure)s (compared period)") % {"measure": measure.label}
            columns.append(Column(_percent_title(title, measure.kind), _KINDS.get(measure.kind, "number"), 16))
    return columns


def _percent_title(title: Any, kind: str) -> str:
    return f"{title} (%)" if kind == "percent" else str(title)


def result_lines(result: Result) -> list[list[Any]]:
    """The table's rows as numbers (the page shows the same figures, formatted), then the total."""
    lines = []
    codes = [measure.code for measure in result.measures]
    for row in result.rows:
        line: list[Any] = [row.label, *(_number(row.values.get(code)) for code in codes)]
        if result.filters.compare:
            line += [_number(row.previous.get(code)) for code in codes]
        lines.append(line)
    total: list[Any] = [_("Total"), *(_number(result.totals.get(code)) for code in codes)]
    if result.filters.compare:
        total += [_number(result.previous_totals.get(code)) for code in codes]
    lines.append(total)
    return lines


def _number(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(str(round(value, 2)))
    return value


def result_table(result: Result) -> Table:
    return Table(
        title=result.report.title,
        object_type=f"analytics.report.{result.report.name}",
        columns=result_columns(result),
        rows=result_lines(result),
        count=len(result.rows),
        filters=result.filters.query(result.report),
    )


# --- a drill-down's records -----------------------------------------------------------------------------------


def record_columns(report: Report) -> list[str]:
    columns = [str(_("Record"))]
    if scope.rule_for(report.model).owner:
        columns.append(str(_("Owner")))
    if report.period_field:
        columns.append(str(cast(Any, report.model._meta.get_field(report.period_field)).verbose_name))
    return columns


@dataclass
class RecordLine:
    text: str
    url: str
    cells: list[Any] = field(default_factory=list)


def record_line(report: Report, record: Any) -> RecordLine:
    owner_path = scope.rule_for(report.model).owner
    cells: list[Any] = []
    if owner_path:
        owner: Any = record
        for part in owner_path.split("__"):
            owner = getattr(owner, part, None) if owner is not None else None
        cells.append(owner or "")
    if report.period_field:
        cells.append(getattr(record, report.period_field))
    url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
    return RecordLine(str(record), url, cells)


# --- the targets grid ---------------------------------------------------------------------------------------------


@dataclass
class GridRow:
    key: str  # u<user>, d<department>, unit
    label: str
    level: str
    cells: list[tuple[str, str]]  # (cell name, value) for months 1–12

    @property
    def total(self) -> Decimal:
        return sum((Decimal(value) for _name, value in self.cells if _is_number(value)), Decimal("0"))


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return bool(text)


def target_grid(
    *, actor: User, year: int, kind: str, department: Department | None, submitted: dict[str, str] | None = None
) -> list[GridRow]:
    """Rows of the grid: without a department, the unit's own row and each department's; with one, that
    department's row and each of its people. Values as stored, or as just submitted when they were refused."""
    rows: list[tuple[str, str, str, dict[str, Any]]] = []
    stored = Target.objects.visible_to(actor).filter(business_unit_id=actor.business_unit_id, year=year, kind=kind)
    if department is None:
        if grants_of(actor).scope("targets") in (Scope.UNIT, Scope.ALL):
            rows.append(("unit", str(_("Whole unit")), "unit", {"department__isnull": True, "user__isnull": True}))
        departments = departments_in_scope(actor, "targets")
        for each in departments.filter(business_unit_id=actor.business_unit_id) if departments is not None else []:
            rows.append((f"d{each.pk}", each.name, "department", {"department": each, "user__isnull": True}))
    else:
        rows.append(
            (f"d{department.pk}", department.name, "department", {"department": department, "user__isnull": True})
        )
        people = people_in_scope(actor, "targets")
        for person in people.filter(department=department) if people is not None else []:
            rows.append((f"u{person.pk}", str(person), "user", {"user": person}))
    answer = []
    for key, label, level, condition in rows:
        values = {target.month: target.value for target in stored.filter(**condition)}
        cells = []
        for month in range(1, 13):
            name = f"{key}-{month}"
            value = submitted[name] if submitted and name in submitted else _plain(values.get(month))
            cells.append((name, value))
        answer.append(GridRow(key, label, level, cells))
    return answer


def target_grid_table(grid: list[GridRow], *, year: int, kind: str) -> Table:
    """The grid as a sheet to fill in: the row key (which the upload reads back), the name, months 1–12."""
    months = [Column(_("M%(month)s") % {"month": month}, "number", 12) for month in range(1, 13)]
    return Table(
        title=_("Sales targets %(year)s") % {"year": year},
        object_type="analytics.target",
        columns=[Column(_("Key (keep as it is)"), "text", 14), Column(_("Target of"), "text", 24), *months],
        rows=[[row.key, row.label, *(Decimal(value) if value else None for _name, value in row.cells)] for row in grid],
        count=len(grid),
        filters={"year": year, "kind": kind},
    )


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"
