"""The one writer of every list's export (SPEC §13.2): .xlsx with real date cells, numeric money with two
decimals, the header frozen and the columns sized, or .csv (UTF-8 with its mark, which Excel opens in
Chinese). A list registers how it builds its rows from its filters; the export page and the background job
(io) call it by name, check the permission and audit who exported what."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.functional import Promise

from .audit import Action, audit_log
from .permissions import require_perm

FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class Column:
    title: str | Promise
    kind: str = "text"  # text, number, money, date, datetime
    width: int = 16


@dataclass
class Table:
    """What a list exports: its columns, its rows (cells already as the reader sees them, codes as labels and
    masked fields masked) and how many there are, without reading them all."""

    title: str | Promise
    object_type: str  # for the audit entry, e.g. "sales.opportunity"
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    count: int
    filters: Mapping[str, Any]


Builder = Callable[[Any, Mapping[str, Any]], Table]  # (actor, the list's query) → its table


@dataclass(frozen=True)
class Export:
    name: str
    permission: str
    build: Builder


EXPORTS: dict[str, Export] = {}


def register_export(name: str, permission: str, build: Builder) -> None:
    EXPORTS[name] = Export(name, permission, build)


def export_table(*, actor: Any, name: str, query: Mapping[str, Any]) -> Table:
    """The list's rows for the actor: with its export permission, through its own selector (the gate)."""
    export = EXPORTS[name]
    require_perm(actor, export.permission)
    return export.build(actor, query)


def table_write(table: Table, *, file_format: str = "xlsx", progress: Callable[[int], None] | None = None) -> bytes:
    return _csv(table, progress) if file_format == "csv" else _xlsx(table, progress)


def export_audit(*, actor: Any, table: Table, rows: int) -> None:
    audit_log(
        actor=actor,
        action=Action.EXPORT,
        object_type=table.object_type,
        object_repr=str(table.title),
        changes={"count": rows, "filters": {key: str(value) for key, value in table.filters.items() if value}},
        note=f"{rows}",
    )


def _xlsx(table: Table, progress: Callable[[int], None] | None) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "constant_memory": True,
        },  # rows go to a temporary file
    )
    sheet = workbook.add_worksheet(str(table.title)[:31])
    formats = {
        "money": workbook.add_format({"num_format": "¥#,##0.00"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    for index, column in enumerate(table.columns):
        sheet.set_column(index, index, column.width)
    sheet.write_row(0, 0, [str(column.title) for column in table.columns], workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    zone = timezone.get_current_timezone()
    line = 0
    for line, row in enumerate(table.rows, start=1):
        for index, (column, value) in enumerate(zip(table.columns, row, strict=False)):
            if value is None or value == "":
                continue
            if column.kind in ("money", "number") and isinstance(value, (int, float, Decimal)):
                sheet.write_number(line, index, float(value), formats.get(column.kind))
            elif column.kind == "datetime" and isinstance(value, datetime):
                sheet.write_datetime(
                    line, index, timezone.localtime(value, zone).replace(tzinfo=None), formats["datetime"]
                )
            elif column.kind == "date" and isinstance(value, date):
                sheet.write_datetime(line, index, datetime.combine(value, datetime.min.time()), formats["date"])
            else:
                sheet.write_string(line, index, str(value))
        if progress and line % 1000 == 0:
            progress(line)
    workbook.close()
    if progress:
        progress(line)
    return output.getvalue()


def _csv(table: Table, progress: Callable[[int], None] | None) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([str(column.title) for column in table.columns])
    line = 0
    for line, row in enumerate(table.rows, start=1):
        writer.writerow([_csv_cell(column, value) for column, value in zip(table.columns, row, strict=False)])
        if progress and line % 1000 == 0:
            progress(line)
    if progress:
        progress(line)
    return output.getvalue().encode("utf-8-sig")


def _csv_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "money" and isinstance(value, (int, float, Decimal)):
        return f"{Decimal(value):.2f}"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # a cell starting like a formula is text, not something a spreadsheet would run
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number_like(text) else text


def _number_like(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
