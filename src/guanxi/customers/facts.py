"""Figures the apps above keep about customers (retention's churn risk): each a column of the customer list,
a way to sort it and a field of the customers API, registered in their ``ready()``. Customers shows what the
registered function returns for a page of customers at once, without knowing where the figure comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import Customer


@dataclass(frozen=True)
class Fact:
    code: str  # stable: the list's column key, its ``ordering`` value and the customers API's field
    label: str | Promise
    # (the customers of a page) → {customer id: value as the API gives it (JSON)}: one query a page
    values: Callable[[list[Customer]], dict[int, Any]]
    # the value as the list's cell shows it, in the reader's language
    display: Callable[[Any], str] = str
    # the list's ``ordering`` by this fact: order_by() arguments (paths through the customer's relations)
    ordering: tuple[Any, ...] = ()
    ordering_label: str | Promise = ""
    help: str | Promise = ""  # the customers API field's description (its keys)


FACTS: dict[str, Fact] = {}


def register_fact(fact: Fact) -> None:
    FACTS[fact.code] = fact


def facts_for(codes: Iterable[str], customers: Iterable[Customer]) -> dict[str, dict[int, Any]]:
    """The values of these facts for a page of customers, by code then customer id."""
    page = [customer for customer in customers if customer.pk]
    return {code: FACTS[code].values(page) if page else {} for code in codes if code in FACTS}


def orderings() -> dict[str, tuple[Any, ...]]:
    return {code: fact.ordering for code, fact in FACTS.items() if fact.ordering}


def ordering_choices() -> list[tuple[str, str | Promise]]:
    return [(code, fact.ordering_label or fact.label) for code, fact in FACTS.items() if fact.ordering]
