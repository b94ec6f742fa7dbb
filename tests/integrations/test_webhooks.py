"""Webhooks (SPEC §13.5) against a real local HTTP receiver: events from the outbox, signed bodies, retries
with backoff, the pause after 24 hours, the refusal of private addresses, and a rollback that sends nothing."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from guanxi.core.errors import NotPermitted
from guanxi.core.jobs import run_job
from guanxi.core.models import Notification, OutboxEvent
from guanxi.integrations.webhooks import services
from guanxi.integrations.webhooks.delivery import backoff
from guanxi.integrations.webhooks.models import Delivery, DeliveryStatus, Subscription
from guanxi.integrations.webhooks.signing import HEADER, verify
from tests.conftest import TwoUnits
from tests.pool.pool_helpers import registered as register

from .conftest import allow_private
from .receiver import Receiver


def hook(world: TwoUnits, url: str, events: list[str] | None = None) -> Subscription:
    allow_private(world.unit)
    return services.webhook_create(
        actor=world.ada, data={"name": "ERP", "url": url, "events": events or ["customer.created"]}
    )


def flush(at: object = None) -> None:
    run_job("webhooks_dispatch", at=at)  # type: ignore[arg-type]
    run_job("webhooks_deliver", at=at)  # type: ignore[arg-type]


def test_a_customer_registered_reaches_the_webhook_signed_with_the_record_as_the_api_shows_it(
    two_units: TwoUnits, hook_receiver: Receiver
) -> None:
    subscription = hook(two_units, hook_receiver.url)
    customer = register(two_units.alice, "杭州西湖茶叶有限公司")
    flush()
    [received] = hook_receiver.requests
    body = received.json
    assert (body["event"], body["record_type"], body["record_id"]) == (
        "customer.created",
        "customers.customer",
        customer.pk,
    )
    assert body["record"]["name"] == "杭州西湖茶叶有限公司" and body["record"]["number"] == customer.number
    assert body["business_unit"] == two_units.unit.pk and body["actor"] == two_units.alice.pk
    event = OutboxEvent.objects.get(event="customer.created", record_id=customer.pk)
    assert body["id"] == str(event.key) == received.headers["Idempotency-Key"]
    assert received.headers["X-Guanxi-Event"] == "customer.created"
    assert verify(subscription.secret, received.headers[HEADER], received.body, now=int(time.time()))
    assert not verify("whsec_wrong", received.headers[HEADER], received.body, now=int(time.time()))
    assert not verify(subscription.secret, received.headers[HEADER], received.body + b" ", now=int(time.time()))
    assert not verify(subscription.secret, received.headers[HEADER], received.body, now=int(time.time()) + 3600)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    flush()  # a second run finds nothing to do
    assert len(hook_receiver.requests) == 1 and Delivery.objects.count() == 1


def test_a_rolled_back_change_sends_nothing(two_units: TwoUnits, hook_receiver: Receiver) -> None:
    hook(two_units, hook_receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        register(two_units.alice, "回滚的客户有限公司")
        raise RuntimeError("the request fails after the service")
    flush()
    assert hook_receiver.requests == [] and not Delivery.objects.exists()


def test_events_of_another_unit_unchosen_events_and_a_turned_off_webhook_send_nothing(
    two_units: TwoUnits, hook_receiver: Receiver
) -> None:
    claimed_only = hook(two_units, hook_receiver.url, ["customer.claimed"])
    register(two_units.bella, "杭州本地客户有限公司")  # unit B
    register(two_units.alice, "上海某客户有限公司")  # unit A, but the webhook wants claims only
    flush()
    off = hook(two_units, hook_receiver.url, ["customer.created"])
    services.webhook_update(actor=two_units.ada, subscription=off, version=off.version, data={"active": False})
    register(two_units.alice, "又一家客户有限公司")
    flush()
    assert hook_receiver.requests == [] and claimed_only.deliveries.count() == 0


def test_a_failing_receiver_is_retried_with_growing_waits_and_the_log_keeps_each_status_code(
    two_units: TwoUnits, hook_receiver: Receiver
) -> None:
    hook(two_units, hook_receiver.url)
    hook_receiver.statuses = [500, 503]
    register(two_units.alice)
    start = timezone.now()
    flush(start)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.RETRYING, 500)
    assert delivery.next_attempt_at is not None
    assert timedelta(seconds=30) <= delivery.next_attempt_at - start <= timedelta(seconds=33)
    flush(start + timedelta(seconds=10))  # not due yet
    assert len(hook_receiver.requests) == 1
    flush(delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None
    assert delivery.last_status_code == 503 and delivery.next_attempt_at - start >= timedelta(seconds=90)
    flush(delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
    assert [a.status_code for a in delivery.tries.order_by("at")] == [500, 503, 200]
    keys = {request.headers["Idempotency-Key"] for request in hook_receiver.requests}
    assert len(keys) == 1 and len({request.body for request in hook_receiver.requests}) == 1
    assert [backoff(n) >= timedelta(seconds=30 * 2 ** (n - 1)) for n in (1, 2, 3)] == [True] * 3
    assert backoff(20) <= timedelta(hours=2, minutes=12)


def test_a_webhook_failing_for_24_hours_is_paused_its_owner_told_once_and_redelivery_works_again(
    two_units: TwoUnits, hook_receiver: Receiver
) -> None:
    subscription = hook(two_units, hook_receiver.url)
    hook_receiver.status = 500
    register(two_units.alice)
    start = timezone.now()
    flush(start)
    at = start
    for hours in (6, 12, 23):
        at = start + timedelta(hours=hours)
        flush(at)
    subscription.refresh_from_db()
    assert subscription.active and subscription.failing_since == start
    flush(start + timedelta(hours=24, minutes=1))
    subscription.refresh_from_db()
    delivery = Delivery.objects.get()
    assert not subscription.active and subscription.paused_at is not None
    assert delivery.status == DeliveryStatus.FAILED
    [notice] = Notification.objects.filter(recipient=two_units.ada, kind="webhook_paused")
    flush(start + timedelta(hours=30))  # paused: nothing more is sent, nobody told twice
    assert Notification.objects.filter(kind="webhook_paused").count() == 1
    hook_receiver.status = 200
    services.webhook_update(
        actor=two_units.ada, subscription=subscription, version=subscription.version, data={"active": True}
    )
    services.delivery_redeliver(actor=two_units.ada, delivery=delivery)
    run_job("webhooks_deliver")
    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and subscription.failing_since is None
    assert "ERP" in notice.title


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://192.168.1.9/", "http://[::1]/"]
)
def test_a_private_address_is_refused_unless_the_units_administrator_allows_it(two_units: TwoUnits, url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(actor=two_units.ada, data={"name": "内网", "url": url, "events": ["customer.created"]})
    assert "private" in refused.value.message_dict["url"][0]
    allow_private(two_units.unit)
    assert services.webhook_create(
        actor=two_units.ada, data={"name": "内网", "url": url, "events": ["order.confirmed"]}
    )


def test_a_delivery_to_an_address_that_became_private_is_refused_without_a_request(
    two_units: TwoUnits, hook_receiver: Receiver
) -> None:
    hook(two_units, hook_receiver.url)
    allow_private(two_units.unit, False)
    register(two_units.alice)
    flush()
    delivery = Delivery.objects.get()
    assert hook_receiver.requests == [] and "private" in delivery.last_error
    assert delivery.status == DeliveryStatus.RETRYING


def test_bad_input_is_refused_by_field_and_a_unit_admin_configures_only_their_unit(two_units: TwoUnits) -> None:
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(actor=two_units.ada, data={"name": "", "url": "ftp://x", "events": ["customer.eaten"]})
    assert set(refused.value.message_dict) == {"name", "url", "events"}
    with pytest.raises(NotPermitted):
        services.webhook_create(
            actor=two_units.ben,
            data={"name": "x", "url": "https://example.com/", "events": ["customer.created"]},
            unit=two_units.unit,
        )
    allow_private(two_units.unit)
    mine = services.webhook_create(
        actor=two_units.ada, data={"name": "x", "url": "http://127.0.0.1/", "events": ["customer.created"]}
    )
    with pytest.raises(NotPermitted):
        services.webhook_update(actor=two_units.ben, subscription=mine, version=mine.version, data={"active": False})
    assert not Subscription.objects.visible_to(two_units.ben).exists()
    assert Subscription.objects.visible_to(two_units.gina).count() == 1
    assert not Subscription.objects.filter(name="").exists()


def test_the_ping_reaches_only_its_webhook(two_units: TwoUnits, hook_receiver: Receiver) -> None:
    first = hook(two_units, hook_receiver.url)
    hook(two_units, hook_receiver.url + "/other")
    services.webhook_ping(actor=two_units.ada, subscription=first)
    flush()
    [received] = hook_receiver.requests
    assert received.json["event"] == "webhook.ping" and received.json["data"] == {"subscription": first.pk}


def test_the_nightly_prune_forgets_settled_deliveries_and_their_events_after_the_units_days(
    two_units: TwoUnits, hook_receiver: Receiver
) -> None:
    from guanxi.core.config.parameters import parameters_set

    hook(two_units, hook_receiver.url)
    hook_receiver.statuses = [200, 500]
    register(two_units.alice, "宁波港口机械有限公司")
    register(two_units.alice, "温州眼镜制造有限公司")
    now = timezone.now()
    flush(now)
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["delivered", "retrying"]
    assert run_job("webhooks_prune", at=now + timedelta(days=29)) == "0 deliveries and 0 events pruned"
    assert run_job("webhooks_prune", at=now + timedelta(days=31)) == "1 deliveries and 1 events pruned"
    [kept] = Delivery.objects.all()  # still retrying: neither it nor its event goes
    assert kept.status == DeliveryStatus.RETRYING and OutboxEvent.objects.filter(pk=kept.event_id).exists()
    assert kept.tries.count() == 1
    parameters_set(actor=two_units.ada, unit=two_units.unit, values={"webhooks.keep_days": 90})
    kept.status = DeliveryStatus.FAILED
    kept.save()
    assert run_job("webhooks_prune", at=now + timedelta(days=60)).startswith("0 deliveries")
    assert run_job("webhooks_prune", at=now + timedelta(days=91)).startswith("1 deliveries")
    assert not Delivery.objects.exists()
