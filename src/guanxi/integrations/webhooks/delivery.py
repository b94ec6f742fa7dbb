"""Sending record events to webhooks (SPEC §13.5), in two sweeps over the database, which is the truth:

1. ``webhooks_dispatch``: each event of the outbox not yet dispatched becomes one delivery per active webhook
   of its unit that chose it, with its body fixed (the record as the API shows it); the event is stamped in
   the same transaction, so a second worker or a re-run never dispatches it twice.
2. ``webhooks_deliver``: due deliveries are claimed by a conditional UPDATE (a lease) and POSTed, signed.
   A 2xx answer delivers; anything else retries with exponential backoff for 24 hours, then gives up. A
   webhook that has failed for 24 hours is paused and its owner told, once.

After a commit that emitted events, the outbox's listener queues the dispatch at once; the periodic task
catches whatever a lost queue message or a stopped worker left behind."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from huey.contrib.djhuey import db_task

from guanxi.core.jobs import job
from guanxi.core.models import OutboxEvent
from guanxi.core.notifications.services import notify
from guanxi.core.texts import Text

from .addresses import url_refusal
from .models import Attempt, Delivery, DeliveryStatus, Subscription
from .payloads import body_of, records_of
from .signing import HEADER, sign

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

BATCH = 500
TIMEOUT_SECONDS, CONNECT_SECONDS = 10.0, 5.0
LEASE = timedelta(seconds=60)
GIVE_UP_AFTER = timedelta(hours=24)
PAUSE_AFTER = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=2)
DUE = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … doubling to at most 2 hours, with up to 10 % jitter so that many deliveries
    failing together do not come back together."""
    wait = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)
    return wait + wait * random.uniform(0, 0.1)


# --- dispatch ------------------------------------------------------------------------------------------


@job("webhooks_dispatch")
def dispatch(at: datetime) -> str:
    """Turn the outbox's new events into deliveries, a batch at a time."""
    total = events = 0
    while True:
        made, seen = _dispatch_batch(at)
        total, events = total + made, events + seen
        if seen < BATCH:
            break
    if total:
        queue_delivery()
    return f"{events} events dispatched into {total} deliveries"


@transaction.atomic
def _dispatch_batch(at: datetime) -> tuple[int, int]:
    waiting = OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("pk")
    if connection.vendor == "postgresql":
        waiting = waiting.select_for_update(skip_locked=True)
    rows = list(waiting[:BATCH])
    if not rows:
        return 0, 0
    ids = [row.pk for row in rows]
    # the claim: only the rows still undispatched are ours (SQLite serialises writers; PostgreSQL locked them)
    OutboxEvent.objects.filter(pk__in=ids, dispatched_at__isnull=True).update(dispatched_at=at)
    units = {row.business_unit_id for row in rows if row.business_unit_id}
    subscriptions = list(Subscription.objects.filter(business_unit_id__in=units, active=True).order_by("pk"))
    targets: list[tuple[OutboxEvent, Subscription]] = []
    for event in rows:
        for subscription in subscriptions:
            if subscription.business_unit_id != event.business_unit_id:
                continue
            if event.event == "webhook.ping":
                if event.data.get("subscription") == subscription.pk:
                    targets.append((event, subscription))
            elif event.event in subscription.events:
                targets.append((event, subscription))
    if not targets:
        return 0, len(rows)
    records = records_of(event for event, _ in targets)
    bodies: dict[int, str] = {}
    deliveries = []
    for event, subscription in targets:
        if event.pk not in bodies:
            bodies[event.pk] = body_of(event, records.get((event.record_type, event.record_id)))
        deliveries.append(
            Delivery(
                subscription=subscription,
                event=event,
                event_code=event.event,
                body=bodies[event.pk],
                created_at=at,
                next_attempt_at=at,
            )
        )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return len(deliveries), len(rows)


# --- delivery ------------------------------------------------------------------------------------------

_client: httpx.Client | None = None


def client() -> httpx.Client:
    """One pooled client per worker process: connections to a receiver are kept alive between deliveries."""
    import httpx  # here, not at import: webhooks are delivered by the queue's workers, not the web processes

    global _client
    if _client is None:
        _client = httpx.Client(
            timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_SECONDS),
            follow_redirects=False,  # a redirect could lead to a private address
            headers={"User-Agent": "Guanxi-Webhooks/1", "Content-Type": "application/json"},
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=20),
            trust_env=False,
        )
    return _client


@job("webhooks_deliver")
def deliver(at: datetime) -> str:
    """Send the deliveries due at ``at``, a leased batch at a time: the POSTs one after another on kept-alive
    connections, their outcomes written together (a few statements per batch)."""
    sent = failed = 0
    while ids := _claim(at):
        rows = list(Delivery.objects.filter(pk__in=ids).select_related("subscription__owner", "event").order_by("pk"))
        refusals: dict[int, str] = {}
        outcomes = []
        for delivery in rows:
            subscription = delivery.subscription
            if subscription.pk not in refusals:  # the address checked once per webhook and batch
                refusals[subscription.pk] = url_refusal(subscription.url, unit_id=subscription.business_unit_id)
            outcomes.append(_post(delivery, refusals[subscription.pk]))
        _record(outcomes, at)
        sent += sum(1 for outcome in outcomes if outcome.ok)
        failed += sum(1 for outcome in outcomes if not outcome.ok)
        if timezone.now() - at > LEASE / 2:  # a long run: act as of now, so the lease stays ahead of us
            at = timezone.now()
    return f"{sent} deliveries delivered, {failed} failed"


def _claim(at: datetime, size: int = 100) -> list[int]:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=at)
    due = Delivery.objects.filter(DUE, free, next_attempt_at__lte=at, subscription__active=True)
    with transaction.atomic():
        candidates = due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates[:size])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).filter(DUE, free).update(claimed_until=at + LEASE)
    return list(Delivery.objects.filter(pk__in=ids, claimed_until=at + LEASE).values_list("pk", flat=True))


@dataclass
class Outcome:
    delivery: Delivery
    status_code: int | None
    error: str
    duration_ms: int
    response: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(delivery: Delivery, refusal: str) -> Outcome:
    """POST one delivery, signed; never raises for the receiver's failures."""
    if refusal:
        return Outcome(delivery, None, refusal[:300], 0, "")
    subscription = delivery.subscription
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        HEADER: sign(subscription.secret, timestamp, body),
        "X-Guanxi-Event": delivery.event_code,
        "X-Guanxi-Delivery": str(delivery.pk),
        "Idempotency-Key": str(delivery.event.key),
    }
    started = time.monotonic()
    import httpx

    try:
        response = client().post(subscription.url, content=body, headers=headers)
    except httpx.HTTPError as problem:
        duration = int((time.monotonic() - started) * 1000)
        return Outcome(delivery, None, (f"{type(problem).__name__}: {problem}")[:300], duration, "")
    duration = int((time.monotonic() - started) * 1000)
    code = response.status_code
    return Outcome(delivery, code, "" if 200 <= code < 300 else f"HTTP {code}", duration, response.text[:500])


@transaction.atomic
def _record(outcomes: list[Outcome], at: datetime) -> None:
    Attempt.objects.bulk_create(
        Attempt(
            delivery=outcome.delivery, at=at, status_code=outcome.status_code, error=outcome.error,
            duration_ms=outcome.duration_ms, response=outcome.response,
        )
        for outcome in outcomes
    )  # fmt: skip
    by_code: dict[int, list[int]] = {}
    for outcome in outcomes:
        if outcome.ok:
            by_code.setdefault(outcome.status_code or 0, []).append(outcome.delivery.pk)
    for code, ids in by_code.items():
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.DELIVERED, delivered_at=at, next_attempt_at=None, attempts=F("attempts") + 1,
            last_status_code=code, last_error="", claimed_until=None,
        )  # fmt: skip
    working = {outcome.delivery.subscription_id for outcome in outcomes if outcome.ok}
    if working:
        Subscription.objects.filter(pk__in=working, failing_since__isnull=False).update(failing_since=None)
    failing: dict[int, Outcome] = {}
    for outcome in outcomes:
        if outcome.ok:
            continue
        delivery = outcome.delivery
        values: dict[str, Any] = {
            "attempts": F("attempts") + 1, "last_status_code": outcome.status_code, "last_error": outcome.error,
            "claimed_until": None,
        }  # fmt: skip
        if at - delivery.created_at >= GIVE_UP_AFTER:
            values |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        else:
            values |= {"status": DeliveryStatus.RETRYING, "next_attempt_at": at + backoff(delivery.attempts + 1)}
        Delivery.objects.filter(pk=delivery.pk).update(**values)
        failing[delivery.subscription_id] = outcome
    for outcome in failing.values():
        _failed(outcome.delivery.subscription, at, outcome.error)


def _failed(subscription: Subscription, at: datetime, error: str) -> None:
    Subscription.objects.filter(pk=subscription.pk, failing_since__isnull=True).update(failing_since=at)
    # the pause: a conditional UPDATE, so only one failing attempt pauses it and tells the owner
    paused = Subscription.objects.filter(pk=subscription.pk, active=True, failing_since__lte=at - PAUSE_AFTER).update(
        active=False, paused_at=at
    )
    if paused:
        notify(
            recipients=[subscription.owner],
            kind="webhook_paused",
            title=Text(gettext_noop("Webhook {name} paused"), name=subscription.name),
            body=Text(
                gettext_noop(
                    "Deliveries to {url} failed for 24 hours ({error}). Fix the receiver, then turn it on again."
                ),
                url=subscription.url,
                error=error,
            ),
            url=subscription.get_absolute_url(),
            obj=subscription,
        )


# --- the queue -----------------------------------------------------------------------------------------


@db_task()
def dispatch_task() -> None:
    dispatch(timezone.now())


@db_task()
def deliver_task() -> None:
    deliver(timezone.now())


def queue_dispatch() -> None:
    """The outbox's listener: dispatch now rather than at the next periodic sweep."""
    dispatch_task()


def queue_delivery() -> None:
    transaction.on_commit(deliver_task)


# --- pruning ---------------------------------------------------------------------------------------------

KEEP_DAYS = "webhooks.keep_days"
PRUNE_BATCH = 5_000


@job("webhooks_prune")
def prune(at: datetime) -> str:
    """Forget what is settled and older than each unit's ``webhooks.keep_days``: delivered or abandoned
    deliveries with their attempts, then the dispatched events no delivery still waits for. Nothing pending
    or retrying is touched, and a batch at a time keeps each lock short."""
    from guanxi.core.config.parameters import parameter_value
    from guanxi.org.models import BusinessUnit

    settled = ~DUE
    deliveries = events = 0
    for unit_id in [None, *BusinessUnit.objects.values_list("pk", flat=True)]:
        cutoff = at - timedelta(days=parameter_value(KEEP_DAYS, unit=unit_id))
        old = Delivery.objects.filter(settled, subscription__business_unit_id=unit_id, created_at__lt=cutoff)
        deliveries += _delete_in_batches(old)
        waited_for = Delivery.objects.filter(DUE, event=OuterRef("pk"))
        done = OutboxEvent.objects.filter(business_unit_id=unit_id, dispatched_at__lt=cutoff).exclude(
            Exists(waited_for)
        )
        events += _delete_in_batches(done)
    return f"{deliveries} deliveries and {events} events pruned"


def _delete_in_batches(rows: Any) -> int:
    removed = 0
    while ids := list(rows.order_by("pk").values_list("pk", flat=True)[:PRUNE_BATCH]):
        with transaction.atomic():
            removed += rows.model.objects.filter(pk__in=ids).delete()[1].get(rows.model._meta.label, 0)
    return removed
