"""A user's own settings of the customer list (SPEC §2.4): key customers (stars), saved filters and the
columns shown. Personal data: each user reads and writes only their own rows."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from guanxi.core.config.custom_forms import custom_cells, custom_columns
from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.org.models import User

from .models import Customer, CustomerStar, ListPreference, SavedFilter
from .regions.services import region_names, region_path_label
from .selectors import days_to_expiry, expiry_label

LIST_NAME = "customers"
CUSTOM_PREFIX = "custom."

# The optional columns of the customer list, in the order they are shown; the name is always first.
COLUMNS = {
    "number": gettext_lazy("Customer number"),
    "status": gettext_lazy("Lifecycle"),
    "level": gettext_lazy("Level"),
    "owner": gettext_lazy("Owner"),
    "expiry": gettext_lazy("Days to expiry"),
    "last_followup": gettext_lazy("Last follow-up"),
    "updated": gettext_lazy("Updated"),
    "industry": gettext_lazy("Industry"),
    "source": gettext_lazy("Source"),
    "region": gettext_lazy("Region"),
    "partner": gettext_lazy("Channel partner"),
    "created": gettext_lazy("Created"),
}
DEFAULT_COLUMNS = ["number", "status", "level", "owner", "expiry", "last_followup", "updated"]
# Parameters of the list that are not part of a filter.
NOT_FILTERS = {"page", "csrfmiddlewaretoken"}


# --- key customers --------------------------------------------------------------------------------------


def _require_visible(actor: User, customer: Customer) -> None:
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))


@transaction.atomic
def customer_star_toggle(*, actor: User, customer: Customer) -> bool:
    """Star or unstar a customer the actor sees; returns whether it is starred now."""
    _require_visible(actor, customer)
    if CustomerStar.objects.filter(user=actor, customer=customer).delete()[0]:
        return False
    CustomerStar.objects.get_or_create(user=actor, customer=customer)  # a double click stars once
    return True


def starred_ids(actor: User, customer_ids: Sequence[int]) -> set[int]:
    """Which of these customers the actor starred (one query for a page)."""
    rows = CustomerStar.objects.filter(user=actor, customer_id__in=list(customer_ids))
    return set(rows.values_list("customer_id", flat=True))


# --- saved filters -----------------------------------------------------------------------------------------


def filter_query(query: QueryDict | str) -> str:
    """The filter part of a list URL's query: the page number and empty values are left out."""
    data = QueryDict(query) if isinstance(query, str) else query
    pairs = [(name, value) for name, values in data.lists() if name not in NOT_FILTERS for value in values if value]
    return urlencode(pairs)


def saved_filters(actor: User) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(user=actor))


@transaction.atomic
def saved_filter_create(*, actor: User, name: str, query: QueryDict | str) -> SavedFilter:
    """Save the list's current filter under a name of the actor's (unique among their filters)."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Give the filter a name."), field="name")
    if len(name) > 50:
        raise DomainError(_("A filter's name has at most 50 characters."), field="name")
    if SavedFilter.objects.filter(user=actor, name=name).exists():
        raise DomainError(_("You already have a filter named %(name)s.") % {"name": name}, field="name")
    try:
        with transaction.atomic():  # the unique constraint decides a double submit
            return SavedFilter.objects.create(user=actor, name=name, query_string=filter_query(query)[:2000])
    except IntegrityError as error:
        raise DomainError(_("You already have a filter named %(name)s.") % {"name": name}, field="name") from error


@transaction.atomic
def saved_filter_delete(*, actor: User, saved_filter: SavedFilter) -> None:
    if saved_filter.user_id != actor.pk:
        raise NotPermitted(_("This filter is not yours."))
    saved_filter.delete()


# --- chosen columns ----------------------------------------------------------------------------------------


def column_choices(unit: int | None) -> list[tuple[str, str]]:
    """Every column a user of ``unit`` may choose: the fixed ones, then the unit's (and group-wide) custom
    fields shown in lists."""
    from .facts import FACTS

    fixed = [(key, str(label)) for key, label in COLUMNS.items()]
    fixed += [(code, str(fact.label)) for code, fact in FACTS.items()]
    return fixed + [(f"{CUSTOM_PREFIX}{field.key}", field.label) for field in custom_columns(Customer, unit)]


def chosen_columns(actor: User) -> list[str]:
    """The actor's columns, in the list's order; the default ones (and every custom column) until they
    choose. A column that no longer exists (a disabled custom field) is dropped."""
    available = [key for key, _label in column_choices(actor.business_unit_id)]
    stored = ListPreference.objects.filter(user=actor, list_name=LIST_NAME).values_list("columns", flat=True).first()
    if stored is None:
        return [key for key in available if key in DEFAULT_COLUMNS or key.startswith(CUSTOM_PREFIX)]
    return [key for key in available if key in stored]


@transaction.atomic
def list_columns_set(*, actor: User, columns: Sequence[str]) -> list[str]:
    available = {key for key, _label in column_choices(actor.business_unit_id)}
    unknown = [key for key in columns if key not in available]
    if unknown:
        raise DomainError(_("Unknown column: %(key)s.") % {"key": unknown[0]}, field="columns")
    ListPreference.objects.update_or_create(user=actor, list_name=LIST_NAME, defaults={"columns": list(columns)})
    return chosen_columns(actor)


@dataclass(frozen=True)
class Expiry:
    """The days-to-expiry cell: its text, and the number of days for the colour."""

    label: str
    days: int | None

    def __str__(self) -> str:
        return self.label


SECONDARY_COLUMNS = frozenset({"number", "updated", "last_followup", "created"})  # shown in grey


@dataclass(frozen=True)
class Cell:
    key: str
    value: Any

    @property
    def css(self) -> str:
        """The cell's classes, worked out here once rather than by comparisons in the table's loop."""
        grey = "text-secondary" if self.key in SECONDARY_COLUMNS else ""
        return grey if str(self.value) else f"{grey} cell-empty"


def column_cells(columns: Sequence[str], customers: Sequence[Customer], unit: int | None) -> list[tuple[str, str]]:
    """Set ``customer.cells`` on each customer of a page: the shown value of each chosen column. Labels
    come with one query per kind (regions, each dictionary, custom fields) for the whole page.
    Returns (key, label) of the columns for the table head; custom columns are those of the viewer's ``unit``."""
    labels = dict(column_choices(unit))
    regions: dict[str, str] = {}
    if "region" in columns:
        regions = region_names(code for row in customers for code in (row.province, row.city, row.county))
    industries = dictionary_labels("industry") if "industry" in columns else {}
    sources = dictionary_labels("customer_source") if "source" in columns else {}
    partners: dict[int, str] = {}
    if "partner" in columns:  # the page's partners' names, one query
        wanted = {row.partner_id for row in customers if row.partner_id}
        partners = dict(Customer.all_objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}
    custom_keys = [key.removeprefix(CUSTOM_PREFIX) for key in columns if key.startswith(CUSTOM_PREFIX)]
    custom_index: dict[str, int] = {}
    if custom_keys:
        shown = custom_cells(Customer, unit, list(customers))
        custom_index = {field.key: index for index, field in enumerate(shown)}
    from .facts import FACTS, facts_for

    facts = facts_for([key for key in columns if key in FACTS], customers)
    for row in customers:
        cells = []
        for key in columns:
            if key in facts:
                value = facts[key].get(row.pk)
                cells.append(Cell(key, FACTS[key].display(value) if value is not None else ""))
            elif key.startswith(CUSTOM_PREFIX):
                index = custom_index.get(key.removeprefix(CUSTOM_PREFIX))
                cells.append(Cell(key, row.custom_cells[index] if index is not None else ""))  # type: ignore[attr-defined]
            else:
                value = partners.get(row.partner_id or 0, "") if key == "partner" else None
                cells.append(Cell(key, value if value is not None else _value(row, key, regions, industries, sources)))
        row.cells = cells  # type: ignore[attr-defined]
    return [(key, labels[key]) for key in columns]


def _value(
    row: Customer, key: str, regions: dict[str, str], industries: dict[str, str], sources: dict[str, str]
) -> Any:
    match key:
        case "number":
            return row.number
        case "status":
            return row.get_status_display()
        case "level":
            return row.level
        case "owner":
            return str(row.owner) if row.owner_id else str(_("Public pool"))
        case "expiry":
            return Expiry(expiry_label(row), days_to_expiry(row.expires_at))
        case "last_followup":
            return _date(row.last_followup_at, "SHORT_DATE_FORMAT")
        case "updated":
            return _date(row.updated_at, "SHORT_DATETIME_FORMAT")
        case "created":
            return _date(row.created_at, "SHORT_DATE_FORMAT")
        case "industry":
            return industries.get(row.industry, row.industry)
        case "source":
            return sources.get(row.source, row.source)
        case "region":
            return region_path_label(province=row.province, city=row.city, county=row.county, names=regions)
    return ""


def _date(moment: Any, format_name: str) -> str:
    if not moment:
        return ""
    local = timezone.localtime(moment)
    pattern = _strftime(format_name, get_language())
    return local.strftime(pattern) if pattern else formats.date_format(local, format_name)


_NUMBERS = {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S"}


@functools.cache
def _strftime(format_name: str, language: str) -> str | None:
    """The language's date format as a ``strftime`` pattern where it writes only zero-padded numbers (our
    ``Y-m-d H:i``), else None for Django to format: a page of the list writes fifty dates, and Django's
    formatter reads its pattern letter by letter each time."""
    pattern = formats.get_format(format_name, language)
    if "%" in pattern or "\\" in pattern or any(char.isalpha() and char not in _NUMBERS for char in pattern):
        return None
    return "".join(_NUMBERS.get(char, char) for char in pattern)
