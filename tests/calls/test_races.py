"""Races of the PBX's events, decided by the database (the call's unique id, its row lock, one event of each
kind): a PBX that retries, or sends a call's events from two threads, never makes two calls or two follow-ups."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from guanxi.activities.models import FollowUp, Plan
from guanxi.calls import services
from guanxi.calls.models import Call, CallEvent
from guanxi.org.models import User
from tests.calls.conftest import CallCentre
from tests.sales.test_races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def event(world: CallCentre, **data: object) -> Callable[[], object]:
    data = {"call_id": "race-1", "number": "13812345678", "extension": "801", **data}
    return lambda: services.call_event_receive(actor=User.objects.get(pk=world.pbx.pk), data=data)


def test_the_first_events_of_a_new_call_at_once_make_one_call() -> None:
    world = CallCentre()
    outcomes = at_once(event(world, event="ringing"), event(world, event="answered"), event(world, event="ringing"))
    assert outcomes == ["done"] * 3
    assert Call.objects.count() == 1
    assert sorted(CallEvent.objects.values_list("event", flat=True)) == ["answered", "ringing"]
    assert Call.objects.get().state == "answered"


def test_an_ended_event_delivered_twice_at_once_records_one_follow_up() -> None:
    world = CallCentre()
    event(world, event="answered")()
    outcomes = at_once(event(world, event="ended", duration=60), event(world, event="ended", duration=60))
    assert outcomes == ["done", "done"]
    assert FollowUp.objects.count() == 1 and CallEvent.objects.filter(event="ended").count() == 1


def test_a_missed_call_delivered_twice_at_once_plans_one_call_back() -> None:
    world = CallCentre()
    outcomes = at_once(event(world, event="ended"), event(world, event="ended"), event(world, event="ended"))
    assert outcomes == ["done"] * 3
    assert Plan.objects.count() == 1


def test_two_agents_taking_one_queued_call_at_once_give_it_one_agent() -> None:
    world = CallCentre()
    event(world, event="ringing", extension="899")()
    call = Call.objects.get()

    def take(user: User) -> Callable[[], object]:
        return lambda: services.call_take(actor=User.objects.get(pk=user.pk), call=Call.objects.get(pk=call.pk))

    outcomes = at_once(take(world.sam), take(world.tina))
    assert sorted(outcomes) == ["Conflict", "done"]
    assert Call.objects.get().agent in (world.sam, world.tina)
