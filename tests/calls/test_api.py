"""The calls API: the PBX posts events (201 new, 200 repeated), each role against each request, the phone
lookup through the scope gate, extensions; the other unit's calls answer 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanxi.calls.models import Call, CallEvent, Extension
from guanxi.org.models import User
from tests.calls.conftest import CallCentre, api, post_event, receive


def test_the_pbx_posts_events_a_repeat_answers_200_and_changes_nothing(centre: CallCentre) -> None:
    pbx = api(centre.pbx)
    first = post_event(pbx, call_id="a1", event="ringing", number="+86 138 1234 5678", extension="801")
    again = post_event(pbx, call_id="a1", event="ringing", number="+86 138 1234 5678", extension="801")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["customer"] == centre.customer.pk and first.json()["agent"] == centre.sam.pk
    ended = post_event(pbx, call_id="a1", event="ended", duration=0)
    assert ended.json()["outcome"] == "missed" and ended.json()["callback_plan"]
    assert CallEvent.objects.count() == 2


def test_bad_events_answer_400_by_field_and_keep_nothing(centre: CallCentre) -> None:
    answer = post_event(api(centre.pbx), call_id="b1", event="hung-up", duration=-5, at="soon", colour="red")
    assert answer.status_code == 400 and "colour" in answer.json()  # an unknown field is refused first
    answer = post_event(api(centre.pbx), call_id="b1", event="ended", duration=-5, at="soon")
    assert answer.status_code == 400 and set(answer.json()) == {"duration", "at"}
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("sam", 403), ("alice", 403), ("ada", 201), ("pbx", 201), ("pbx_b", 201)],
)
def test_only_holders_of_the_call_events_permission_post_events(centre: CallCentre, who: str, status: int) -> None:
    client = Client() if who == "anonymous" else api(getattr(centre, who))
    answer = post_event(client, call_id="r1", event="ringing", number="13812345678", extension="801")
    assert answer.status_code == status
    assert Call.objects.count() == (1 if status == 201 else 0)
    if who == "pbx_b":  # unit B's PBX: the call is unit B's, its extension 801 is Bert's, and A's customer unknown
        call = Call.objects.get()
        assert (call.business_unit, call.agent, call.customer) == (centre.unit_b, centre.bert, None)


def test_each_role_sees_its_calls_and_the_other_units_answer_404(centre: CallCentre) -> None:
    mine = receive(centre, call_id="v1", event="ringing")
    tinas = receive(centre, call_id="v2", event="ringing", extension="802")
    queued = receive(centre, call_id="v3", event="ringing", extension="899")

    def ids(user: object) -> set[int]:
        answer = api(user).get("/api/v1/calls/")  # type: ignore[arg-type]
        assert answer.status_code == 200
        return {row["id"] for row in answer.json()["results"]}

    assert ids(centre.sam) == {mine.pk, queued.pk}
    assert ids(centre.mona) == {mine.pk, tinas.pk, queued.pk}
    assert ids(centre.bert) == set()
    assert api(centre.bert).get(f"/api/v1/calls/{mine.pk}/").status_code == 404
    assert api(centre.sam).get(f"/api/v1/calls/{tinas.pk}/").status_code == 404
    assert ids(centre.alice) == set()  # a salesperson: their own calls, not the queue
    assert Client().get("/api/v1/calls/").status_code == 401
    taken = api(centre.tina).post(f"/api/v1/calls/{queued.pk}/take/")
    assert taken.status_code == 200 and taken.json()["agent"] == centre.tina.pk
    assert api(centre.bert).post(f"/api/v1/calls/{queued.pk}/take/").status_code == 404


def test_the_phone_lookup_answers_what_the_caller_may_see(centre: CallCentre) -> None:
    answer = api(centre.sam).get("/api/v1/phone-lookup/", {"number": "０２１-６８８８ ８８８８"})
    assert answer.status_code == 200
    assert answer.json()["number"] == "02168888888"
    assert [row["customer"] for row in answer.json()["matches"]] == [centre.customer.pk]
    by_mobile = api(centre.sam).get("/api/v1/phone-lookup/", {"number": "0086 138 1234 5678"}).json()
    assert by_mobile["matches"][0]["contacts"] == [{"id": centre.contact.pk, "name": "张三"}]
    assert api(centre.bert).get("/api/v1/phone-lookup/", {"number": "13812345678"}).json()["matches"] == []
    assert api(centre.sam).get("/api/v1/phone-lookup/", {"number": "hello"}).status_code == 400
    assert api(centre.sam).get("/api/v1/phone-lookup/").status_code == 400
    assert Client().get("/api/v1/phone-lookup/", {"number": "13812345678"}).status_code == 401


LOOKUP_QUERIES = 7  # the token and its user, the department, the roles, the shared customers, contacts, customers


def test_the_phone_lookup_reads_a_fixed_few_rows_and_a_frozen_agents_token_stops_at_once(
    centre: CallCentre,
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=centre.sam).key}")
    assert client.get("/api/v1/phone-lookup/", {"number": "13812345678"}).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/phone-lookup/", {"number": "0086 138 1234 5678"})
    assert [row["customer"] for row in answer.json()["matches"]] == [centre.customer.pk]
    assert len(queries) <= LOOKUP_QUERIES, [query["sql"] for query in queries.captured_queries]
    User.objects.filter(pk=centre.sam.pk).update(status=User.Status.FROZEN)
    assert client.get("/api/v1/phone-lookup/", {"number": "13812345678"}).status_code == 401


def test_extensions_through_the_api_stay_in_the_admins_unit(centre: CallCentre) -> None:
    ada, ben = api(centre.ada), api(centre.ben)
    made = ada.post("/api/v1/extensions/", {"user": centre.alice.pk, "number": "810"}, content_type="application/json")
    assert made.status_code == 200 and made.json()["number"] == "810"
    taken = ada.post("/api/v1/extensions/", {"user": centre.mona.pk, "number": "810"}, content_type="application/json")
    assert taken.status_code == 409 and taken.json()["code"] == "duplicate_extension"
    foreign = ben.post(
        "/api/v1/extensions/", {"user": centre.alice.pk, "number": "811"}, content_type="application/json"
    )
    assert foreign.status_code == 400  # Alice is not a user Ben may see
    assert {row["number"] for row in ben.get("/api/v1/extensions/").json()["results"]} == {"801"}
    assert (
        api(centre.sam)
        .post("/api/v1/extensions/", {"user": centre.sam.pk, "number": "899"}, content_type="application/json")
        .status_code
        == 403
    )
    assert Extension.objects.get(user=centre.alice).number == "810"
