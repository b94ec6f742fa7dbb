"""Every write of a ticket (SPEC §9.1–9.3): keyword-only, one transaction each, refusals with a code.

A status change is one conditional UPDATE on the status the caller saw, so two people pressing "start" at
once, or a customer answering twice, change the ticket once; every step lands on the ticket's timeline."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.dictionary import dictionary_labels, dictionary_validate
from guanxi.core.config.lookups import json_list_contains
from guanxi.core.config.numbering import number_next
from guanxi.core.config.units import config_unit_check
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.notifications.services import notify
from guanxi.core.outbox import emit
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.records import save_versioned
from guanxi.core.scope import partner_of
from guanxi.core.texts import Text
from guanxi.core.uploads import upload_type, uploads_clean
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from . import sla
from .models import (
    CHANNEL_DICTIONARY,
    OPEN_STATUSES,
    SATISFIED,
    TYPE_DICTIONARY,
    Article,
    Priority,
    Skill,
    StepKind,
    Ticket,
    TicketAttachment,
    TicketStatus,
    TicketStep,
)

TICKET_FIELDS = ("type", "channel", "priority", "subject", "description")
RELATED_FIELDS = ("contract", "order", "product")  # what the ticket is about, where the customer has it
FEEDBACK_LIMIT = 10  # answers an address may send through feedback links in an hour


def is_agent(user: User) -> bool:
    """Holds the service role: may handle tickets (``service.edit``)."""
    return user.is_active and has_perm(user, "service.edit")


def agents_of_unit(unit_id: int | None) -> QuerySet[User]:
    """The active people of a unit whose roles let them handle tickets."""
    return (
        User.objects.filter(status=User.Status.ACTIVE, department__business_unit_id=unit_id)
        .filter(json_list_contains("roles__permissions", "service.edit"))
        .distinct()
    )


def _open_load() -> Count:
    return Count(
        "assigned_tickets",
        filter=Q(assigned_tickets__status__in=OPEN_STATUSES, assigned_tickets__deleted_at__isnull=True),
        distinct=True,
    )


def agents_with_load(unit_id: int | None) -> QuerySet[User]:
    """The unit's agents with their open tickets counted (``open_load``) and their skills, by name."""
    return (
        agents_of_unit(unit_id)
        .annotate(open_load=_open_load())
        .select_related("department")
        .prefetch_related("service_skills")
        .order_by("display_name", "pk")
    )


@transaction.atomic
def agent_skills_set(*, actor: User, agent: User, types: Iterable[str]) -> list[str]:
    """Say which ticket types an agent handles (dispatch suggests by them): a service administrator of the
    agent's unit, with types of the ticket-type list; the agent's other skills are removed."""
    unit = agent.business_unit_id
    config_unit_check(actor=actor, code="service.configure", unit_id=unit)
    if not agents_of_unit(unit).filter(pk=agent.pk).exists():
        raise DomainError(_("%(name)s does not handle tickets: give them a service role first.") % {"name": agent})
    wanted = list(dict.fromkeys(types))
    allowed = set(dictionary_labels(TYPE_DICTIONARY))
    if any(code not in allowed for code in wanted):
        raise DomainError(_("Choose ticket types from the list."), field="types", code="invalid_choice")
    before = sorted(Skill.objects.filter(user=agent).values_list("type", flat=True))
    Skill.objects.filter(user=agent).exclude(type__in=wanted).delete()
    Skill.objects.bulk_create([Skill(user=agent, type=code) for code in wanted], ignore_conflicts=True)
    if sorted(wanted) != before:
        audit_log(actor=actor, action=Action.UPDATE, obj=agent, changes={"service_skills": [before, sorted(wanted)]})
    return wanted


def dispatch_suggestions(*, ticket: Ticket, limit: int = 5) -> list[User]:
    """Agents of the ticket's unit with its type's skill, the least loaded (open tickets) first (SPEC §9.2)."""
    agents = agents_of_unit(ticket.business_unit_id).filter(service_skills__type=ticket.type)
    found = agents.annotate(open_load=_open_load()).order_by("open_load", "display_name", "pk")
    return list(found[:limit])


def _step(ticket: Ticket, kind: str, *, actor: User | None, at: datetime, **fields: Any) -> TicketStep:
    return TicketStep.objects.create(ticket=ticket, kind=kind, actor=actor, at=at, round=ticket.round, **fields)


def _move(ticket: Ticket, *, allowed: Iterable[str], values: Mapping[str, Any]) -> None:
    """Change the ticket only if it is still in one of the ``allowed`` statuses (a conditional UPDATE)."""
    allowed = list(allowed)
    changed = Ticket.objects.filter(pk=ticket.pk, status__in=allowed).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if not changed:
        raise Conflict(_("Someone changed this ticket meanwhile; reload it."), code="wrong_status")
    for name, value in values.items():
        setattr(ticket, name, value)
    ticket.version += 1


def _refuse_archived(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.ARCHIVED:
        raise DomainError(_("This ticket is archived; reopen it to start a new one."), code="ticket_archived")


def _may_handle(actor: User, ticket: Ticket) -> None:
    """The assignee handles their ticket; whoever dispatches (``service.assign``) may act for them."""
    if ticket.assignee_id != actor.pk and not has_perm(actor, "service.assign"):
        raise NotPermitted(_("Only the assignee or a service manager can do this."))


def _clean(data: Mapping[str, Any], *, current: Ticket | None = None) -> dict[str, Any]:
    values = {name: data.get(name, getattr(current, name, "")) for name in TICKET_FIELDS}
    values["subject"] = (values["subject"] or "").strip()
    if not values["subject"]:
        raise DomainError(_("Say in a few words what the customer needs."), field="subject", code="required")
    dictionary_validate(TYPE_DICTIONARY, values["type"], field="type", current=getattr(current, "type", None))
    dictionary_validate(
        CHANNEL_DICTIONARY, values["channel"], field="channel", current=getattr(current, "channel", None)
    )
    if values["priority"] not in Priority.values:
        raise DomainError(_("Choose normal, important or urgent."), field="priority", code="invalid_choice")
    values["description"] = values["description"] or ""
    return values


def _related_clean(data: Mapping[str, Any], *, customer: Customer, current: Ticket | None = None) -> dict[str, Any]:
    """The contract and order must be the customer's, the product one of its business unit's."""
    values = {name: data.get(name, getattr(current, name, None)) for name in RELATED_FIELDS}
    for name in ("contract", "order"):
        record = values[name]
        if record is not None and record.customer_id != customer.pk:
            raise DomainError(
                _("Choose one of this customer's contracts or orders."), field=name, code="invalid_choice"
            )
    product = values["product"]
    if product is not None and product.business_unit_id != customer.business_unit_id:
        raise DomainError(_("Choose a product of your business unit."), field="product", code="invalid_choice")
    return values


@transaction.atomic
def ticket_create(
    *,
    actor: User,
    customer: Customer,
    data: Mapping[str, Any],
    contact: Contact | None = None,
    assignee: User | None = None,
    at: datetime | None = None,
    files: Sequence[UploadedFile] = (),
) -> Ticket:
    """服务创建: register a ticket for a customer the actor sees, with its files; its deadlines count from now."""
    require_perm(actor, "service.create")
    _files_clean(files)
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise DomainError(_("Choose a customer you can see."), field="customer", code="invalid_choice")
    if contact is not None and contact.customer_id != customer.pk:
        raise DomainError(_("This contact belongs to another customer."), field="contact", code="invalid_choice")
    values = {**_clean(data), **_related_clean(data, customer=customer)}
    now = at or timezone.now()
    response_due, resolve_due = sla.deadlines(unit=customer.business_unit_id, priority=values["priority"], start=now)
    ticket = Ticket.objects.create(
        **values,
        number=number_next(kind="ticket", prefix="FW", at=now, unit=customer.business_unit_id),
        business_unit_id=customer.business_unit_id,
        customer=customer,
        contact=contact,
        created_by=actor,
        created_at=now,
        updated_at=now,
        response_due_at=response_due,
        resolve_due_at=resolve_due,
    )
    _step(ticket, StepKind.CREATED, actor=actor, at=now)
    audit_log(actor=actor, action=Action.CREATE, obj=ticket, changes={"status": [None, ticket.status]})
    for upload in files:
        _attachment_store(ticket, upload, actor)
    if assignee is not None:
        ticket_assign(actor=actor, ticket=ticket, assignee=assignee, at=now)
    return ticket


REPLY_MAX = 5000


@transaction.atomic
def ticket_reply(
    *, actor: User, ticket: Ticket, text: str, internal: bool = False, at: datetime | None = None
) -> TicketStep:
    """A reply on the ticket's timeline, by whoever sees the ticket and may open tickets (``service.create``:
    the service desk, and a channel partner's people on the tickets of their partner's customers). A public
    reply is read in the partner portal too; an internal note (``service.edit``) stays with the company's own
    people and is never a partner's. The assignee is told of a reply by someone else."""
    require_perm(actor, "service.edit" if internal else "service.create")
    if internal and partner_of(actor) is not None:
        raise NotPermitted(_("You are not allowed to do this."))
    if not Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists():
        raise NotPermitted(_("This ticket is outside your data scope."))
    _refuse_archived(ticket)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your reply."), field="text", code="required")
    if len(text) > REPLY_MAX:
        raise DomainError(_("At most 5,000 characters."), field="text", code="too_long")
    now = at or timezone.now()
    step = _step(ticket, StepKind.NOTE if internal else StepKind.REPLY, actor=actor, at=now, note=text)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    audit_log(actor=actor, action=Action.UPDATE, obj=ticket, changes={step.kind: [None, step.pk]})
    assignee = ticket.assignee
    if assignee is not None and assignee.pk != actor.pk:
        notify(
            recipients=[assignee],
            kind="ticket_reply",
            title=Text(gettext_noop("{name} replied on ticket {number}"), name=str(actor), number=ticket.number),
            obj=ticket,
        )
    return step


MAX_ATTACHMENTS = 20


def _files_clean(files: Sequence[UploadedFile], *, already: int = 0) -> None:
    uploads_clean(files, already=already, most=MAX_ATTACHMENTS, too_many=_("At most %(count)d files per ticket."))


def _attachment_store(ticket: Ticket, upload: UploadedFile, actor: User) -> TicketAttachment:
    name = PurePath(upload.name or "file").name[:200]
    return TicketAttachment.objects.create(
        ticket=ticket, file=upload, name=name, content_type=upload_type(upload), size=upload.size or 0,
        uploaded_by=actor,
    )  # fmt: skip


@transaction.atomic
def ticket_attach(*, actor: User, ticket: Ticket, files: Sequence[UploadedFile]) -> list[TicketAttachment]:
    """Add photos, documents or recordings to an open ticket: by its creator, its assignee or a service
    manager. The whole set is refused if one file is wrong (type by its first bytes, size, empty, count)."""
    require_perm(actor, "service.edit")
    if not Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists():
        raise NotPermitted(_("This ticket is outside your data scope."))
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)  # the count of files is decided in turn
    _refuse_archived(ticket)
    if ticket.created_by_id != actor.pk:
        _may_handle(actor, ticket)
    if not files:
        raise DomainError(_("Choose a file."), field="files", code="required")
    _files_clean(files, already=ticket.attachments.count())
    saved = [_attachment_store(ticket, upload, actor) for upload in files]
    audit_log(actor=actor, action=Action.UPDATE, obj=ticket, changes={"attachments": [None, [a.name for a in saved]]})
    return saved


@transaction.atomic
def ticket_update(*, actor: User, ticket: Ticket, version: int, data: Mapping[str, Any]) -> Ticket:
    """Correct what the ticket says (not its status): the creator, its assignee or a service manager."""
    require_perm(actor, "service.edit")
    _refuse_archived(ticket)
    if ticket.created_by_id != actor.pk:
        _may_handle(actor, ticket)
    values = {**_clean(data, current=ticket), **_related_clean(data, customer=ticket.customer, current=ticket)}
    before = {name: getattr(ticket, name) for name in values}
    for name, value in values.items():
        setattr(ticket, name, value)
    save_versioned(ticket, expected_version=version, fields=list(values))
    changes = {name: [_shown(before[name]), _shown(values[name])] for name in values if before[name] != values[name]}
    audit_log(actor=actor, action=Action.UPDATE, obj=ticket, changes=changes)
    return ticket


def _shown(value: Any) -> Any:
    """A related record as the audit trail keeps it: its name, not the object."""
    return str(value) if isinstance(value, models.Model) else value


@transaction.atomic
def ticket_assign(*, actor: User, ticket: Ticket, assignee: User, note: str = "", at: datetime | None = None) -> Ticket:
    """服务分配: give the ticket to an agent of its unit. An agent may take an unassigned one for themselves;
    reassigning or giving it to someone else takes ``service.assign``."""
    require_perm(actor, "service.edit")
    _refuse_archived(ticket)
    taking = assignee.pk == actor.pk and ticket.assignee_id is None
    if not taking and not has_perm(actor, "service.assign"):
        raise NotPermitted(_("Only a service manager can give tickets to others."))
    if assignee.business_unit_id != ticket.business_unit_id:
        raise DomainError(
            _("%(name)s works in another business unit.") % {"name": assignee}, field="assignee", code="other_unit"
        )
    if not is_agent(assignee):
        raise DomainError(
            _("%(name)s does not hold a service role.") % {"name": assignee}, field="assignee", code="not_an_agent"
        )
    now = at or timezone.now()
    before = ticket.status
    # an assigned ticket that has not been started is simply reassigned; a started one keeps going
    status = TicketStatus.IN_PROGRESS if before == TicketStatus.IN_PROGRESS else TicketStatus.ASSIGNED
    _move(
        ticket,
        allowed=OPEN_STATUSES,
        values={"status": status, "assignee": assignee, "department_id": assignee.department_id},
    )
    _step(ticket, StepKind.ASSIGNED, actor=actor, at=now, assignee=assignee, note=note.strip()[:5000])
    audit_log(actor=actor, action=Action.LIFECYCLE, obj=ticket, changes={"status": [before, status]})
    if assignee.pk != actor.pk:
        notify(
            recipients=[assignee],
            kind="ticket_assigned",
            title=Text(
                gettext_noop("Ticket {number} is yours: {subject}"), number=ticket.number, subject=ticket.subject
            ),
            obj=ticket,
        )
    return ticket


@transaction.atomic
def ticket_start(*, actor: User, ticket: Ticket, at: datetime | None = None) -> Ticket:
    """服务处理: the assignee starts handling (the response deadline is met here)."""
    require_perm(actor, "service.edit")
    _refuse_archived(ticket)
    if ticket.status == TicketStatus.NEW or ticket.assignee_id is None:
        raise DomainError(_("Assign the ticket before handling it."), code="not_assigned")
    if ticket.status != TicketStatus.ASSIGNED:
        raise Conflict(_("Only an assigned ticket can be started."), code="wrong_status")
    _may_handle(actor, ticket)
    now = at or timezone.now()
    values: dict[str, Any] = {"status": TicketStatus.IN_PROGRESS}
    if ticket.responded_at is None:
        values["responded_at"] = now
    _move(ticket, allowed=[TicketStatus.ASSIGNED], values=values)
    _step(ticket, StepKind.STARTED, actor=actor, at=now)
    audit_log(actor=actor, action=Action.LIFECYCLE, obj=ticket, changes={"status": ["assigned", "in_progress"]})
    return ticket


@transaction.atomic
def ticket_resolve(
    *, actor: User, ticket: Ticket, resolution: str, articles: Iterable[Article] = (), at: datetime | None = None
) -> Ticket:
    """The assignee records how it was handled; the ticket waits for the customer's feedback."""
    require_perm(actor, "service.edit")
    _refuse_archived(ticket)
    if ticket.status != TicketStatus.IN_PROGRESS:
        raise Conflict(_("Only a ticket in progress can be resolved."), code="wrong_status")
    _may_handle(actor, ticket)
    resolution = resolution.strip()
    if not resolution:
        raise DomainError(_("Write down how the ticket was handled."), field="resolution", code="required")
    now = at or timezone.now()
    _move(
        ticket,
        allowed=[TicketStatus.IN_PROGRESS],
        values={"status": TicketStatus.RESOLVED, "resolution": resolution, "resolved_at": now},
    )
    _step(ticket, StepKind.RESOLVED, actor=actor, at=now, note=resolution)
    linked = [article for article in articles if article.business_unit_id == ticket.business_unit_id]
    if linked:
        ticket.articles.add(*linked)
    audit_log(actor=actor, action=Action.LIFECYCLE, obj=ticket, changes={"status": ["in_progress", "resolved"]})
    return ticket


@transaction.atomic
def ticket_feedback_link(*, actor: User, ticket: Ticket, at: datetime | None = None) -> str:
    """Send the customer an unguessable link to rate this round (one answer); returns the token."""
    require_perm(actor, "service.edit")
    _refuse_archived(ticket)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.FEEDBACK):
        raise DomainError(_("Only a resolved ticket can get feedback."), code="not_resolved")
    token = secrets.token_urlsafe(32)
    _move(
        ticket,
        allowed=[TicketStatus.RESOLVED, TicketStatus.FEEDBACK],
        values={"status": TicketStatus.FEEDBACK, "feedback_token": token},
    )
    _step(ticket, StepKind.FEEDBACK_REQUESTED, actor=actor, at=at or timezone.now())
    return token


def _check_satisfaction(satisfaction: Any) -> int:
    try:
        value = int(satisfaction)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise DomainError(_("Rate from 1 to 5."), field="satisfaction", code="out_of_range")
    return value


def _record_feedback(
    ticket: Ticket, *, actor: User | None, satisfaction: Any, comment: str, at: datetime | None, token: str | None
) -> Ticket:
    _refuse_archived(ticket)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.FEEDBACK):
        raise DomainError(_("Only a resolved ticket can get feedback."), code="not_resolved")
    value = _check_satisfaction(satisfaction)
    comment = (comment or "").strip()[:1000]
    now = at or timezone.now()
    before = ticket.status
    values: dict[str, Any] = {"satisfaction": value, "feedback_comment": comment, "feedback_token": None}
    if value >= SATISFIED:
        values.update(status=TicketStatus.ARCHIVED, archived_at=now)
    else:  # another round: back to the same agent, to be started again
        values.update(status=TicketStatus.ASSIGNED, round=ticket.round + 1, resolved_at=None)
    allowed = [TicketStatus.RESOLVED, TicketStatus.FEEDBACK]
    if token is not None:
        changed = Ticket.objects.filter(pk=ticket.pk, status__in=allowed, feedback_token=token).update(
            **values,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if not changed:
            raise Conflict(_("This round has been answered already. Thank you!"), code="already_answered")
        for name, new in values.items():
            setattr(ticket, name, new)
        ticket.version += 1
    else:
        _move(ticket, allowed=allowed, values=values)
    round_answered = ticket.round - 1 if value < SATISFIED else ticket.round
    TicketStep.objects.create(
        ticket=ticket, kind=StepKind.FEEDBACK, actor=actor, at=now, round=round_answered, satisfaction=value,
        note=comment,
    )  # fmt: skip
    if value >= SATISFIED:
        TicketStep.objects.create(ticket=ticket, kind=StepKind.ARCHIVED, actor=actor, at=now, round=ticket.round)
    else:
        TicketStep.objects.create(
            ticket=ticket, kind=StepKind.REOPENED, actor=actor, at=now, round=ticket.round, assignee=ticket.assignee
        )
    audit_log(actor=actor, action=Action.LIFECYCLE, obj=ticket, changes={"status": [before, ticket.status]})
    if ticket.status == TicketStatus.ARCHIVED:
        emit("ticket.archived", ticket, actor=actor)
    return ticket


@transaction.atomic
def ticket_feedback(
    *, actor: User, ticket: Ticket, satisfaction: Any, comment: str = "", at: datetime | None = None
) -> Ticket:
    """服务反馈: the customer's satisfaction (1–5) as told to an agent; 3 or more archives the ticket
    (服务归档), less sends it back to its agent for another round."""
    require_perm(actor, "service.edit")
    return _record_feedback(ticket, actor=actor, satisfaction=satisfaction, comment=comment, at=at, token=None)


def _count_public_answer(ip: str | None) -> None:
    key = f"guanxi:service:feedback:{ip or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > FEEDBACK_LIMIT:
        raise DomainError(_("Too many answers from your address; please try again later."), code="rate_limited")


def ticket_by_feedback_token(token: str) -> Ticket | None:
    """The ticket a customer's link rates, while its round is unanswered."""
    if not token:
        return None
    return Ticket.objects.select_related("customer").filter(feedback_token=token).first()


@transaction.atomic
def ticket_feedback_public(
    *, token: str, satisfaction: Any, comment: str = "", ip: str | None = None, at: datetime | None = None
) -> Ticket:
    """The customer's own answer through their link: rate-limited per address, one answer per round."""
    _count_public_answer(ip)
    ticket = ticket_by_feedback_token(token)
    if ticket is None:
        raise Conflict(_("This round has been answered already. Thank you!"), code="already_answered")
    return _record_feedback(ticket, actor=None, satisfaction=satisfaction, comment=comment, at=at, token=token)


@transaction.atomic
def ticket_archive(*, actor: User, ticket: Ticket, note: str, at: datetime | None = None) -> Ticket:
    """Archive a resolved ticket without the customer's feedback (unreachable, declined): a manager's call."""
    require_perm(actor, "service.assign")
    _refuse_archived(ticket)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.FEEDBACK):
        raise DomainError(_("Only a resolved ticket can be archived."), code="not_resolved")
    note = note.strip()
    if not note:
        raise DomainError(_("Say why it is archived without feedback."), field="note", code="required")
    now = at or timezone.now()
    before = ticket.status
    _move(
        ticket,
        allowed=[TicketStatus.RESOLVED, TicketStatus.FEEDBACK],
        values={"status": TicketStatus.ARCHIVED, "archived_at": now, "feedback_token": None},
    )
    _step(ticket, StepKind.ARCHIVED, actor=actor, at=now, note=note)
    audit_log(actor=actor, action=Action.LIFECYCLE, obj=ticket, changes={"status": [before, "archived"]})
    emit("ticket.archived", ticket, actor=actor)
    return ticket


@transaction.atomic
def ticket_reopen(*, actor: User, ticket: Ticket, reason: str, at: datetime | None = None) -> Ticket:
    """An archived ticket stays final: the customer's returning problem becomes a new ticket linked to it."""
    require_perm(actor, "service.create")
    if ticket.status != TicketStatus.ARCHIVED:
        raise Conflict(_("Only an archived ticket is reopened as a new one."), code="wrong_status")
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say what is wrong again."), field="reason", code="required")
    data = {name: getattr(ticket, name) for name in (*TICKET_FIELDS, *RELATED_FIELDS)}
    data["description"] = reason
    created = ticket_create(actor=actor, customer=ticket.customer, contact=ticket.contact, data=data, at=at)
    Ticket.objects.filter(pk=created.pk).update(reopened_from=ticket)
    created.reopened_from = ticket
    return created


@transaction.atomic
def ticket_delete(*, actor: User, ticket: Ticket) -> None:
    require_perm(actor, "service.delete")
    Ticket.objects.filter(pk=ticket.pk).update(deleted_at=timezone.now())
    audit_log(actor=actor, action=Action.DELETE, obj=ticket)


def escalation_recipients(ticket: Ticket) -> list[User]:
    """Who hears of a missed deadline: the assignee's manager, else the unit's dispatchers (``service.assign``)
    other than its administrators, who configure the system rather than run the desk."""
    if ticket.assignee_id and ticket.assignee and ticket.assignee.manager_id:
        return [ticket.assignee.manager]  # type: ignore[list-item]
    dispatchers = agents_of_unit(ticket.business_unit_id).filter(
        json_list_contains("roles__permissions", "service.assign")
    )
    return list(dispatchers.exclude(json_list_contains("roles__permissions", "system.configure")))
