"""The duplicate check (查重, SPEC §2.6) and the conflict case a refused duplicate opens."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.core.errors import Conflict
from guanxi.org.models import User

from .. import hooks, keys
from ..models import Contact, Customer, CustomerName
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


def _refuse_duplicates(
    actor: User,
    duplicates: list[Duplicate],
    *,
    attempted: Mapping[str, str] | None = None,
    visible: bool | None = None,
) -> None:
    """Refuse the first duplicate. With ``attempted`` (a registration by hand), a customer a colleague
    holds under the same name, phone or tax number is a claim: a conflict case opens for it. ``visible``:
    whether the actor sees the first duplicate, when the caller knows (else it is looked up)."""
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
        "owner": owner_label(actor, held, visible=visible),
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


# --- the same check for a batch of new customers ------------------------------------------------------------

# The steps of ``customer_duplicates`` in its order, each a query of at most ``limit`` customers there.
STEPS = ("name", "phone", "contact_phone", "tax_number", "contains", "parts")
REASONS = {"contact_phone": "phone", "contains": "similar_name", "parts": "similar_name"}
SIMILAR_ROWS = 50  # per probe: more customers containing the names of one batch are looked up name by name


@dataclass(frozen=True)
class Probe:
    """What one new customer is checked by: its normalised name key, its phones and those of its first
    contact (normalised), its tax number."""

    key: str
    phones: tuple[str, ...]
    tax_number: str

    @classmethod
    def of(cls, *, name: str = "", phones: Iterable[str] = (), tax_number: str = "") -> Probe:
        normalised = tuple(number for number in (_phone_or_none(phone) for phone in phones) if number)
        return cls(keys.name_key(name) if name else "", normalised, tax_number.strip())

    def parts(self) -> set[str]:
        key = self.key
        return {key[:n] for n in range(4, len(key))} | {key[n:] for n in range(1, len(key) - 3)}

    def similar(self) -> bool:
        return len(self.key) >= 4


Steps = dict[str, list[Customer]]


def duplicate_steps(*, unit_id: int, probes: list[Probe], limit: int = 5) -> list[Steps]:
    """For each probe, the customers each step of ``customer_duplicates`` finds in the database, in the same
    order and number, with a handful of queries for the whole batch instead of up to seven per probe."""
    customers = Customer.objects.filter(business_unit_id=unit_id).select_related("owner")
    found: list[Steps] = [{step: [] for step in STEPS} for _probe in probes]

    def spread(step: str, rows: Iterable[Customer], matches: Callable[[Probe, Customer], bool]) -> None:
        rows = list(rows)
        for probe, steps in zip(probes, found, strict=True):
            steps[step] = [row for row in rows if matches(probe, row)][:limit]

    names = {probe.key for probe in probes if probe.key}
    if names:
        spread("name", customers.filter(name_key__in=names), lambda probe, row: row.name_key == probe.key)
    phones = {phone for probe in probes for phone in probe.phones}
    if phones:
        spread("phone", customers.filter(phone__in=phones), lambda probe, row: row.phone in probe.phones)
        contacts = list(
            Contact.objects.filter(Q(mobile__in=phones) | Q(phone__in=phones)).values_list(
                "customer_id", "mobile", "phone"
            )
        )
        held = {
            index: [owner for owner, mobile, phone in contacts if mobile in probe.phones or phone in probe.phones][
                :limit
            ]
            for index, probe in enumerate(probes)
        }
        ids = {owner for owners in held.values() for owner in owners}
        rows = list(customers.filter(pk__in=ids)) if ids else []
        for index, steps in enumerate(found):
            steps["contact_phone"] = [row for row in rows if row.pk in held[index]][:limit]
    taxes = {probe.tax_number for probe in probes if probe.tax_number}
    if taxes:
        spread(
            "tax_number", customers.filter(tax_number__in=taxes), lambda probe, row: row.tax_number == probe.tax_number
        )
    similar = [
        (probe, steps) for probe, steps in zip(probes, found, strict=True) if probe.similar() and _count(steps) < limit
    ]
    if similar:
        rows = _containing(customers, sorted({probe.key for probe, _steps in similar}), limit)
        parts = {part for probe, _steps in similar for part in probe.parts()}
        by_part = list(customers.filter(name_key__in=parts)) if parts else []
        for probe, steps in similar:
            steps["contains"] = [row for row in rows if probe.key in row.name_key][:limit]
            wanted = probe.parts()
            steps["parts"] = [row for row in by_part if row.name_key in wanted][:limit]
    return found


def _containing(customers: QuerySet[Customer], names: list[str], limit: int) -> list[Customer]:
    """The customers whose names contain one of these keys, newest first: for each key at least the first
    ``limit`` that the single check's query finds. On PostgreSQL the search keys are looked up key by key in
    one statement (a lateral join over the keys, each answered from the trigram index, where one OR of them
    all reads every name), then the few customers they name are read."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(CustomerName._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT found.customer_id FROM unnest(%s::text[]) AS wanted(key) CROSS JOIN LATERAL ("
                f"SELECT customer_id FROM {table} WHERE name_key LIKE '%%' || "
                "replace(replace(replace(wanted.key, '\\', '\\\\'), '%%', '\\%%'), '_', '\\_') || '%%' "
                "LIMIT %s) AS found",
                [names, SIMILAR_ROWS],
            )
            ids = {customer for (customer,) in cursor.fetchall()}
        rows = list(customers.filter(pk__in=ids)) if ids else []
        crowded = {key for key in names if sum(1 for row in rows if key in row.name_key) >= SIMILAR_ROWS}
    else:
        contains = Q()
        for key in names:
            contains |= Q(name_key__contains=key)
        rows = list(customers.filter(named(contains))[: SIMILAR_ROWS * len(names) + 1])
        crowded = set(names) if len(rows) > SIMILAR_ROWS * len(names) else set()
    for key in crowded:  # common words: that name on its own, as the single check does
        rows += list(customers.filter(named(Q(name_key__contains=key)))[:limit])
    rows.sort(key=lambda row: (row.updated_at, row.pk), reverse=True)
    return list({row.pk: row for row in rows}.values())


def _count(steps: Steps) -> int:
    return len({row.pk for step in STEPS[:4] for row in steps[step]})


def duplicates_of(steps: Steps, *, limit: int = 5) -> list[Duplicate]:
    """The steps' customers as ``customer_duplicates`` lists them: each once, under the first reason found."""
    found: dict[int, Duplicate] = {}
    for step in STEPS:
        for row in steps[step]:
            found.setdefault(id(row) if row.pk is None else row.pk, Duplicate(row, REASONS.get(step, step)))
    return list(found.values())[:limit]
