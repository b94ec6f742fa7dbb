"""What the portal shows: every read starts from the gate (``visible_to``), which gives a partner's person
their partner's rows only; and for the company's own people, the Portal tab of a partner's 360 page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.customers.models import Customer
from guanxi.finance.models import Delivery
from guanxi.leads.models import OPEN_STATUSES, Lead
from guanxi.pool.models import ConflictCase
from guanxi.sales.contracts.models import Contract, ContractStatus
from guanxi.sales.orders.models import Order, OrderStatus
from guanxi.service.models import StepKind, Ticket, TicketStatus, TicketStep

from .models import Invitation, Outcome, PartnerMember, Registration

OPEN_TICKETS = (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)


def _search(rows: QuerySet[Any], q: str, *fields: str) -> QuerySet[Any]:
    q = (q or "").strip()
    if not q:
        return rows
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": q})
    return rows.filter(condition)


def customers(*, actor: Any, q: str = "") -> QuerySet[Customer]:
    rows = Customer.objects.visible_to(actor).only(
        "pk", "number", "name", "status", "province", "city", "created_at", "updated_at", "partner_id"
    )
    return _search(rows, q, "name", "number").order_by("-created_at", "-pk")


def leads(*, actor: Any, q: str = "") -> QuerySet[Lead]:
    rows = Lead.objects.visible_to(actor)
    return _search(rows, q, "name", "company", "number").order_by("-created_at", "-pk")


def registrations(*, actor: Any) -> QuerySet[Registration]:
    rows = Registration.objects.visible_to(actor).select_related("lead", "customer", "conflict", "submitted_by")
    return rows.order_by("-created_at", "-pk")


def orders(*, actor: Any, customer: Customer | None = None) -> QuerySet[Order]:
    rows = Order.objects.visible_to(actor).exclude(status=OrderStatus.DRAFT).select_related("customer")
    if customer is not None:
        rows = rows.filter(customer=customer)
    return rows.order_by("-created_at", "-pk")


# What a partner follows of a contract: from its signature on (drafts and those in approval are the company's).
SIGNED_CONTRACTS = (
    ContractStatus.SIGNED, ContractStatus.IN_PROGRESS, ContractStatus.COMPLETED, ContractStatus.TERMINATED,
)  # fmt: skip


def contracts(*, actor: Any, customer: Customer) -> QuerySet[Contract]:
    rows = Contract.objects.visible_to(actor).filter(customer=customer, status__in=SIGNED_CONTRACTS)
    return rows.order_by("-signed_on", "-pk")


def deliveries(*, actor: Any, customer: Customer | None = None) -> QuerySet[Delivery]:
    rows = Delivery.objects.visible_to(actor).select_related("customer", "order")
    if customer is not None:
        rows = rows.filter(customer=customer)
    return rows.order_by("-created_at", "-pk")


def tickets(*, actor: Any, customer: Customer | None = None, status: str = "") -> QuerySet[Ticket]:
    rows = Ticket.objects.visible_to(actor).select_related("customer")
    if customer is not None:
        rows = rows.filter(customer=customer)
    if status == "open":
        rows = rows.filter(status__in=OPEN_TICKETS)
    return rows.order_by("-created_at", "-pk")


def ticket_steps(*, actor: Any, ticket: Ticket) -> QuerySet[TicketStep]:
    """The ticket's progress and its public replies; the service desk's internal notes stay theirs."""
    rows = TicketStep.objects.visible_to(actor).filter(ticket=ticket).exclude(kind=StepKind.NOTE)
    return rows.select_related("actor").order_by("at", "pk")


@dataclass(frozen=True)
class Dashboard:
    customers: int
    open_leads: int
    in_review: int
    open_tickets: int
    orders: int


def dashboard(*, actor: Any) -> Dashboard:
    """The figures on the portal's first page: a handful of counts, each from an index on the partner."""
    open_cases = Registration.objects.visible_to(actor).filter(
        outcome=Outcome.IN_REVIEW, conflict__status=ConflictCase.Status.OPEN
    )
    return Dashboard(
        customers=Customer.objects.visible_to(actor).count(),
        open_leads=Lead.objects.visible_to(actor).filter(status__in=OPEN_STATUSES).count(),
        in_review=open_cases.count(),
        open_tickets=Ticket.objects.visible_to(actor).filter(status__in=OPEN_TICKETS).count(),
        orders=Order.objects.visible_to(actor).exclude(status=OrderStatus.DRAFT).count(),
    )


@dataclass(frozen=True)
class Status:
    code: str  # accepted, in_review, not_accepted, already_known, or the lead's or customer's own status
    label: str
    tone: str  # the badge's colour: green, blue, orange, secondary


def registration_status(registration: Registration) -> Status:
    """What became of a registration, in words the partner may read: the lead's or customer's status once
    accepted; the case's outcome once reviewed (never who held the customer)."""
    if registration.outcome == Outcome.ACCEPTED:
        record: Any = registration.lead or registration.customer
        if record is None:  # deleted since
            return Status("accepted", pgettext("registration", "Accepted"), "green")
        return Status(record.status, record.get_status_display(), "green")
    if registration.outcome == Outcome.IN_REVIEW:
        case = registration.conflict
        if case is None or case.status == ConflictCase.Status.OPEN:
            return Status("in_review", pgettext("registration", "Under review"), "blue")
        if case.status == ConflictCase.Status.DECIDED and case.decision == ConflictCase.Decision.GIVE:
            return Status("accepted", _("Accepted after review"), "green")
        return Status("not_accepted", _("Not accepted"), "secondary")
    return Status("already_known", pgettext("registration", "Already registered"), "orange")


# --- the Portal tab of a partner's 360 page (the company's own people) ---------------------------------------


def partner_members(*, actor: Any, partner: Customer) -> QuerySet[PartnerMember]:
    rows = PartnerMember.objects.visible_to(actor).filter(partner=partner).select_related("user", "contact")
    return rows.order_by("created_at", "pk")


def partner_invitations(*, actor: Any, partner: Customer) -> QuerySet[Invitation]:
    rows = Invitation.objects.visible_to(actor).filter(partner=partner).select_related("invited_by")
    return rows.order_by("-created_at", "-pk")[:20]


def is_partner(customer: Customer) -> bool:
    from guanxi.customers.partners import PARTNER

    return customer.kind == PARTNER
