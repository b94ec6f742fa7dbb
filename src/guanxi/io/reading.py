"""Reading an uploaded spreadsheet into a header and rows of cells, and turning one cell into a field's value.

Everything a user's file can get wrong is a ``BadFile`` (the whole file) or a ``BadCell`` (one cell, reported
on its row), never an exception that reaches the page as a 500."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from guanxi.core.errors import DomainError

MAX_BYTES = 20 * 1024 * 1024  # a 100,000-row customer file is about 12 MB as .xlsx
MAX_UNPACKED_BYTES = 400 * 1024 * 1024  # what an .xlsx may unpack to: beyond it, a zip bomb
MAX_ROWS = 100_000
EXTENSIONS = (".xlsx", ".xls", ".csv")


class BadFile(DomainError):
    code = "bad_file"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


class BadCell(ValueError):
    """A cell that cannot become the field's value; its message is for the user."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Any]]  # each as long as the header; the first data row is the file's row 2


def read_table(content: bytes, file_name: str) -> Table:
    """The first sheet (or the CSV) as its header and its non-empty rows."""
    extension = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in EXTENSIONS:
        raise BadFile(_("Upload an .xlsx, .xls or .csv file."))
    if not content:
        raise BadFile(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise BadFile(
            _("The file is larger than %(size)d MB; split it into smaller files.") % {"size": MAX_BYTES >> 20}
        )
    grid = _csv_rows(content) if extension == ".csv" else _sheet_rows(content, extension)
    rows = [[_plain(cell) for cell in row] for row in grid]
    while rows and not any(cell not in ("", None) for cell in rows[0]):
        rows.pop(0)
    if not rows:
        raise BadFile(_("The file is empty."))
    headers = [str(cell).strip() for cell in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise BadFile(_("The first row should name the columns; it is empty."))
    width = len(headers)
    body = [(row + [""] * width)[:width] for row in rows[1:]]
    # empty rows are dropped, keeping each row's number in the file for the error report
    if len(body) > MAX_ROWS:
        raise BadFile(_("The file has more than %(rows)d rows; split it into smaller files.") % {"rows": MAX_ROWS})
    return Table(headers, body)


def _csv_rows(content: bytes) -> list[list[Any]]:
    """UTF-8 (with or without its mark) or GBK/GB18030, the encodings Chinese spreadsheets save CSV in."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadFile(_("This CSV file is neither UTF-8 nor GBK; save it again as CSV UTF-8."))
    if "\x00" in text:
        raise BadFile(_("This is not a spreadsheet the import can read."))
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):  # one column, or nothing to tell by: the ordinary comma
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _sheet_rows(content: bytes, extension: str) -> list[list[Any]]:
    if extension == ".xlsx":
        if not zipfile.is_zipfile(io.BytesIO(content)):
            raise BadFile(_("This is not a spreadsheet the import can read."))
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(entry.file_size for entry in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise BadFile(_("This file unpacks to far more than a spreadsheet holds; it is refused."))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        if not workbook.sheet_names:
            raise BadFile(_("The file is empty."))
        # cells of a formula come as the value Excel last computed; nothing is ever evaluated here
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, TypeError) as error:
        raise BadFile(_("This is not a spreadsheet the import can read.")) from error


def _plain(cell: Any) -> Any:
    return "" if cell is None else cell


# --- one cell to one value ------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
EXCEL_EPOCH = date(1899, 12, 30)


def folded(value: Any) -> str:
    """A cell as text, with full-width digits, letters and signs made ordinary (１３８ → 138)."""
    return unicodedata.normalize("NFKC", as_text(value)).strip()


def as_text(value: Any) -> str:
    """A cell as the user sees it: a number stored for a phone (13812345678.0) loses its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (date, time, timedelta)):
        return str(value)
    return str(value).strip()


def as_date(value: Any) -> date | None:
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial day numbers, 1900-01-01 to 9999-12-31
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise BadCell(_("Enter a date such as 2026-01-05."))
    text = folded(value)
    if text.isdigit() and len(text) <= 5:
        return as_date(int(text))
    match = _DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise BadCell(_("Enter a date such as 2026-01-05."))


def as_decimal(value: Any) -> Decimal | None:
    if value in ("", None):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = folded(value).replace(",", "").replace("¥", "").replace("￥", "").replace("元", "").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadCell(_("Enter a number.")) from None
    if not number.is_finite():
        raise BadCell(_("Enter a number."))
    return number


def as_integer(value: Any) -> int | None:
    number = as_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise BadCell(_("Enter a whole number."))
    return int(number)


def as_boolean(value: Any) -> bool:
    text = folded(value).casefold()
    if text in ("", "0", "no", "n", "false", "否", "不是"):
        return False
    if text in ("1", "yes", "y", "true", "是", "√"):
        return True
    raise BadCell(_("Enter yes or no."))
