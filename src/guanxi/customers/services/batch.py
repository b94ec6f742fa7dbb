"""Registering customers by the hundred (an import, SPEC §13.1): each row meets exactly the rules of
``customer_create`` — its own field errors, the duplicate check against the database and against the rows
before it, the owner's holding limit — in the file's order, while the database work is done once per batch:
the duplicate check in a few queries, the customers, their contacts, search keys and audit entries each in
one insert, the holding limit counted once under the owner's lock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log_many, diff, snapshot
from guanxi.core.bulk import instances_insert
from guanxi.core.config.numbering import numbers_next
from guanxi.core.errors import Conflict, DomainError
from guanxi.core.memo import remembering
from guanxi.core.outbox import emit_many
from guanxi.org.models import User

from .. import hooks
from ..models import Contact, Customer, CustomerName, Lifecycle
from .common import AUDITED_FIELDS, customer_name_row
from .customers import _registration_unit, customer_built
from .duplicates import (
    STEPS,
    Duplicate,
    DuplicateCustomer,
    Probe,
    Steps,
    _conflict_case_opened,
    _count,
    _refuse_duplicates,
    duplicate_steps,
    duplicates_of,
)

if TYPE_CHECKING:
    from guanxi.pool.models import Pool


@dataclass(frozen=True)
class NewCustomer:
    """One row to register: the customer's fields, its first contact's, its custom fields' values."""

    data: Mapping[str, Any]
    contact: Mapping[str, Any] | None = None
    custom: Mapping[str, Any] | None = None


@dataclass
class Registered:
    """What became of one row: registered (``customer``), already there (``existing``, when asked to skip
    those) or refused (``error``: the ``ValidationError`` or ``DomainError`` that ``customer_create`` raises)."""

    customer: Customer | None = None
    existing: list[Customer] = field(default_factory=list)
    error: Exception | None = None


@dataclass
class _Row:
    index: int
    customer: Customer
    contact: Contact | None
    attempted: dict[str, str]
    probe: Probe
    duplicates: list[Duplicate] = field(default_factory=list)


def customers_create_batch(
    *,
    actor: User,
    rows: Sequence[NewCustomer],
    owner: User | None = None,
    pool: Pool | None = None,
    skip_existing: bool = False,
) -> list[Registered]:
    """Register the rows as ``customer_create`` would one after the other, in one transaction. With
    ``skip_existing`` a row that is an existing customer (same name, phone or tax number, not merely a similar
    name) is not refused but answered with the customers it matches (an import's "skip" strategy).

    A registration of the same customer by someone else at the same moment (the unique live name) sends the
    batch row by row, so that only that row is refused. Conflict cases of refused claims open at the end,
    as they do after ``customer_create``'s rollback."""
    try:
        unit = _registration_unit(actor, owner, pool)
    except DomainError as error:
        return [Registered(error=error) for _row in rows]
    owner = owner or actor
    try:
        with transaction.atomic(), remembering():  # the configuration (parameters, fields) read once per batch
            outcomes = _batch(actor, unit, owner, pool, rows, skip_existing=skip_existing)
    except IntegrityError:
        outcomes = []
        for row in rows:
            try:
                with transaction.atomic():
                    outcomes += _batch(actor, unit, owner, pool, [row], skip_existing=skip_existing)
            except IntegrityError:
                refusal = _("This customer was registered a moment ago.")
                outcomes.append(Registered(error=Conflict(refusal, field="name", code="duplicate_customer")))
    for outcome in outcomes:
        if isinstance(outcome.error, DuplicateCustomer) and outcome.error.claim is not None:
            outcome.error = _conflict_case_opened(outcome.error, outcome.error.claim)
    return outcomes


def _batch(
    actor: User, unit: int, owner: User, pool: Pool | None, rows: Sequence[NewCustomer], *, skip_existing: bool
) -> list[Registered]:
    outcomes = [Registered() for _row in rows]
    checked: list[_Row] = []
    for index, given in enumerate(rows):
        try:
            customer, contact = customer_built(
                actor=actor, unit=unit, owner=owner, data=given.data, contact=given.contact, custom=given.custom
            )
        except (ValidationError, DomainError) as error:
            outcomes[index].error = error
            continue
        phones = [customer.phone, *([contact.mobile, contact.phone] if contact else [])]
        attempted = {name: str(given.data.get(name) or "") for name in ("name", "phone", "tax_number")}
        attempted["contact_mobile"] = str((given.contact or {}).get("mobile") or "")
        probe = Probe.of(name=customer.name, phones=phones, tax_number=customer.tax_number)
        checked.append(_Row(index, customer, contact, attempted, probe))
    if not checked:
        return outcomes
    found = duplicate_steps(unit_id=unit, probes=[row.probe for row in checked])
    ownership = hooks.ownership()
    room: int | None = None  # how many more the owner may hold, counted when the first row needs it
    accepted: list[_Row] = []
    full: list[_Row] = []
    refused: list[_Row] = []
    for row, steps in zip(checked, found, strict=True):
        duplicates = duplicates_of(_with_earlier(row.probe, steps, accepted))
        if skip_existing:
            existing = [duplicate.customer for duplicate in duplicates if duplicate.reason != "similar_name"]
            if existing:
                outcomes[row.index].existing = existing
                continue
        if duplicates:
            row.duplicates = duplicates
            refused.append(row)
            continue
        if pool is None:
            if room is None:
                room = _room(ownership, owner)
            if room <= 0:
                full.append(row)
                continue
            room -= 1
        accepted.append(row)
    _save(actor, unit, owner, pool, accepted, ownership)
    for row in accepted:
        outcomes[row.index].customer = row.customer
    held = {row.duplicates[0].customer.pk for row in refused if row.duplicates[0].customer.owner_id}
    seen = set(Customer.objects.visible_to(actor).filter(pk__in=held).values_list("pk", flat=True)) if held else set()
    for row in refused:
        try:
            _refuse_duplicates(
                actor,
                row.duplicates,
                attempted=_typed(row) if pool is None else None,
                visible=row.duplicates[0].customer.pk in seen,  # whom the refusal may name: one query for the batch
            )
        except DomainError as error:
            outcomes[row.index].error = error
    if full:
        try:  # past the limit now: the pool's own refusal, in its words, with the owner's exact holdings
            ownership.capacity_check(owner=owner, adding=len(full))
        except DomainError as refusal:
            for row in full:
                outcomes[row.index].error = refusal
        else:  # the owner stays locked since the count: it cannot have changed
            raise RuntimeError("The holding limit was counted two ways.")
    return outcomes


def _typed(row: _Row) -> dict[str, str]:
    return {key: value for key, value in row.attempted.items() if value}


def _room(ownership: hooks.Ownership, owner: User) -> int:
    return int(ownership.capacity_left(owner=owner))


def _with_earlier(probe: Probe, steps: Steps, earlier: list[_Row]) -> Steps:
    """The database's finds with the batch's own earlier rows added: as new customers they are the most
    recently updated, so each step's query would list them first (the latest first)."""
    if not earlier:
        return steps
    newest = earlier[::-1]
    own: Steps = {step: [] for step in STEPS}
    for row in newest:
        customer, contact = row.customer, row.contact
        if probe.key and customer.name_key == probe.key:
            own["name"].append(customer)
        if customer.phone and customer.phone in probe.phones:
            own["phone"].append(customer)
        if contact is not None and (contact.mobile in probe.phones or contact.phone in probe.phones):
            own["contact_phone"].append(customer)
        if probe.tax_number and customer.tax_number == probe.tax_number:
            own["tax_number"].append(customer)
    merged: Steps = {step: (own[step] + steps[step])[:5] for step in STEPS[:4]}
    if probe.similar() and _count(merged) < 5:
        parts = probe.parts()
        similar = [row.customer for row in newest if probe.key in row.customer.name_key]
        merged["contains"] = (similar + steps["contains"])[:5]
        merged["parts"] = ([row.customer for row in newest if row.customer.name_key in parts] + steps["parts"])[:5]
    else:
        merged["contains"], merged["parts"] = [], []
    return merged


def _save(actor: User, unit: int, owner: User, pool: Pool | None, rows: list[_Row], ownership: hooks.Ownership) -> None:
    if not rows:
        return
    now = timezone.now()
    numbers = numbers_next(kind="customer", prefix="KH", unit=unit, count=len(rows))
    for row, number in zip(rows, numbers, strict=True):
        customer = row.customer
        if pool is None:
            ownership.place(customer, now)
        else:
            customer.owner, customer.status, customer.pool, customer.pooled_at = None, Lifecycle.POOL, pool, now
        customer.number = number
    customers = [row.customer for row in rows]
    instances_insert(Customer, customers)  # the unique live name decides a registration at the same time
    instances_insert(CustomerName, [customer_name_row(customer) for customer in customers])
    contacts = []
    for row in rows:
        if row.contact is not None:
            row.contact.customer = row.customer
            row.contact.created_by = actor
            contacts.append(row.contact)
    instances_insert(Contact, contacts)
    audit_log_many(
        actor=actor,
        action=Action.CREATE,
        changes=[
            *((customer, diff({}, snapshot(customer, AUDITED_FIELDS))) for customer in customers),
            *((contact, diff({}, snapshot(contact))) for contact in contacts),
        ],
    )
    emit_many("customer.created", customers, actor=actor)
