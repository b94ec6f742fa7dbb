"""Customer warnings: what anyone about to work or sell to a customer should see first (an open complaint,
SPEC §9.5). Apps above customers register a function; the 360 page, the opportunity form and the customers
API show what they return, without customers knowing where a warning comes from."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class CustomerWarning:
    code: str  # stable, also the customers API's field holding ``count``, e.g. ``open_complaints``
    count: int
    message: str | Promise
    url: str = ""  # where the reader can see more, if they may


# (customer ids, the reader) → {customer id: warning} for the customers that have one: one query a page.
WarningSource = Callable[[list[int], object], dict[int, CustomerWarning]]


@dataclass(frozen=True)
class Registration:
    code: str
    source: WarningSource


_SOURCES: list[Registration] = []


def register_warning(code: str, source: WarningSource) -> None:
    if code not in {registration.code for registration in _SOURCES}:
        _SOURCES.append(Registration(code, source))


def warning_codes() -> list[str]:
    return [registration.code for registration in _SOURCES]


def warnings_for(customer_ids: Iterable[int], *, actor: object) -> dict[int, list[CustomerWarning]]:
    """Every registered warning of these customers, by customer id (customers without any left out)."""
    ids = [pk for pk in customer_ids if pk]
    found: dict[int, list[CustomerWarning]] = {}
    if not ids:
        return found
    for registration in _SOURCES:
        for pk, warning in registration.source(ids, actor).items():
            found.setdefault(pk, []).append(warning)
    return found


def warnings_of(customer_id: int | None, *, actor: object) -> list[CustomerWarning]:
    if not customer_id:
        return []
    return warnings_for([customer_id], actor=actor).get(customer_id, [])
