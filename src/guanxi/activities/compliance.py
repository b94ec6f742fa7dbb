"""The manager's daily check sheet (SPEC §4.3): rows from checks that modules register.

Activities registers its own checks (customers without an open plan, plans not done on their day); other
modules add theirs without activities importing them, e.g. in their ``AppConfig.ready()``::

    from guanxi.activities.compliance import ComplianceRow, register_check

    def _opportunities_without_plan(*, actor, day):
        for opp in Opportunity.objects.visible_to(actor).filter(...)[:limit]:
            yield ComplianceRow(label=str(opp), url=opp.get_absolute_url(), owner=opp.owner)

    register_check("opportunity_without_plan", _("Open opportunities without an open plan"),
                   _opportunities_without_plan, order=20)

A check reads only through ``visible_to(actor)`` so a manager sees their own scope's rows. It may yield
rows lazily (a generator or queryset): the report takes the first ``ROW_LIMIT`` and says there are more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from guanxi.org.models import User

ROW_LIMIT = 200


@dataclass(frozen=True)
class ComplianceRow:
    """One thing a manager should look at: what (``label`` linking to ``url``), whose, and since when."""

    label: str
    url: str = ""
    owner: Any = None  # a User, or None
    detail: str = ""
    at: datetime | date | None = None


CheckRows = Callable[..., Iterable[ComplianceRow]]  # called as fn(*, actor: User, day: date)


@dataclass(frozen=True)
class Check:
    code: str
    label: str | Promise
    rows: CheckRows
    order: int = 100
    description: str | Promise = ""


@dataclass
class CheckResult:
    check: Check
    rows: list[ComplianceRow] = field(default_factory=list)
    more: bool = False

    @property
    def count_label(self) -> str:
        return f"{len(self.rows)}+" if self.more else str(len(self.rows))


_CHECKS: dict[str, Check] = {}


def register_check(
    code: str, label: str | Promise, rows: CheckRows, *, order: int = 100, description: str | Promise = ""
) -> Check:
    """Add a check to the compliance report; registering the same code again replaces it."""
    check = Check(code, label, rows, order, description)
    _CHECKS[code] = check
    return check


def registered_checks() -> list[Check]:
    return sorted(_CHECKS.values(), key=lambda check: (check.order, check.code))


def compliance_run(*, actor: User, day: date, codes: Iterable[str] | None = None) -> list[CheckResult]:
    """Every registered check (or those named) for the actor's scope on ``day``."""
    wanted = set(codes) if codes is not None else None
    results = []
    for check in registered_checks():
        if wanted is not None and check.code not in wanted:
            continue
        rows = list(islice(check.rows(actor=actor, day=day), ROW_LIMIT + 1))
        results.append(CheckResult(check, rows[:ROW_LIMIT], more=len(rows) > ROW_LIMIT))
    return results
