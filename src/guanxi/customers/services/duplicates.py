"""The duplicate check (查重, SPEC §2.6) and the conflict case a refused duplicate opens."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.core.errors import Conflict
from guanxi.org.models import User

from .. import hooks, keys
from ..models import Contact, Customer
from ..selectors import named

if TYPE_CHECKING:
    from guanxi.pool.models import ConflictCase

from .common import owner_label

# --- duplicates (查重, SPEC §2.6) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    customer: Customer
    reason: str  # name, similar_name, phone, tax_number


def customer_duplicates(
    *,
    unit_id: int,
    name: str = "",
    phones: Iterable[str] = (),
    tax_number: str = "",
    exclude: int | None = None,
    limit: int = 5,
) -> list[Duplicate]:
    """Live customers of the unit that are the same one: same normalised name, any phone of the customer
    or its contacts, same tax number, or a name that contains (or is contained in) the other's."""
    found: dict[int, Duplicate] = {}
    customers = Customer.objects.filter(business_unit_id=unit_id).select_related("owner")
    if exclude:
        customers = customers.exclude(pk=exclude)

    def add(rows: Iterable[Customer], reason: str) -> None:
        for row in rows:
            found.setdefault(row.pk, Duplicate(row, reason))

    key = keys.name_key(name) if name else ""
    if key:
        add(customers.filter(name_key=key)[:limit], "name")
    normalised = [number for number in (_phone_or_none(phone) for phone in phones) if number]
    if normalised:
        # two indexed lookups, not an OR across tables (which would scan every customer)
        add(customers.filter(phone__in=normalised)[:limit], "phone")
        by_contact = Contact.objects.filter(Q(mobile__in=normalised) | Q(phone__in=normalised))
        ids = list(by_contact.values_list("customer_id", flat=True)[:limit])
        if ids:
            add(customers.filter(pk__in=ids)[:limit], "phone")
    if tax_number.strip():
        add(customers.filter(tax_number=tax_number.strip())[:limit], "tax_number")
    if len(key) >= 4 and len(found) < limit:
        # an existing name contains the new one ("华信精密" in "上海华信精密机械")
        add(customers.filter(named(Q(name_key__contains=key)))[:limit], "similar_name")
        # the new name contains an existing one at its start or end: a city before it, a trade after it
        parts = {key[:n] for n in range(4, len(key))} | {key[n:] for n in range(1, len(key) - 3)}
        add(customers.filter(name_key__in=parts)[:limit], "similar_name")
    return list(found.values())[:limit]


def _phone_or_none(raw: str) -> str | None:
    try:
        return keys.normalise_phone(raw) or None
    except keys.BadPhone:
        return None


@dataclass(frozen=True)
class Claim:
    """A registration refused because a colleague holds the customer (撞单, SPEC §3.4): what the conflict
    case needs once the refusing transaction has rolled back."""

    actor: User
    attempted: Mapping[str, str]
    refusal: str


class DuplicateCustomer(Conflict):
    """The refusal of a duplicate (SPEC §2.6), carrying the existing customer and what matched."""

    def __init__(
        self,
        message: str,
        *,
        field: str,
        duplicate: Duplicate,
        claim: Claim | None = None,
        case: ConflictCase | None = None,
    ):
        super().__init__(message, field=field, code="duplicate_customer")
        self.duplicate = duplicate
        self.claim = claim
        self.case = case  # the conflict case the claim opened


def _refuse_duplicates(actor: User, duplicates: list[Duplicate], *, attempted: Mapping[str, str] | None = None) -> None:
    """Refuse the first duplicate. With ``attempted`` (a registration by hand), a customer a colleague
    holds under the same name, phone or tax number is a claim: a conflict case opens for it."""
    if not duplicates:
        return
    first = duplicates[0]
    field = {"name": "name", "similar_name": "name", "phone": "phone", "tax_number": "tax_number"}[first.reason]
    held = first.customer
    if held.owner_id is None:
        raise DuplicateCustomer(
            _("This customer already exists: %(name)s (%(number)s) is in the public pool; claim it there.")
            % {"name": held.name, "number": held.number},
            field=field,
            duplicate=first,
        )
    refusal = _("This customer already exists: %(name)s (%(number)s), owned by %(owner)s.") % {
        "name": held.name,
        "number": held.number,
        "owner": owner_label(actor, held),
    }
    claim = None
    if attempted is not None and first.reason != "similar_name" and held.owner_id != actor.pk:
        claim = Claim(actor, attempted, refusal)
    raise DuplicateCustomer(refusal, field=field, duplicate=first, claim=claim)


P = ParamSpec("P")


R = TypeVar("R")


def keeps_conflict_cases(service: Callable[P, R]) -> Callable[P, R]:
    """For a service whose transaction registers customers (``customer_create``, a lead's conversion): a
    registration refused as a claim opens its conflict case after the service's own transaction has
    rolled back, so the case stays. Nested services each open it again after their rollback; opening is
    idempotent, so the outermost one's case is the one that remains."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except DuplicateCustomer as refusal:
            if refusal.claim is None:
                raise
            raise _conflict_case_opened(refusal, refusal.claim) from None

    return run


def _conflict_case_opened(refusal: DuplicateCustomer, claim: Claim) -> DuplicateCustomer:
    found = refusal.duplicate
    case = hooks.ownership().conflict_open(
        actor=claim.actor, customer=found.customer, match=found.reason, attempted=claim.attempted
    )
    return DuplicateCustomer(
        _("%(refusal)s A conflict case (No. %(case)d) was opened: a manager will decide who keeps the customer.")
        % {"refusal": claim.refusal, "case": case.pk},
        field=refusal.field or "name",
        duplicate=found,
        claim=claim,
        case=case,
    )
