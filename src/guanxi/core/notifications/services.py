"""Writes of notifications: creating them for their recipients, marking them read, the users' choices,
and sending the e-mail of each one at most once."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError
from guanxi.core.models import Notification, NotificationPreference
from guanxi.core.people import user_model
from guanxi.core.texts import Text

from .kinds import KINDS, kind_of

if TYPE_CHECKING:
    from guanxi.org.models import User

log = logging.getLogger(__name__)

Status = Notification.EmailStatus
MAX_EMAIL_ATTEMPTS = 3
# A pending e-mail older than this lost its queue message (or the worker was down): the sweep sends it.
LOST_AFTER = timedelta(minutes=5)


class Choice(NamedTuple):
    """How a user wants one kind of notification."""

    in_app: bool
    email: bool


def is_local_url(url: str) -> bool:
    """Only paths on this site: a notification never leads elsewhere (no open redirect)."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


class Message(NamedTuple):
    """One notification to one person (``notify_each``)."""

    recipient: User
    title: str | Promise | Text
    body: str | Promise | Text = ""
    url: str = ""
    obj: models.Model | None = None


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str | Promise | Text,
    body: str | Promise | Text = "",
    url: str = "",
    obj: models.Model | None = None,
) -> list[Notification]:
    """Notify people of something, each as they chose for this kind: an in-app row (all created in one
    query) and/or an e-mail queued once the caller's transaction commits. Frozen and departed users,
    and people who turned the kind off, receive nothing. A ``Text`` or a lazy text is stored as its
    message and parameters and read in each reader's language; a plain string (typed by a person) as is."""
    people = {user.pk: user for user in recipients}.values()  # a person named twice hears it once
    return notify_each(kind=kind, messages=[Message(user, title, body, url, obj) for user in people])


def notify_each(*, kind: str, messages: Iterable[Message]) -> list[Notification]:
    """Notifications of one kind, each its own news to its own recipient (a sweep telling every owner about
    their customers), as ``notify`` sends them and in as many queries whatever their number."""
    spec = kind_of(kind)
    messages = [message._replace(url=_url_of(message)) for message in messages]
    ids = {message.recipient.pk for message in messages}
    if not ids:
        return []
    User = user_model()
    users = User.objects.filter(pk__in=ids, status=User.Status.ACTIVE).only("pk", "email", "language").in_bulk()
    chosen = {
        preference.user_id: Choice(preference.in_app, preference.email)
        for preference in NotificationPreference.objects.filter(user_id__in=ids, kind=kind)
    }
    default = Choice(spec.default_in_app, spec.default_email)
    now = timezone.now()
    rows = []
    for message in messages:
        user = users.get(message.recipient.pk)
        if user is None:
            continue
        choice = chosen.get(user.pk, default)
        email = choice.email and bool(user.email)
        if not (choice.in_app or email):
            continue
        parts = (("title", message.title), ("body", message.body))
        texts = {part: _text(value).as_json() for part, value in parts if _translatable(value)}
        obj = message.obj
        with translation.override(user.language or settings.LANGUAGE_CODE):
            rows.append(
                Notification(
                    recipient=user,
                    kind=kind,
                    title=str(message.title)[:200],
                    body=str(message.body),
                    texts=texts,
                    url=message.url,
                    object_type=obj._meta.label_lower if obj is not None else "",
                    object_id=str(obj.pk) if obj is not None else "",
                    created_at=now,
                    in_app=choice.in_app,
                    email_status=Status.PENDING if email else Status.NONE,
                )
            )
    created = Notification.objects.bulk_create(rows)
    emails = [row.pk for row in created if row.email_status == Status.PENDING]
    if emails:
        transaction.on_commit(lambda: _queue_emails(emails))
    return created


def _url_of(message: Message) -> str:
    url = message.url
    if not url and message.obj is not None and hasattr(message.obj, "get_absolute_url"):
        url = message.obj.get_absolute_url()
    if url and not is_local_url(url):
        raise ValueError(f"a notification links to a path of this site, not {url!r}")
    return url


def _translatable(value: str | Promise | Text) -> bool:
    return isinstance(value, Text | Promise)


def _text(value: str | Promise | Text) -> Text:
    return value if isinstance(value, Text) else Text(value)


def _queue_emails(ids: list[int]) -> None:
    from .tasks import send_notification_email

    for pk in ids:
        send_notification_email(pk)


def notification_mark_read(*, actor: User, notification: Notification) -> bool:
    """Mark one of the actor's notifications read; False when it already was."""
    now = timezone.now()
    changed = (
        Notification.objects.visible_to(actor).filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    )
    if changed:
        notification.read_at = now
    return bool(changed)


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    unread = Notification.objects.visible_to(actor).filter(in_app=True, read_at__isnull=True)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_preferences_save(*, actor: User, choices: Mapping[str, Choice]) -> None:
    """Save how the actor wants each kind of notification (one upsert)."""
    unknown = sorted(set(choices) - set(KINDS))
    if unknown:
        raise DomainError(_("Unknown kind of notification: %(kind)s.") % {"kind": unknown[0]}, code="invalid")
    rows = [
        NotificationPreference(user=actor, kind=code, in_app=choice.in_app, email=choice.email)
        for code, choice in choices.items()
    ]
    NotificationPreference.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["in_app", "email"]
    )


def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification's e-mail, never twice. Deliberately not atomic: the claim (a conditional
    UPDATE) commits before the mail leaves, so a repeated task or a second worker finds it taken. A failed
    send is marked failed and may be tried again, up to MAX_EMAIL_ATTEMPTS. True when it was sent now."""
    rows = Notification.objects.filter(pk=notification_id)
    claimed = rows.filter(
        email_status__in=[Status.PENDING, Status.FAILED], email_attempts__lt=MAX_EMAIL_ATTEMPTS
    ).update(email_status=Status.SENDING, email_attempts=F("email_attempts") + 1)
    if not claimed:
        return False
    notification = rows.select_related("recipient").get()
    recipient = notification.recipient
    if not (recipient.is_active and recipient.email):  # frozen or lost their address since
        rows.filter(email_status=Status.SENDING).update(email_status=Status.SKIPPED)
        return False
    try:
        _send(notification)
    except Exception:
        rows.filter(email_status=Status.SENDING).update(email_status=Status.FAILED)
        raise
    rows.filter(email_status=Status.SENDING).update(email_status=Status.SENT, emailed_at=timezone.now())
    return True


def _send(notification: Notification) -> None:
    recipient = notification.recipient
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {
            "notification": notification,
            "recipient": recipient,
            "link": f"{settings.SITE_URL}{notification.url}" if notification.url else "",
            "preferences": f"{settings.SITE_URL}{reverse('core:notification_preferences')}",
        }
        text = render_to_string("core/notifications/email.txt", context)
        subject = " ".join(notification.shown_title.split())  # a header: one line
    send_mail(subject, text, None, [recipient.email])


def notifications_email_sweep(*, at: datetime, limit: int = 500) -> int:
    """Send the e-mails whose queue message was lost and retry failed ones; returns how many were sent.
    Safe to run anywhere and often: each e-mail is claimed by notification_email_send."""
    due = Notification.objects.filter(
        Q(email_status=Status.PENDING, created_at__lte=at - LOST_AFTER)
        | Q(email_status=Status.FAILED, email_attempts__lt=MAX_EMAIL_ATTEMPTS)
    ).order_by("created_at")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        try:
            sent += notification_email_send(notification_id=pk)
        except Exception:  # one bad address must not stop the others; it stays failed for later
            log.exception("notification e-mail %s failed", pk)
    return sent
