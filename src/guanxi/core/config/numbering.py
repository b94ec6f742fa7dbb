"""Record numbers (编号) such as ``KH202611220001``: a prefix, the date and a sequence that restarts
each period. The format of each kind is a parameter, so a business unit can change it.

The sequence is a counter row per (kind, period), incremented by one UPDATE in the database; the row
stays locked until the caller's transaction ends, so two requests never get the same number, and a
rolled-back transaction gives its number back (no gaps)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..errors import DomainError
from ..models import NumberCounter
from .parameters import PARAMETERS, parameter_value, register_parameter

DEFAULT_FORMAT = "{prefix}{yyyy}{mm}{dd}{seq:4}"
_TOKEN = re.compile(r"\{([a-z]+)(?::(\d))?\}")
_DATE_TOKENS = {"yyyy": "%Y", "yy": "%y", "mm": "%m", "dd": "%d"}


def number_format_check(text: str) -> None:
    """A format uses only the known tokens, has one sequence, and its date parts name the counter's
    period completely (a day needs its month and year), so numbers never repeat."""
    tokens = [match.group(1) for match in _TOKEN.finditer(text)]
    leftover = _TOKEN.sub("", text)
    if "{" in leftover or "}" in leftover or not set(tokens) <= {"prefix", "seq", *_DATE_TOKENS}:
        raise DomainError(_("Use only the tokens {prefix}, {yyyy}, {yy}, {mm}, {dd} and {seq:N}."))
    if tokens.count("seq") != 1:
        raise DomainError(_("The format needs exactly one {seq} (or {seq:N} for N digits)."))
    has_year = "yyyy" in tokens or "yy" in tokens
    if ("dd" in tokens and not ("mm" in tokens and has_year)) or ("mm" in tokens and not has_year):
        raise DomainError(_("A day needs the month and the year, and a month needs the year."))
    if any(match.group(2) == "0" for match in _TOKEN.finditer(text)):
        raise DomainError(_("The sequence needs at least one digit."))


def _period(text: str, at: datetime) -> str:
    tokens = {match.group(1) for match in _TOKEN.finditer(text)}
    if "dd" in tokens:
        return at.strftime("%Y%m%d")
    if "mm" in tokens:
        return at.strftime("%Y%m")
    if tokens & {"yyyy", "yy"}:
        return at.strftime("%Y")
    return ""


def register_number_kind(kind: str, label: str | Promise, *, default_format: str = DEFAULT_FORMAT) -> None:
    """Make the format of ``kind`` a parameter (group "numbering") administrators can change."""
    register_parameter(
        f"numbering.{kind}",
        label,
        "str",
        default_format,
        group="numbering",
        max_length=40,
        help=gettext_lazy("Tokens: {prefix}, {yyyy}, {yy}, {mm}, {dd}, {seq:N} (N digits)."),
        validator=number_format_check,
    )


def number_next(*, kind: str, prefix: str = "", at: datetime | None = None, unit: Any = None) -> str:
    """The next number of ``kind``, e.g. ``KH202611220001``. Call it inside the transaction that saves
    the record: the counter stays locked until that commits, and rolls back with it."""
    return numbers_next(kind=kind, prefix=prefix, at=at, unit=unit, count=1)[0]


def numbers_next(*, kind: str, prefix: str = "", at: datetime | None = None, unit: Any = None, count: int) -> list[str]:
    """The next ``count`` numbers of ``kind`` in order, taken with one UPDATE of the counter (records saved by
    the hundred, as an import does); the same rules as ``number_next``."""
    if count <= 0:
        return []
    moment = timezone.localtime(at or timezone.now())
    code = f"numbering.{kind}"
    text = parameter_value(code, unit=unit) if code in PARAMETERS else DEFAULT_FORMAT
    last = _increment(kind, _period(text, moment), count)

    def rendered(sequence: int) -> str:
        def render(match: re.Match[str]) -> str:
            name, digits = match.group(1), match.group(2)
            if name == "prefix":
                return prefix
            if name == "seq":
                return str(sequence).zfill(int(digits or 4))
            return moment.strftime(_DATE_TOKENS[name])

        return _TOKEN.sub(render, text)

    return [rendered(sequence) for sequence in range(last - count + 1, last + 1)]


@transaction.atomic
def _increment(kind: str, period: str, count: int = 1) -> int:
    """Move the counter on by ``count``; the last sequence number taken."""
    counter = NumberCounter.objects.filter(kind=kind, period=period)
    if not counter.update(value=F("value") + count):
        try:
            with transaction.atomic():  # a savepoint: losing the race to create the row is not fatal
                NumberCounter.objects.create(kind=kind, period=period, value=count)
                return count
        except IntegrityError:
            counter.update(value=F("value") + count)  # someone created it first; now it exists
    # Our UPDATE holds the row's lock, so this reads our own increment.
    return counter.values_list("value", flat=True).get()
