"""Reads of the call centre, each through the scope gate: who has this number (the phone lookup of the
pop-up and the API), the agent's pop-up, the call log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from guanxi.core.permissions import has_perm
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from .models import POP_MINUTES, Call, Extension, Outcome, PbxConnection
from .numbers import number_key

MATCH_LIMIT = 10  # a number shared by more customers than this is a switchboard: the first ten are listed


@dataclass
class Match:
    """A customer with this number: its own phone, or the contacts of it that have it."""

    customer: Customer
    contacts: list[Contact] = field(default_factory=list)
    by_customer_phone: bool = False
    open_tickets: list[Any] = field(default_factory=list)
    open_plans: list[Any] = field(default_factory=list)

    @property
    def contact(self) -> Contact | None:
        return self.contacts[0] if self.contacts else None


def area_code_of(unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    return PbxConnection.objects.filter(business_unit_id=unit_id).values_list("area_code", flat=True).first() or ""


def key_of(number: str, *, unit_id: int | None = None, actor: User | None = None) -> str:
    """The normalised number; the unit's (or the actor's unit's) area code is read only for a local number
    reported without one."""
    key = number_key(number)
    if re.fullmatch(r"[2-9]\d{6,7}", key):
        unit = actor.business_unit_id if actor is not None else unit_id
        key = number_key(number, area_code=area_code_of(unit))
    return key


def phone_lookup(*, actor: User, number: str, key: str | None = None) -> tuple[str, list[Match]]:
    """The customers and contacts the actor may see whose phone is this number, in any format: (the
    normalised number, the matches, one per customer). The contacts with the number come first, from the
    indexes of their mobile and phone; then one read of the customers through the scope gate, by their own
    phone's index or as those contacts' customers (a contact is visible exactly when its customer is)."""
    key = key_of(number, actor=actor) if key is None else key
    if not key:
        return "", []
    return key, _matches(key, Customer.objects.visible_to(actor), Contact.objects.all())


def unit_matches(*, unit_id: int, key: str) -> list[Match]:
    """Every customer of the unit with this number: whom a call of the unit is about, whoever answers it."""
    if not key:
        return []
    return _matches(key, Customer.objects.filter(business_unit_id=unit_id), Contact.objects.all())


CUSTOMER_FIELDS = ["pk", "name", "number", "phone", "owner_id", "business_unit_id", "owner__display_name"]


def _matches(key: str, customers: QuerySet[Customer], contacts: QuerySet[Contact]) -> list[Match]:
    found_contacts = list(
        contacts.filter(Q(mobile=key) | Q(phone=key))
        .only("pk", "name", "position", "customer_id", "mobile", "phone")
        .order_by("pk")[: MATCH_LIMIT * 3]
    )
    ids = {contact.customer_id for contact in found_contacts}
    condition = Q(phone=key) | Q(pk__in=ids) if ids else Q(phone=key)
    rows = customers.filter(condition).select_related("owner").only(*CUSTOMER_FIELDS).order_by("pk")[:MATCH_LIMIT]
    found = {customer.pk: Match(customer, by_customer_phone=customer.phone == key) for customer in rows}
    for contact in found_contacts:
        match = found.get(contact.customer_id)
        if match is not None:
            contact.customer = match.customer
            match.contacts.append(contact)
    return list(found.values())


def with_open_work(*, actor: User, matches: list[Match]) -> list[Match]:
    """Each match with its open tickets and open plans, as the actor may see them."""
    from guanxi.activities.models import Plan
    from guanxi.service.models import OPEN_STATUSES, Ticket

    ids = [match.customer.pk for match in matches]
    if not ids:
        return matches
    tickets = Ticket.objects.visible_to(actor).filter(customer_id__in=ids, status__in=OPEN_STATUSES)
    plans = Plan.objects.visible_to(actor).filter(customer_id__in=ids, status=Plan.Status.OPEN)
    by_customer = {match.customer.pk: match for match in matches}
    for ticket in tickets.order_by("-created_at")[:50]:
        by_customer[ticket.customer_id].open_tickets.append(ticket)
    for plan in plans.select_related("owner").order_by("due_at")[:50]:
        if plan.customer_id is not None:
            by_customer[plan.customer_id].open_plans.append(plan)
    return matches


def extension_of(user: User) -> Extension | None:
    return Extension.objects.filter(user=user).first()


def has_extension(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_has_call_extension", None)
    if cached is None:
        cached = user._has_call_extension = Extension.objects.filter(user_id=user.pk).exists()
    return bool(cached)


def pop_call(*, actor: User, now: datetime | None = None) -> Call | None:
    """The call the actor's pop-up shows: their latest, while it rings or talks and for a while after it
    ended, until they close it. One indexed read (the agent's calls, newest first)."""
    since = (now or timezone.now()) - timedelta(minutes=POP_MINUTES)
    return (
        Call.objects.visible_to(actor)
        .filter(agent=actor, started_at__gte=since - timedelta(hours=2), updated_at__gte=since)
        .filter(dismissed_at__isnull=True)
        .order_by("-started_at", "-pk")
        .first()
    )


def pop_key(call: Call | None) -> str:
    """What the page shows now: unchanged, the poll answers "nothing new" without rendering."""
    if call is None:
        return "none"
    return f"{call.pk}-{call.state}-{int(call.updated_at.timestamp() * 1000)}"


LOG_FILTERS = ["direction", "outcome", "agent", "number", "date_from", "date_to", "queue"]


def call_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Call]:
    """The call log: the calls the actor may see, newest first, filtered."""
    rows = Call.objects.visible_to(actor)
    filters = filters or {}
    if filters.get("direction"):
        rows = rows.filter(direction=filters["direction"])
    outcome = filters.get("outcome")
    if outcome == "open":
        rows = rows.filter(outcome=Outcome.OPEN)
    elif outcome:
        rows = rows.filter(outcome=outcome)
    if filters.get("agent"):
        rows = rows.filter(agent=filters["agent"])
    if filters.get("queue"):
        rows = rows.filter(agent__isnull=True)
    if filters.get("number"):
        key = key_of(str(filters["number"]), actor=actor)
        rows = rows.filter(Q(number_key=key) | Q(number=filters["number"]) | Q(extension=filters["number"]))
    if filters.get("date_from"):
        rows = rows.filter(started_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        rows = rows.filter(started_at__date__lte=filters["date_to"])
    return rows.select_related("agent", "customer", "contact").order_by("-started_at", "-pk")


def queue_today(*, actor: User, now: datetime | None = None) -> int:
    """Today's calls in the actor's unit that rang an extension nobody has: the menu's badge, for those who
    take calls (``calls.create``); a salesperson who only dials is spared the query."""
    start = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    unit_id = actor.business_unit_id
    if unit_id is None or not has_perm(actor, "calls.create"):
        return 0
    queue = Call.objects.visible_to(actor).filter(business_unit_id=unit_id, agent__isnull=True, started_at__gte=start)
    return queue.count()


def calls_of_customer(*, actor: User, customer: Customer) -> QuerySet[Call]:
    return call_list(actor=actor).filter(customer=customer)


def unit_extensions(*, actor: User, unit_id: int) -> QuerySet[Extension]:
    return Extension.objects.visible_to(actor).filter(business_unit_id=unit_id).select_related("user")
