from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.core.models import AuditEntry
from guanxi.customers.models import Lifecycle
from guanxi.customers.services import customer_followed_up
from guanxi.pool.lifecycle import Event, customer_lifecycle_event, status_after
from tests.conftest import World, grant
from tests.customers.test_services import register

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "event", "expected"),
    [
        (Lifecycle.POOL, Event.CLAIMED, Lifecycle.POTENTIAL),
        (Lifecycle.POOL, Event.ASSIGNED, Lifecycle.POTENTIAL),
        (Lifecycle.WON, Event.RETURNED, Lifecycle.POOL),
        (Lifecycle.POTENTIAL, Event.OPPORTUNITY_OPENED, Lifecycle.OPPORTUNITY),
        (Lifecycle.WON, Event.OPPORTUNITY_OPENED, Lifecycle.WON),
        (Lifecycle.OPPORTUNITY, Event.OPPORTUNITY_CLOSED, Lifecycle.POTENTIAL),
        (Lifecycle.WON, Event.OPPORTUNITY_CLOSED, Lifecycle.WON),
        (Lifecycle.OPPORTUNITY, Event.OPPORTUNITY_WON, Lifecycle.WON),
        (Lifecycle.POTENTIAL, Event.FIRST_ORDER, Lifecycle.WON),
        (Lifecycle.CHURNED, Event.FIRST_ORDER, Lifecycle.WON),
        (Lifecycle.WON, Event.CHURN_CONFIRMED, Lifecycle.CHURNED),
        (Lifecycle.POOL, Event.CHURN_CONFIRMED, Lifecycle.POOL),
    ],
)
def test_transitions(status: str, event: str, expected: str) -> None:
    assert status_after(status, event) == expected


def test_a_change_is_saved_and_recorded_with_its_cause(world: World) -> None:
    customer = register(grant(world.alice, "salesperson"))
    assert customer_lifecycle_event(customer=customer, event=Event.OPPORTUNITY_OPENED, actor=world.alice)
    customer.refresh_from_db()
    assert customer.status == Lifecycle.OPPORTUNITY
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LIFECYCLE, object_id=str(customer.pk)).get()
    assert entry.changes == {"status": ["potential", "opportunity"]}
    assert entry.note == "opportunity_opened"
    # The same event again changes nothing and records nothing.
    assert not customer_lifecycle_event(customer=customer, event=Event.OPPORTUNITY_OPENED, actor=world.alice)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LIFECYCLE).count() == 1


def test_a_follow_up_moves_the_last_follow_up_time_forward_only(world: World) -> None:
    customer = register(grant(world.alice, "salesperson"))
    now = timezone.now()
    customer_followed_up(customer=customer, at=now)
    customer_followed_up(customer=customer, at=now - timedelta(days=3))
    customer.refresh_from_db()
    assert customer.last_followup_at == now
