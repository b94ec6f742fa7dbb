"""The event outbox: services write their record events in their own transaction (SPEC §13.5)."""

import pytest
from django.db import transaction

from guanxi.core.models import OutboxEvent
from guanxi.core.outbox import emit
from guanxi.customers.services import customer_update
from guanxi.pool.services import customer_claim, customer_return
from guanxi.sales import services as sales_services
from tests.conftest import World, grant
from tests.customers.test_services import register
from tests.pool.pool_helpers import PoolWorld, in_pool
from tests.sales.conftest import open_opportunity
from tests.sales.contracting import signed


def events(record: object) -> list[str]:
    return list(
        OutboxEvent.objects.filter(record_id=record.pk).order_by("pk").values_list("event", flat=True)  # type: ignore[attr-defined]
    )


def test_registering_and_editing_a_customer_writes_its_events_with_unit_actor_and_fields(world: World) -> None:
    grant(world.alice, "salesperson")
    customer = register(world.alice)
    customer_update(actor=world.alice, customer=customer, version=customer.version, data={"remarks": "大客户"})
    rows = list(OutboxEvent.objects.filter(record_type="customers.customer", record_id=customer.pk).order_by("pk"))
    assert [row.event for row in rows] == ["customer.created", "customer.updated"]
    assert {(row.business_unit_id, row.actor_id) for row in rows} == {(world.unit.pk, world.alice.pk)}
    assert rows[1].data == {"fields": ["remarks"]}
    assert rows[0].key != rows[1].key and rows[0].dispatched_at is None


def test_a_rolled_back_change_leaves_no_event(world: World) -> None:
    grant(world.alice, "salesperson")
    with pytest.raises(RuntimeError), transaction.atomic():
        register(world.alice)
        assert OutboxEvent.objects.filter(event="customer.created").count() == 1
        raise RuntimeError("the caller fails after the service")
    assert not OutboxEvent.objects.exists()


def test_an_unknown_event_code_is_refused(world: World) -> None:
    with pytest.raises(LookupError):
        emit("customer.teleported", world.unit)


@pytest.mark.django_db
def test_claiming_and_returning_a_pool_customer_emit_their_events() -> None:
    pool = PoolWorld()
    customer = in_pool(pool)
    OutboxEvent.objects.all().delete()
    customer_claim(actor=pool.alice, customer=customer)
    customer.refresh_from_db()
    customer_return(actor=pool.alice, customer=customer, reason="no_need")
    assert events(customer) == ["customer.claimed", "customer.returned"]
    assert OutboxEvent.objects.get(event="customer.returned").data == {"reason": "no_need"}


def test_winning_losing_and_signing_emit_their_events(world: World) -> None:
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    grant(world.root)
    won = open_opportunity(world.alice)
    sales_services.opportunity_win(actor=world.alice, opportunity=won)
    lost = open_opportunity(world.alice, name="MES 项目")
    sales_services.opportunity_lose(actor=world.alice, opportunity=lost, reason="price")
    assert events(won)[-1:] == ["opportunity.won"] and events(lost)[-1:] == ["opportunity.lost"]
    contract = signed(world.alice, world.bob, won.customer)
    assert OutboxEvent.objects.filter(event="contract.signed", record_id=contract.pk).exists()
