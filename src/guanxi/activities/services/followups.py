"""Follow-up records (SPEC §4.1): recording one, its attachments and comments, deleting it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.notifications.services import notify
from guanxi.core.permissions import require_perm
from guanxi.core.texts import Text
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services import customer_followed_up
from guanxi.org.models import User

from .. import attachments as attachment_rules
from ..models import Channel, FollowUp, FollowUpAttachment, FollowUpComment, Plan
from .plans import plan_complete, plan_create
from .subjects import _check_assignee, _check_subject, _set_related

FOLLOWUP_FIELDS = [
    "customer", "contact", "related_type", "related_id", "owner", "channel", "occurred_at", "content", "feedback",
    "next_step", "next_contact_at", "latitude", "longitude", "location_accuracy", "location_address",
]  # fmt: skip


# A follow-up may be recorded a little "in the future" (clocks of phones differ), never more.
CLOCK_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Location:
    """A check-in (移动签到) as the browser's geolocation gave it."""

    latitude: Decimal
    longitude: Decimal
    accuracy: int | None = None
    address: str = ""


# --- follow-ups ---------------------------------------------------------------------------------------


@transaction.atomic
def followup_create(
    *,
    actor: User,
    content: str,
    channel: str = Channel.PHONE,
    occurred_at: datetime | None = None,
    customer: Customer | None = None,
    contact: Contact | None = None,
    related: models.Model | None = None,
    feedback: str = "",
    next_step: str = "",
    location: Location | None = None,
    files: Sequence[UploadedFile] = (),
    plan: Plan | None = None,
    next_contact_at: datetime | None = None,
    add_to_calendar: bool = True,
    next_owner: User | None = None,
) -> FollowUp:
    """Record a follow-up (SPEC §4.1) by the actor. It moves the customer's last follow-up time (and so its
    pool expiry); with ``plan`` it fulfils that plan (``plan_complete``, which keeps an open opportunity
    planned). ``next_contact_at`` (下次联系时间) is kept on the record and, with ``add_to_calendar``, becomes
    the next plan (subject: the next step) for ``next_owner`` (the actor by default, or a colleague they may
    plan for), all or nothing."""
    require_perm(actor, "activities.create")
    now = timezone.now()
    occurred_at = occurred_at or now
    if plan is not None and customer is None and related is None:
        customer, related = plan.customer, plan.related
        contact = contact or plan.contact
    _check_subject(actor, customer, contact, related)
    errors: dict[str, list[str]] = {}
    content = (content or "").strip()
    if not content:
        errors.setdefault("content", []).append(_("Say what was discussed."))
    if channel not in Channel.values:
        errors.setdefault("channel", []).append(_("Choose a channel from the list."))
    if occurred_at > now + CLOCK_SLACK:
        errors.setdefault("occurred_at", []).append(_("A follow-up cannot be recorded in the future."))
    if feedback:
        try:
            dictionary_validate("customer_feedback", feedback, field="feedback")
        except DomainError as error:
            errors.setdefault("feedback", []).append(str(error.message))
    try:
        attachment_rules.attachments_clean(files)
    except DomainError as error:
        errors.setdefault("files", []).append(str(error.message))
    if location is not None and not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
        errors.setdefault("latitude", []).append(_("The check-in position is not a place on Earth."))
    if next_contact_at is not None and next_contact_at <= occurred_at:
        errors.setdefault("next_contact_at", []).append(_("The next contact must come after this follow-up."))
    plans_next = next_contact_at is not None and add_to_calendar
    if plans_next:
        _check_assignee(actor, next_owner or actor, field="next_owner")
    if errors:
        from django.core.exceptions import ValidationError

        raise ValidationError(errors)
    followup = FollowUp(
        customer=customer,
        contact=contact,
        owner=actor,
        created_by=actor,
        channel=channel,
        occurred_at=occurred_at,
        content=content,
        feedback=feedback,
        next_step=(next_step or "").strip()[:200],
        next_contact_at=next_contact_at,
    )
    _set_related(followup, related)
    if location is not None:
        followup.latitude, followup.longitude = location.latitude, location.longitude
        followup.location_accuracy = location.accuracy
        followup.location_address = location.address[:200]
    followup.full_clean(exclude=["custom"])
    followup.save()
    for upload in files:
        attachment_rules.attachment_store(followup=followup, upload=upload, actor=actor)
    audit_log(actor=actor, action=Action.CREATE, obj=followup, changes=diff({}, snapshot(followup, FOLLOWUP_FIELDS)))
    if customer is not None:
        first_contact = customer.last_followup_at is None
        customer_followed_up(customer=customer, at=occurred_at)
        if first_contact:  # the memory curve, when an administrator switched it on (SPEC §4.7)
            from ..plan_templates import plan_templates_apply

            plan_templates_apply(event="first_contact", customer=customer, at=occurred_at, actor=actor)
    if plans_next:
        # Before completing ``plan``: the explicit next contact is then the open plan that completing the
        # last one asks for, so no other is proposed or created.
        assert next_contact_at is not None
        plan_create(
            actor=actor,
            subject=followup.next_step or _("Follow up"),
            due_at=next_contact_at,
            customer=customer,
            related=related,
            contact=contact,
            owner=next_owner,
            origin=Plan.Origin.NEXT,
        )
    if plan is not None:
        plan_complete(actor=actor, plan=plan, followup=followup)
    return followup


@transaction.atomic
def followup_record(
    *,
    owner: User,
    content: str,
    channel: str,
    occurred_at: datetime,
    customer: Customer | None = None,
    contact: Contact | None = None,
    related: models.Model | None = None,
    actor: User | None = None,
) -> FollowUp:
    """A follow-up the system records on someone's behalf from what another system reported (a call the
    company's PBX put through lands on the customer's timeline as the agent's phone follow-up): the caller
    has decided who it belongs to and which customer it is about, so no permission or scope is checked here;
    the record is validated, audited and moves the customer's last follow-up time like any other."""
    followup = FollowUp(
        customer=customer,
        contact=contact
        if customer is not None and contact is not None and contact.customer_id == customer.pk
        else None,
        owner=owner,
        created_by=actor or owner,
        channel=channel,
        occurred_at=occurred_at,
        content=(content or "").strip()[:4000],
    )
    _set_related(followup, related)
    followup.full_clean(exclude=["custom"])
    followup.save()
    audit_log(
        actor=actor or owner, action=Action.CREATE, obj=followup, changes=diff({}, snapshot(followup, FOLLOWUP_FIELDS))
    )
    if customer is not None:
        customer_followed_up(customer=customer, at=occurred_at)
    return followup


@transaction.atomic
def followup_attach(*, actor: User, followup: FollowUp, files: Sequence[UploadedFile]) -> list[FollowUpAttachment]:
    """Add files to one's own follow-up."""
    _require_followup_edit(actor, followup)
    attachment_rules.attachments_clean(files, already=followup.attachments.count())
    return [attachment_rules.attachment_store(followup=followup, upload=upload, actor=actor) for upload in files]


@transaction.atomic
def followup_delete(*, actor: User, followup: FollowUp) -> None:
    """Soft-delete a follow-up recorded by mistake (its author with ``activities.delete``, or a manager)."""
    require_perm(actor, "activities.delete")
    if not FollowUp.objects.visible_to(actor).filter(pk=followup.pk).exists():
        raise NotPermitted(_("This follow-up is outside your data scope."))
    now = timezone.now()
    FollowUp.objects.filter(pk=followup.pk).update(deleted_at=now, updated_at=now)
    followup.deleted_at = now
    audit_log(actor=actor, action=Action.DELETE, obj=followup)


def _require_followup_edit(actor: User, followup: FollowUp) -> None:
    require_perm(actor, "activities.edit")
    if followup.owner_id != actor.pk:
        raise NotPermitted(_("Only the person who recorded this follow-up may change it."))


@transaction.atomic
def followup_comment_add(*, actor: User, followup: FollowUp, text: str) -> FollowUpComment:
    """A manager's comment or instruction (领导批示) on a follow-up in their scope; its author is notified."""
    require_perm(actor, "activities.approve")
    if not FollowUp.objects.visible_to(actor).filter(pk=followup.pk).exists():
        raise NotPermitted(_("This follow-up is outside your data scope."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the comment."), field="text")
    if len(text) > 2000:
        raise DomainError(_("At most 2,000 characters."), field="text")
    comment = FollowUpComment.objects.create(followup=followup, author=actor, text=text)
    audit_log(actor=actor, action=Action.UPDATE, obj=followup, changes={"comment": [None, text]})
    if followup.owner_id != actor.pk:
        notify(
            recipients=[followup.owner],
            kind="comment",
            title=Text(gettext_noop("%(who)s commented on your follow-up"), who=actor.display_name or actor.username),
            body=text,
            obj=followup,
        )
    return comment
