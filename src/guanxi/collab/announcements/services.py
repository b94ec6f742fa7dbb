"""Every write on announcements (SPEC §14.4): the text cleaned by ``nh3`` before it is stored, the audience
checked against the author's unit, publication at once or by the sweep, read receipts and reminders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.notifications.services import Message, notify_each
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.core.scope import Scope
from guanxi.core.texts import Text
from guanxi.org.models import Department, Role, User

from ..files import check_upload
from .models import Announcement, AnnouncementAttachment, AnnouncementFeed, AnnouncementRead, Audience
from .selectors import announcements_changed, audience_users, unread_users

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}
FIELDS = ["title", "body", "audience", "pinned", "publish_at", "expires_at"]
MAX_ATTACHMENTS = 10


def clean_body(html: str) -> str:
    """Only harmless formatting survives: no scripts, styles, event handlers or frames."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer")


def _clean(actor: User, data: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """Every problem at once, by field; nothing is written when any is found."""
    from guanxi.core.permissions import grants_of

    errors: dict[str, list[str]] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Enter a title.")]
    body = clean_body(str(data.get("body") or ""))
    if not nh3.clean(body, tags=set()).strip():
        errors["body"] = [_("Write the announcement.")]
    audience = str(data.get("audience") or Audience.UNIT)
    if audience not in Audience.values:
        errors["audience"] = [_("Choose a value from the list.")]
    elif audience == Audience.ALL and grants_of(actor).scope("announcements") != Scope.ALL:
        errors["audience"] = [_("Only a group-wide administrator can address every business unit.")]
    unit = actor.business_unit_id
    departments: list[Department] = list(data.get("departments") or [])
    roles: list[Role] = list(data.get("roles") or [])
    if audience == Audience.DEPARTMENTS:
        if not departments:
            errors["departments"] = [_("Choose at least one department.")]
        elif any(department.business_unit_id != unit for department in departments):
            errors["departments"] = [_("Choose departments of your business unit.")]
    if audience == Audience.ROLES:
        if not roles:
            errors["roles"] = [_("Choose at least one role.")]
        elif any(role.business_unit_id not in (None, unit) for role in roles):
            errors["roles"] = [_("Choose roles of your business unit.")]
    publish_at = data.get("publish_at") or now
    expires_at = data.get("expires_at")
    if expires_at is not None and expires_at <= max(publish_at, now):
        errors["expires_at"] = [_("The expiry must come after the publication.")]
    if errors:
        raise ValidationError(errors)
    return {
        "title": title[:200],
        "body": body,
        "audience": audience,
        "pinned": bool(data.get("pinned")),
        "publish_at": publish_at,
        "expires_at": expires_at,
        "departments": departments if audience == Audience.DEPARTMENTS else [],
        "roles": roles if audience == Audience.ROLES else [],
    }


@transaction.atomic
def announcement_create(*, actor: User, data: Mapping[str, Any], files: Sequence[UploadedFile] = ()) -> Announcement:
    """An announcement of the author's unit: out at once when its moment has come, else by the sweep."""
    require_perm(actor, "announcements.create")
    if actor.business_unit_id is None:
        raise NotPermitted(_("Only members of a business unit can publish announcements."))
    now = timezone.now()
    clean = _clean(actor, data, now=now)
    checked = _check_files(actor, files, already=0)
    departments, roles = clean.pop("departments"), clean.pop("roles")
    announcement = Announcement.objects.create(
        business_unit_id=actor.business_unit_id, author=actor, created_by=actor, **clean
    )
    announcement.departments.set(departments)
    announcement.roles.set(roles)
    _attach(announcement, checked)
    audit_log(actor=actor, action=Action.CREATE, obj=announcement)
    if announcement.publish_at <= now:
        _publish([announcement.pk], at=now)
        announcement.refresh_from_db()
    return announcement


def _check_files(actor: User, files: Sequence[UploadedFile], *, already: int) -> list[Any]:
    if len(files) + already > MAX_ATTACHMENTS:
        raise DomainError(_("At most %(count)d files.") % {"count": MAX_ATTACHMENTS}, field="files")
    return [check_upload(upload, unit=actor.business_unit_id, field="files") for upload in files]


def _attach(announcement: Announcement, checked: list[Any]) -> None:
    for item in checked:
        row = AnnouncementAttachment(
            announcement=announcement, name=item.name, size=item.size, content_type=item.content_type
        )
        row.file.save(item.name, item.upload, save=False)
        row.save()


def _locked(actor: User, announcement: Announcement, perm: str) -> Announcement:
    require_perm(actor, perm)
    row = Announcement.objects.visible_to(actor).select_for_update().filter(pk=announcement.pk).first()
    if row is None:
        raise NotPermitted(_("This announcement is outside your data scope."))
    return row


@transaction.atomic
def announcement_update(
    *,
    actor: User,
    announcement: Announcement,
    version: int,
    data: Mapping[str, Any],
    files: Sequence[UploadedFile] = (),
) -> Announcement:
    row = _locked(actor, announcement, "announcements.edit")
    now = timezone.now()
    merged = {name: data.get(name, getattr(row, name)) for name in FIELDS}
    merged["departments"] = data.get("departments", list(row.departments.all()))
    merged["roles"] = data.get("roles", list(row.roles.all()))
    if row.published_at is not None:  # a published announcement keeps the moment it went out
        merged["publish_at"] = row.publish_at
    clean = _clean(actor, merged, now=min(now, row.publish_at))
    checked = _check_files(actor, files, already=row.attachments.count())
    departments, roles = clean.pop("departments"), clean.pop("roles")
    before = {name: str(getattr(row, name)) for name in FIELDS}
    for name, value in clean.items():
        setattr(row, name, value)
    save_versioned(row, expected_version=version, fields=FIELDS)
    row.departments.set(departments)
    row.roles.set(roles)
    _attach(row, checked)
    changes = {
        name: [before[name], str(getattr(row, name))] for name in FIELDS if before[name] != str(getattr(row, name))
    }
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    if row.published_at is None and row.publish_at <= now:
        _publish([row.pk], at=now)
        row.refresh_from_db()
    return row


@transaction.atomic
def announcement_delete(*, actor: User, announcement: Announcement) -> None:
    row = _locked(actor, announcement, "announcements.delete")
    Announcement.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    audit_log(actor=actor, action=Action.DELETE, obj=row)
    announcements_changed()


def announcement_read(*, actor: User, announcement: Announcement) -> bool:
    """The reader's receipt, once: True when this was their first reading. Only a live announcement
    addressed to the reader can be read."""
    if not AnnouncementFeed.objects.visible_to(actor).filter(pk=announcement.pk).exists():
        raise NotPermitted(_("This announcement is not addressed to you."))
    try:
        with transaction.atomic():
            _receipt, created = AnnouncementRead.objects.get_or_create(announcement=announcement, user=actor)
    except IntegrityError:  # the same reader in two tabs at once: one receipt
        return False
    return created


@transaction.atomic
def announcement_remind(*, actor: User, announcement: Announcement) -> int:
    """Remind everyone in the audience who has not read it yet; returns how many were reminded."""
    row = _locked(actor, announcement, "announcements.edit")
    if row.published_at is None:
        raise DomainError(_("This announcement has not been published yet."), code="wrong_status")
    people = list(unread_users(row))
    title = Text(gettext_noop("Please read the announcement: {title}"), title=row.title)
    notify_each(kind="announcement", messages=[Message(person, title, obj=row) for person in people])
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=row,
        note=Text(gettext_noop("Reminded {count} unread"), count=len(people)),
    )
    return len(people)


def _publish(ids: list[int], *, at: datetime) -> int:
    """Publish these announcements if nobody did meanwhile (a conditional UPDATE), and tell their audience."""
    claimed = list(
        Announcement.objects.filter(pk__in=ids, published_at__isnull=True, publish_at__lte=at).values_list(
            "pk", flat=True
        )
    )
    published = Announcement.objects.filter(pk__in=claimed, published_at__isnull=True).update(published_at=at)
    if not published:
        return 0
    announcements_changed()
    for announcement in Announcement.objects.filter(pk__in=claimed, published_at=at):
        title = Text(gettext_noop("New announcement: {title}"), title=announcement.title)
        people = audience_users(announcement).exclude(pk=announcement.author_id)
        notify_each(kind="announcement", messages=[Message(person, title, obj=announcement) for person in people])
    return published


def announcements_publish_due(*, at: datetime) -> int:
    """The sweep: announcements whose moment has come go out, a batch at a time, each exactly once."""
    total = 0
    while True:
        ids = list(
            Announcement.objects.filter(published_at__isnull=True, publish_at__lte=at)
            .order_by("publish_at", "pk")
            .values_list("pk", flat=True)[:200]
        )
        if not ids:
            return total
        with transaction.atomic():
            total += _publish(ids, at=at)
