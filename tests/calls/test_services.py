"""Call events: each kept once, in any order; what a call leaves behind (the follow-up on the timeline, the
call-back plan of a missed call); extensions; numbers in every format."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.activities.models import FollowUp, Plan
from guanxi.calls import selectors, services
from guanxi.calls.models import Call, CallEvent
from guanxi.core.errors import Conflict, NotPermitted
from tests.calls.conftest import CallCentre, customer_of, receive


def at(minutes: int) -> str:
    return (timezone.now() - timedelta(minutes=60) + timedelta(minutes=minutes)).isoformat()


def test_a_call_rings_is_answered_and_ends_on_the_customers_timeline(centre: CallCentre) -> None:
    receive(centre, call_id="c1", event="ringing", at=at(0))
    call = receive(centre, call_id="c1", event="answered", at=at(1))
    assert (call.agent, call.customer, call.contact, call.state) == (
        centre.sam,
        centre.customer,
        centre.contact,
        "answered",
    )
    assert call.followup is None  # not before it ends
    call = receive(
        centre, call_id="c1", event="ended", at=at(4), duration=180, recording_url="https://pbx.example/r/c1.mp3"
    )
    assert (call.outcome, call.duration) == ("answered", 180)
    followup = FollowUp.objects.get(customer=centre.customer)
    assert (followup.owner, followup.channel, followup.contact, call.followup) == (
        centre.sam,
        "phone",
        centre.contact,
        followup,
    )
    assert "3" in followup.content and "https://pbx.example/r/c1.mp3" in followup.content
    assert followup.related == call
    centre.customer.refresh_from_db()
    assert centre.customer.last_followup_at == call.answered_at


def test_the_same_event_twice_changes_nothing_and_records_one_follow_up(centre: CallCentre) -> None:
    for _ in range(2):
        receive(centre, call_id="c2", event="ringing", at=at(0))
        receive(centre, call_id="c2", event="answered", at=at(1))
        receive(centre, call_id="c2", event="ended", at=at(3), duration=120)
    assert CallEvent.objects.filter(call__call_id="c2").count() == 3
    assert FollowUp.objects.filter(customer=centre.customer).count() == 1
    assert Call.objects.count() == 1


def test_an_ended_before_its_answered_still_ends_the_call_answered(centre: CallCentre) -> None:
    receive(centre, call_id="c3", event="ended", at=at(5), duration=90)
    call = receive(centre, call_id="c3", event="answered", at=at(2))
    assert call.answered_at is not None
    assert (call.state, call.outcome, call.answered_at.isoformat()[:16]) == ("ended", "answered", at(2)[:16])
    call = receive(centre, call_id="c3", event="ringing", at=at(1))
    assert call.state == "ended" and call.started_at.isoformat()[:16] == at(1)[:16]
    assert FollowUp.objects.filter(customer=centre.customer).count() == 1
    assert not Plan.objects.exists()


def test_a_missed_call_becomes_a_call_back_plan_for_the_customers_owner(centre: CallCentre) -> None:
    receive(centre, call_id="m1", event="ringing", at=at(0))
    call = receive(centre, call_id="m1", event="ended", at=at(1), duration=0)
    assert call.outcome == "missed"
    plan = Plan.objects.get()
    assert (plan.owner, plan.customer, plan.contact, plan.kind, call.callback_plan) == (
        centre.alice, centre.customer, centre.contact, "call", plan,
    )  # fmt: skip
    assert "13812345678" in plan.subject and plan.related == call
    assert not FollowUp.objects.exists()
    receive(centre, call_id="m1", event="ended", at=at(1), duration=0)
    assert Plan.objects.count() == 1


def test_a_call_missed_late_in_the_afternoon_is_due_next_working_morning(centre: CallCentre) -> None:
    from datetime import datetime, time

    import time_machine

    friday = datetime(2026, 12, 4, 17, 30, tzinfo=timezone.get_current_timezone())  # a Friday, company time
    with time_machine.travel(friday, tick=False):
        receive(centre, call_id="late", event="ringing", at=friday.isoformat())
        receive(centre, call_id="late", event="ended", at=friday.isoformat(), duration=0)
    due = timezone.localtime(Plan.objects.get().due_at)
    assert due.date() == datetime(2026, 12, 7).date() and time(9) <= due.time() <= time(12)  # Monday morning


def test_a_missed_call_from_nobodys_number_is_the_agents_to_call_back(centre: CallCentre) -> None:
    call = receive(centre, call_id="m2", event="ended", number="+86 139 0000 1111", at=at(1))
    plan = Plan.objects.get()
    assert (call.customer, plan.owner, plan.customer, plan.related) == (None, centre.sam, None, call)


def test_a_call_for_an_unknown_extension_waits_in_the_units_queue(centre: CallCentre) -> None:
    call = receive(centre, call_id="q1", event="ringing", extension="899", at=at(0))
    assert call.agent is None and call.extension == "899"
    # every agent of the unit sees it, the other unit's do not
    assert Call.objects.visible_to(centre.tina).filter(pk=call.pk).exists()
    assert not Call.objects.visible_to(centre.bert).filter(pk=call.pk).exists()
    that_day = call.started_at  # the badge counts the day's queue
    assert [selectors.queue_today(actor=user, now=that_day) for user in (centre.tina, centre.bert)] == [1, 0]
    taken = services.call_take(actor=centre.tina, call=call)
    assert taken.agent == centre.tina
    with pytest.raises(Conflict) as lost:
        services.call_take(actor=centre.sam, call=call)
    assert lost.value.code == "already_claimed" and "蒂娜" in str(lost.value.message)
    assert not Call.objects.visible_to(centre.sam).filter(pk=call.pk).exists()


def test_a_queued_missed_call_is_called_back_by_the_owner(centre: CallCentre) -> None:
    call = receive(centre, call_id="q2", event="ended", extension="899", at=at(0))
    assert call.agent is None and Plan.objects.get().owner == centre.alice


@pytest.mark.parametrize(
    "number",
    ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "１３８-１２３４-５６７８", "138 1234 5678 转 801",
     "013812345678", "+8613812345678"],
)  # fmt: skip
def test_a_mobile_in_any_format_finds_its_contact(centre: CallCentre, number: str) -> None:
    key, matches = selectors.phone_lookup(actor=centre.sam, number=number)
    assert key == "13812345678"
    assert [(match.customer, match.contacts) for match in matches] == [(centre.customer, [centre.contact])]


@pytest.mark.parametrize("number", ["021-6888 8888", "(021) 68888888-801", "+86 21 6888 8888 ext. 12", "68888888"])
def test_a_landline_in_any_format_finds_its_customer(centre: CallCentre, number: str) -> None:
    services.pbx_connection_save(
        actor=centre.ada, unit=centre.unit, dial_url="http://127.0.0.1:9/dial", area_code="021"
    )
    key, matches = selectors.phone_lookup(actor=centre.sam, number=number)
    assert key == "02168888888"
    assert matches[0].customer == centre.customer and matches[0].by_customer_phone


def test_several_customers_with_one_number_are_all_listed_and_none_is_chosen(centre: CallCentre) -> None:
    other = customer_of(centre, "杭州远景电子有限公司", contact={"name": "李四", "mobile": "13900002222"})
    other.contacts.update(phone="02168888888")  # the duplicate check keeps a second one from being registered
    _key, matches = selectors.phone_lookup(actor=centre.sam, number="02168888888")
    assert {match.customer for match in matches} == {centre.customer, other}
    call = receive(centre, call_id="s1", event="ended", number="021 6888 8888", duration=30, at=at(0))
    assert (call.customer, call.matches, call.followup) == (None, 2, None)


def test_the_lookup_goes_through_the_scope_gate(centre: CallCentre) -> None:
    assert selectors.phone_lookup(actor=centre.bert, number="13812345678")[1] == []  # another unit
    assert selectors.phone_lookup(actor=centre.bella, number="13812345678")[1] == []
    assert len(selectors.phone_lookup(actor=centre.alice, number="13812345678")[1]) == 1  # her own customer
    assert selectors.phone_lookup(actor=centre.sam, number="not a number") == ("", [])


def test_bad_events_are_refused_by_field_and_nothing_is_kept(centre: CallCentre) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.call_event_receive(
            actor=centre.pbx,
            data={"call_id": "", "event": "hung", "direction": "sideways", "at": "yesterday", "duration": -1,
                  "recording_url": "ftp://x"},
        )  # fmt: skip
    assert set(refusal.value.message_dict) == {"call_id", "event", "direction", "at", "duration", "recording_url"}
    assert not Call.objects.exists()
    with pytest.raises(NotPermitted):
        services.call_event_receive(actor=centre.sam, data={"call_id": "x", "event": "ringing"})


def test_an_extension_is_one_agents_in_a_unit(centre: CallCentre) -> None:
    with pytest.raises(Conflict) as taken:
        services.extension_set(actor=centre.ada, user=centre.alice, number="801")
    assert taken.value.code == "duplicate_extension" and "山姆" in str(taken.value.message)
    with pytest.raises(NotPermitted):
        services.extension_set(actor=centre.ada, user=centre.bella, number="805")  # another unit's
    assert services.extension_set(actor=centre.ada, user=centre.sam, number="") is None
    given = services.extension_set(actor=centre.ada, user=centre.alice, number="801")
    assert given is not None and given.number == "801"


def test_the_pop_up_shows_the_agents_latest_call_until_they_close_it(centre: CallCentre) -> None:
    assert selectors.pop_call(actor=centre.sam) is None
    call = receive(centre, call_id="p1", event="ringing")
    assert selectors.pop_call(actor=centre.sam) == call and selectors.pop_call(actor=centre.tina) is None
    services.call_dismiss(actor=centre.sam, call=call)
    assert selectors.pop_call(actor=centre.sam) is None
