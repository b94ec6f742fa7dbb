"""A send, in two steps over the database, which is the truth (DESIGN §Background work):

1. **plan**: the campaign's members become deliveries, each with the address compared as ``person``.
   Left out and counted: no address on the channel, do-not-contact, opted out, hard-bounced before (an
   opt-out of reason ``bounced``, ``bounces.py``), past the weekly cap, and the
   same material already sent to that person in this campaign (the unique constraint on campaign, template
   and person decides, so a re-run or a second worker inserts nothing twice). An SMS planned in the quiet
   hours (21:00–08:00 company time) is due at 08:00.
2. **deliver** (the sweep ``marketing_deliver``): due deliveries are claimed a batch at a time by one
   conditional UPDATE (``status = queued`` → ``sending`` with the worker's claim), so two workers never take
   the same one; each is sent through SMTP or the unit's SMS provider. An SMTP server that cannot be
   reached leaves the batch queued with a backoff (never failed, never lost); a refusal of one recipient
   fails that delivery with the reason; other errors are retried with backoff, then failed. A claim older
   than the lease (a worker that died) is queued again."""

from __future__ import annotations

import contextlib
import random
import re
import secrets
import smtplib
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from guanxi.core.config.parameters import parameter_value
from guanxi.core.jobs import job

from ..campaigns.models import CampaignMember
from . import context as contexts
from . import rendering
from .models import Channel, Delivery, DeliveryStatus, Message, OptOut, OptOutReason, SendStatus
from .providers import provider_for
from .services import address_of, gateway_of

BATCH = 500
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
CLICK_SALT = "guanxi.marketing.click"
DELIVERY_HEADER = "X-Guanxi-Delivery"  # which delivery a bounce message is about (its original headers)
LIVE = [DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT]


def backoff(attempts: int) -> timedelta:
    wait = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)
    return wait + wait * random.uniform(0, 0.1)


def quiet_until(at: datetime) -> datetime | None:
    """The morning an SMS at ``at`` must wait for, or None outside the quiet hours (company time)."""
    local = timezone.localtime(at)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, QUIET_UNTIL), timezone.get_current_timezone())


# --- plan --------------------------------------------------------------------------------------------


def _suppressed(unit: int, channel: str) -> tuple[dict[str, str], set[tuple[str, int]]]:
    """The unit's addresses that receive nothing on the channel (→ why: opted out, or a hard bounce) and the
    customers, contacts and leads not to contact."""
    rows = OptOut.objects.filter(business_unit_id=unit)
    addresses = dict(rows.filter(~Q(address=""), channel__in=[channel, ""]).values_list("address", "reason"))
    people: set[tuple[str, int]] = set()
    for customer, contact, lead in rows.filter(address="").values_list("customer_id", "contact_id", "lead_id"):
        people |= {("customer", customer)} if customer else set()
        people |= {("contact", contact)} if contact else set()
        people |= {("lead", lead)} if lead else set()
    return addresses, people


def _capped(unit: int, channel: str, at: datetime) -> set[str]:
    cap = parameter_value("marketing.weekly_cap", unit=unit)
    recent = Delivery.objects.filter(
        business_unit_id=unit, channel=channel, status__in=LIVE, due_at__gte=at - timedelta(days=7)
    )
    counted = recent.values("person").annotate(n=Count("pk")).filter(n__gte=cap).order_by()
    return set(counted.values_list("person", flat=True))


INSERT_ROWS = 5000


def _insert_deliveries(common: tuple[Any, ...], rows: list[tuple[int, str, str]]) -> None:
    """Insert planned deliveries (``common``: the values they share; ``rows``: member, person, token), leaving
    out any a concurrent send of the same material already inserted (the unique constraint on campaign,
    template and person decides). ``bulk_create`` of 200,000 model instances spent more time building and
    preparing them than the database spent storing them."""
    table, quote = Delivery._meta.db_table, connection.ops.quote_name
    shared = ("message_id", "campaign_id", "template_id", "business_unit_id", "channel", "status", "due_at",
              "attempts", "claim", "error", "provider_id")  # fmt: skip
    common = (*common, 0, "", "", "")
    columns = ", ".join(quote(name) for name in (*shared, "member_id", "person", "token"))
    placeholders = ", ".join(["%s"] * len(shared))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the varying values as three arrays: one short statement
            members, people, tokens = (list(column) for column in zip(*rows, strict=True))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {placeholders}, m, p, t "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(m, p, t) ON CONFLICT DO NOTHING",
                [*common, members, people, tokens],
            )
            return
        per_statement = (connection.features.max_query_params or 999) // (len(shared) + 3)
        one = f"({placeholders}, %s, %s, %s)"
        for start in range(0, len(rows), per_statement):
            some = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(some))} ON CONFLICT DO NOTHING",
                [value for row in some for value in (*common, *row)],
            )


def plan(message_id: int, *, at: datetime) -> int:
    """Plan one send's deliveries; returns how many were planned (0 when another worker has it)."""
    now = timezone.now()
    claimed = Message.objects.filter(
        Q(planned_at__isnull=True) | Q(planned_at__lt=now - LEASE), pk=message_id, status=SendStatus.PLANNING
    ).update(planned_at=now)
    if not claimed:
        return 0
    message = Message.objects.select_related("campaign", "template").get(pk=message_id)
    unit, channel = message.business_unit_id, message.channel
    addresses, people = _suppressed(unit, channel)
    capped = _capped(unit, channel, at)
    sent = set(
        Delivery.objects.filter(campaign=message.campaign, template=message.template).values_list("person", flat=True)
    )
    due = (quiet_until(at) or at) if channel == Channel.SMS else at
    skipped: dict[str, int] = defaultdict(int)
    chunk: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    members = CampaignMember.objects.filter(campaign=message.campaign).order_by("pk")
    fields = ("pk", "customer_id", "contact_id", "lead_id", "email", "mobile")
    common = (
        message.pk, message.campaign_id, message.template_id, unit, channel, DeliveryStatus.QUEUED,
        connection.ops.adapt_datetimefield_value(due),
    )  # fmt: skip
    for pk, customer, contact, lead, email, mobile in members.values_list(*fields).iterator(chunk_size=5000):
        person = address_of(channel, email if channel == Channel.EMAIL else mobile)
        if not person:
            skipped["no_address"] += 1
        elif (
            ("contact", contact) in people
            or ("lead", lead) in people
            or (not contact and ("customer", customer) in people)
        ):
            skipped["do_not_contact"] += 1
        elif person in addresses:
            skipped["bounced" if addresses[person] == OptOutReason.BOUNCED else "opted_out"] += 1
        elif person in sent or person in seen:
            skipped["duplicate"] += 1
        elif person in capped:
            skipped["frequency_cap"] += 1
        else:
            seen.add(person)
            chunk.append((pk, person, secrets.token_urlsafe(16)))
            if len(chunk) >= INSERT_ROWS:
                _insert_deliveries(common, chunk)
                chunk = []
    if chunk:
        _insert_deliveries(common, chunk)
    planned = Delivery.objects.filter(message=message).count()
    skipped["duplicate"] += len(seen) - planned  # lost to a concurrent send of the same material
    Message.objects.filter(pk=message.pk).update(
        status=SendStatus.SENDING if planned else SendStatus.DONE, recipients=planned,
        skipped={key: value for key, value in skipped.items() if value}, finished_at=None if planned else now,
        updated_at=now,
    )  # fmt: skip
    return planned


# --- deliver -----------------------------------------------------------------------------------------


@job("marketing_deliver")
def deliver(at: datetime) -> str:
    """Send every due delivery, a batch at a time."""
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=at - LEASE).update(
        status=DeliveryStatus.QUEUED, claim=""
    )
    sent = failed = 0
    while True:
        batch = _claim(at)
        if not batch:
            break
        done, lost = _send(batch, at)
        sent, failed = sent + done, failed + lost
        _finish({row.message_id for row in batch})
        if len(batch) < BATCH:
            break
    return f"{sent} messages sent, {failed} failed"


@job("marketing_plan")
def plan_due(at: datetime) -> str:
    """Sends whose planning was lost (a queue message dropped, a worker stopped)."""
    waiting = Message.objects.filter(
        Q(planned_at__isnull=True) | Q(planned_at__lt=at - LEASE), status=SendStatus.PLANNING
    )
    count = sum(1 for pk in waiting.values_list("pk", flat=True) if plan(pk, at=at))
    return f"{count} sends planned"


def _claim(at: datetime) -> list[Delivery]:
    token = secrets.token_hex(8)
    with transaction.atomic():
        due = Delivery.objects.filter(status=DeliveryStatus.QUEUED, due_at__lte=at).order_by("due_at", "pk")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, claim=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    rows = Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING).select_related("member")
    return list(rows.order_by("pk"))


def _finish(message_ids: set[int]) -> None:
    open_rows = Delivery.objects.filter(
        message=OuterRef("pk"), status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    )
    Message.objects.filter(pk__in=message_ids, status=SendStatus.SENDING).exclude(Exists(open_rows)).update(
        status=SendStatus.DONE, finished_at=timezone.now()
    )


def _send(batch: list[Delivery], at: datetime) -> tuple[int, int]:
    by_message: dict[int, list[Delivery]] = defaultdict(list)
    for row in batch:
        by_message[row.message_id].append(row)
    sent = failed = 0
    for message_id, rows in by_message.items():
        message = Message.objects.select_related("campaign__owner", "template").get(pk=message_id)
        rows = _still_wanted(message, rows, at)
        if not rows:
            continue
        members = [row.member for row in rows if row.member is not None]
        values = contexts.for_members(
            members, campaign=message.campaign, tokens={row.member_id: row.token for row in rows if row.member_id}
        )
        if message.channel == Channel.SMS:
            done, lost = _send_sms(message, rows, values, at)
        else:
            done, lost = _send_email(message, rows, values, at)
        sent, failed = sent + done, failed + lost
    return sent, failed


def _still_wanted(message: Message, rows: list[Delivery], at: datetime) -> list[Delivery]:
    """Leave out whoever opted out since the plan; an SMS in the quiet hours waits for the morning."""
    if message.channel == Channel.SMS and (morning := quiet_until(at)) is not None:
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=DeliveryStatus.QUEUED, due_at=morning, claim="", attempts=F("attempts") - 1
        )
        return []
    gone = set(
        OptOut.objects.filter(
            business_unit_id=message.business_unit_id,
            address__in=[row.person for row in rows],
            channel__in=[message.channel, ""],
        ).values_list("address", flat=True)
    )
    if gone:
        dropped = [row.pk for row in rows if row.person in gone]
        Delivery.objects.filter(pk__in=dropped).update(
            status=DeliveryStatus.FAILED, error="opted out before sending", claim=""
        )
    return [row for row in rows if row.person not in gone]


def _save(rows: list[Delivery]) -> None:
    """Write the batch's outcomes: one UPDATE per set of rows that ended the same way, and the provider's ids
    (one per row) through ``bulk_update`` (its CASE over six fields cost more than the sending itself)."""
    ended: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for row in rows:
        ended[(row.status, row.sent_at, row.error, row.due_at, row.claim)].append(row.pk)
    for (status, sent_at, error, due_at, claim), pks in ended.items():
        Delivery.objects.filter(pk__in=pks).update(
            status=status, sent_at=sent_at, error=error, due_at=due_at, claim=claim
        )
    Delivery.objects.bulk_update([row for row in rows if row.provider_id], ["provider_id"], batch_size=500)


def _retry_or_fail(row: Delivery, error: str, at: datetime, *, forever: bool = False) -> bool:
    """Queue the delivery again later; after MAX_ATTEMPTS (unless ``forever``) fail it. True if failed."""
    row.error, row.claim = error[:300], ""
    if forever or row.attempts < MAX_ATTEMPTS:
        row.status, row.due_at = DeliveryStatus.QUEUED, at + backoff(row.attempts)
        return False
    row.status = DeliveryStatus.FAILED
    return True


def _send_sms(
    message: Message, rows: list[Delivery], values: dict[int, dict[str, Any]], at: datetime
) -> tuple[int, int]:
    signature = gateway_of(message.business_unit_id).signature
    texts, ready = [], []
    failed = 0
    for row in rows:
        text = rendering.sms_text(
            rendering.render(message.template.body, values.get(row.member_id or 0, rendering.SAMPLE)), signature
        )
        if rendering.segments(text).parts > rendering.MAX_SEGMENTS:
            row.status, row.error, row.claim = DeliveryStatus.FAILED, "longer than 10 SMS segments", ""
            failed += 1
            continue
        texts.append((row.person, text))
        ready.append(row)
    outcomes = provider_for(message.business_unit_id).send(texts) if texts else []
    now = timezone.now()
    sent = 0
    for row, outcome in zip(ready, outcomes, strict=True):
        if outcome.ok:
            row.status, row.sent_at, row.provider_id, row.error, row.claim = (
                DeliveryStatus.SENT,
                now,
                outcome.provider_id,
                "",
                "",
            )
            sent += 1
        elif outcome.transient:
            failed += _retry_or_fail(row, outcome.error, at)
        else:
            row.status, row.error, row.claim = DeliveryStatus.FAILED, outcome.error[:300], ""
            failed += 1
    _save(rows)
    return sent, failed


LINK = re.compile(r'(<a\s[^>]*href=")(https?://[^"]+)(")', re.I)


def click_signed(token: str, url: str) -> str:
    return signing.dumps({"d": token, "u": url}, salt=CLICK_SALT, compress=True)


def click_url(token: str, url: str) -> str:
    return settings.SITE_URL + reverse("marketing:click", args=[click_signed(token, url)])


def _email(message: Message, row: Delivery, values: dict[str, Any], track: bool) -> EmailMultiAlternatives:
    subject = " ".join(rendering.render(message.template.subject, values).split())
    body = rendering.render(message.template.body, values, as_html=True)
    text = rendering.text_of(body)
    unsubscribe = contexts.unsubscribe_url(row.token)
    if track:
        body = LINK.sub(
            lambda m: (
                m.group(1)
                + (m.group(2) if m.group(2) == unsubscribe else click_url(row.token, m.group(2)))
                + m.group(3)
            ),
            body,
        )
        pixel = settings.SITE_URL + reverse("marketing:opened", args=[row.token])
        body += f'<img src="{pixel}" width="1" height="1" alt="">'
    mail = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[row.person],
        reply_to=[message.campaign.owner.email] if message.campaign.owner.email else None,
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 DELIVERY_HEADER: row.token},
    )  # fmt: skip
    mail.attach_alternative(f"<!DOCTYPE html><html><body>{body}</body></html>", "text/html")
    return mail


def _send_email(
    message: Message, rows: list[Delivery], values: dict[int, dict[str, Any]], at: datetime
) -> tuple[int, int]:
    track = bool(parameter_value("marketing.track_opens", unit=message.business_unit_id))
    sent = failed = 0
    try:
        server = get_connection(fail_silently=False)
        server.open()
    except (OSError, smtplib.SMTPException) as error:  # the server is down: everything stays queued
        for row in rows:
            _retry_or_fail(row, f"SMTP: {error}", at, forever=True)
        _save(rows)
        return 0, 0
    try:
        for index, row in enumerate(rows):
            try:
                server.send_messages([_email(message, row, values.get(row.member_id or 0, rendering.SAMPLE), track)])
            except smtplib.SMTPRecipientsRefused as refused:
                reason = "; ".join(
                    f"{code} {text.decode(errors='replace')}" for code, text in refused.recipients.values()
                )
                row.status, row.error, row.claim = DeliveryStatus.FAILED, reason[:300] or "refused", ""
                failed += 1
                continue
            except (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as error:
                for rest in rows[index:]:  # the connection broke: this one and the rest wait
                    _retry_or_fail(rest, f"SMTP: {error}", at, forever=True)
                break
            except smtplib.SMTPException as error:
                failed += _retry_or_fail(row, f"SMTP: {error}", at)
                continue
            row.status, row.sent_at, row.error, row.claim = DeliveryStatus.SENT, timezone.now(), "", ""
            sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            server.close()
    _save(rows)
    return sent, failed
