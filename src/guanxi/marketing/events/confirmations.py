"""The confirmation of a registration (SPEC §11.3), sent in the background by the sweep ``marketing_confirm``
(and the task queued when someone registers): an e-mail through the site's SMTP server, as marketing's
e-mails go, when the registrant gave an address, else an SMS through the unit's SMS provider (its outbox by
default), in the company's language. It carries the event's name, time and place, the check-in code and the
link to the registrant's QR code page.

Each confirmation is claimed by a conditional UPDATE (``queued`` → ``sending`` with the worker's claim), so a
retried task or a second worker never sends it twice; an SMTP server that cannot be reached leaves it queued
with a backoff; a refused address or a provider's refusal fails it with the reason. A claim older than the
lease (a worker that died) is queued again."""

from __future__ import annotations

import contextlib
import secrets
import smtplib
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation

from guanxi.core.jobs import job

from ..messages.models import Channel
from ..messages.providers import provider_for
from ..messages.sending import LEASE, MAX_ATTEMPTS, backoff
from ..messages.services import gateway_of
from .models import Confirmation, ConfirmationStatus, Registration

BATCH = 100
SMS = "marketing/events/confirmation_sms.txt"


def confirmation_queue(registration: Registration) -> Confirmation:
    """Inside the registering transaction: the registration's one confirmation, due now (a second call finds
    the first)."""
    email = registration.email.strip()
    row, _created = Confirmation.objects.get_or_create(
        registration=registration,
        defaults={
            "business_unit_id": registration.event.business_unit_id,
            "channel": Channel.EMAIL if email else Channel.SMS,
            "to": email or registration.mobile,
            "due_at": timezone.now(),
        },
    )
    from .tasks import queue_confirmations

    transaction.on_commit(queue_confirmations)
    return row


@job("marketing_confirm")
def send_due(at: datetime) -> str:
    """Send every confirmation that is due, a batch at a time."""
    Confirmation.objects.filter(status=ConfirmationStatus.SENDING, claimed_at__lt=at - LEASE).update(
        status=ConfirmationStatus.QUEUED, claim=""
    )
    sent = failed = 0
    while True:
        batch = _claim(at)
        if not batch:
            break
        emails = [row for row in batch if row.channel == Channel.EMAIL]
        texts = [row for row in batch if row.channel == Channel.SMS]
        for done, lost in (_send_emails(emails, at), _send_texts(texts, at)):
            sent, failed = sent + done, failed + lost
        Confirmation.objects.bulk_update(
            batch, ["status", "due_at", "claim", "sent_at", "error", "provider_id"], batch_size=BATCH
        )
        if len(batch) < BATCH:
            break
    return f"{sent} confirmations sent, {failed} failed"


def _claim(at: datetime) -> list[Confirmation]:
    token = secrets.token_hex(8)
    with transaction.atomic():
        due = Confirmation.objects.filter(status=ConfirmationStatus.QUEUED, due_at__lte=at).order_by("due_at", "pk")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return []
        Confirmation.objects.filter(pk__in=ids, status=ConfirmationStatus.QUEUED).update(
            status=ConfirmationStatus.SENDING, claim=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    rows = Confirmation.objects.filter(claim=token, status=ConfirmationStatus.SENDING)
    return list(rows.select_related("registration__event").order_by("pk"))


def _retry_or_fail(row: Confirmation, error: str, at: datetime, *, forever: bool = False) -> bool:
    """Queue it again later; after MAX_ATTEMPTS (unless ``forever``) fail it. True if failed."""
    row.error, row.claim = error[:300], ""
    if forever or row.attempts < MAX_ATTEMPTS:
        row.status, row.due_at = ConfirmationStatus.QUEUED, at + backoff(row.attempts)
        return False
    row.status = ConfirmationStatus.FAILED
    return True


def _sent(row: Confirmation, provider_id: str = "") -> None:
    row.status, row.sent_at, row.provider_id, row.error, row.claim = (
        ConfirmationStatus.SENT, timezone.now(), provider_id[:100], "", "",
    )  # fmt: skip


def _facts(registration: Registration) -> dict[str, object]:
    """What both messages say, in the active language."""
    event = registration.event
    page = reverse("marketing:registered", args=[event.key, registration.code])
    return {
        "registration": registration,
        "event": event,
        "when": formats.date_format(timezone.localtime(event.starts_at), "DATETIME_FORMAT"),
        "until": formats.date_format(timezone.localtime(event.ends_at), "DATETIME_FORMAT"),
        "qr_url": settings.SITE_URL + page,
    }


def _email(row: Confirmation) -> EmailMultiAlternatives:
    with translation.override(settings.LANGUAGE_CODE):
        facts = _facts(row.registration)
        subject = " ".join(render_to_string("marketing/events/confirmation_subject.txt", facts).split())
        text = render_to_string("marketing/events/confirmation.txt", facts)
        html = render_to_string("marketing/events/confirmation.html", facts)
    mail = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[row.to])
    mail.attach_alternative(html, "text/html")
    return mail


def _send_emails(rows: list[Confirmation], at: datetime) -> tuple[int, int]:
    if not rows:
        return 0, 0
    try:
        server = get_connection(fail_silently=False)
        server.open()
    except (OSError, smtplib.SMTPException) as error:  # the server is down: everything stays queued
        for row in rows:
            _retry_or_fail(row, f"SMTP: {error}", at, forever=True)
        return 0, 0
    sent = failed = 0
    try:
        for index, row in enumerate(rows):
            try:
                server.send_messages([_email(row)])
            except smtplib.SMTPRecipientsRefused as refused:
                reason = "; ".join(
                    f"{code} {text.decode(errors='replace')}" for code, text in refused.recipients.values()
                )
                row.status, row.error, row.claim = ConfirmationStatus.FAILED, reason[:300] or "refused", ""
                failed += 1
                continue
            except (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as error:
                for rest in rows[index:]:  # the connection broke: this one and the rest wait
                    _retry_or_fail(rest, f"SMTP: {error}", at, forever=True)
                break
            except smtplib.SMTPException as error:
                failed += _retry_or_fail(row, f"SMTP: {error}", at)
                continue
            _sent(row)
            sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            server.close()
    return sent, failed


def _send_texts(rows: list[Confirmation], at: datetime) -> tuple[int, int]:
    sent = failed = 0
    by_unit: dict[int, list[Confirmation]] = {}
    for row in rows:
        by_unit.setdefault(row.business_unit_id, []).append(row)
    for unit, group in by_unit.items():
        signature = gateway_of(unit).signature
        head = f"【{signature}】" if signature else ""  # a service message: no opt-out hint
        with translation.override(settings.LANGUAGE_CODE):
            texts = [
                (row.to, head + " ".join(render_to_string(SMS, _facts(row.registration)).split())) for row in group
            ]
        for row, outcome in zip(group, provider_for(unit).send(texts), strict=True):
            if outcome.ok:
                _sent(row, outcome.provider_id)
                sent += 1
            elif outcome.transient:
                failed += _retry_or_fail(row, outcome.error, at)
            else:
                row.status, row.error, row.claim = ConfirmationStatus.FAILED, outcome.error[:300], ""
                failed += 1
    return sent, failed
