"""The call centre's pages: the pop-up's poll, the call log (fixed queries, filters, the outsider's 404),
a ticket and a lead from a call, and the unit's settings."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.calls.models import Call, Extension, PbxConnection
from guanxi.service.models import Ticket
from tests.calls.conftest import CallCentre, receive
from tests.conftest import client_for


def test_the_pop_up_answers_204_until_the_agents_extension_rings(centre: CallCentre) -> None:
    sam = client_for(centre.sam)
    empty = sam.get("/calls/pop/", {"shown": ""})
    assert empty.status_code == 200 and b'value="none"' in empty.content
    assert sam.get("/calls/pop/", {"shown": "none"}).status_code == 204
    call = receive(centre, call_id="p1", event="ringing")
    ringing = sam.get("/calls/pop/", {"shown": "none"})
    assert ringing.status_code == 200
    page = ringing.content.decode()
    assert "上海华信科技有限公司" in page and "张三" in page and f"/calls/{call.pk}/ticket/" in page
    key = page.split('name="shown" value="')[1].split('"')[0]
    assert sam.get("/calls/pop/", {"shown": key}).status_code == 204
    assert client_for(centre.tina).get("/calls/pop/", {"shown": "none"}).status_code == 204  # not her extension
    receive(centre, call_id="p1", event="answered")
    assert sam.get("/calls/pop/", {"shown": key}).status_code == 200  # changed: shown again
    closed = sam.post(f"/calls/{call.pk}/dismiss/", HTTP_HX_REQUEST="true")
    assert closed.status_code == 200 and b'value="none"' in closed.content
    assert sam.get("/calls/pop/", {"shown": "none"}).status_code == 204


def test_an_unknown_caller_offers_a_new_lead_with_the_number_filled_in(centre: CallCentre) -> None:
    call = receive(centre, call_id="u1", event="ringing", number="139 0000 1111")
    sam = client_for(centre.sam)
    assert f"/calls/{call.pk}/lead/".encode() in sam.get("/calls/pop/").content
    form = sam.get(f"/calls/{call.pk}/lead/", follow=True)  # the leads' own form
    assert form.status_code == 200 and b'value="13900001111"' in form.content


def test_every_page_of_an_agent_with_an_extension_carries_the_pop_up(centre: CallCentre) -> None:
    assert b'id="call-pop"' in client_for(centre.sam).get("/calls/").content
    Extension.objects.filter(user=centre.sam).delete()
    assert b'id="call-pop"' not in client_for(centre.sam).get("/calls/").content
    assert b'id="call-pop"' not in client_for(centre.alice).get("/").content


def test_the_call_log_is_filtered_paged_and_costs_fixed_queries(centre: CallCentre) -> None:
    manager = client_for(centre.mona)
    receive(centre, call_id="l0", event="ended", duration=10)
    with CaptureQueriesContext(connection) as one:
        assert manager.get("/calls/").status_code == 200
    for number in range(1, 12):
        receive(centre, call_id=f"l{number}", event="ended", extension="802" if number % 2 else "801", duration=number)
    receive(centre, call_id="missed", event="ended", number="13900001111")
    with CaptureQueriesContext(connection) as many:
        page = manager.get("/calls/")
    assert len(many) <= len(one) and page.content.count(b'href="/calls/') >= 13
    missed = manager.get("/calls/", {"outcome": "missed"}).content.decode()
    assert "13900001111" in missed and "13812345678" not in missed
    assert "13900001111" in manager.get("/calls/", {"number": "+86 139-0000-1111"}).content.decode()
    assert "13900001111" not in client_for(centre.alice).get("/calls/").content.decode()  # a salesperson's own


def test_a_call_of_another_unit_or_agent_answers_404(centre: CallCentre) -> None:
    call = receive(centre, call_id="d1", event="ringing", extension="802")
    assert client_for(centre.tina).get(f"/calls/{call.pk}/").status_code == 200
    assert client_for(centre.sam).get(f"/calls/{call.pk}/").status_code == 404
    assert client_for(centre.bert).get(f"/calls/{call.pk}/").status_code == 404
    assert client_for(centre.bert).post(f"/calls/{call.pk}/dismiss/").status_code == 404
    assert client_for(centre.bert).get(f"/calls/{call.pk}/ticket/").status_code == 404
    assert client_for(centre.bert).get(f"/calls/{call.pk}/lead/").status_code == 404
    assert client_for(centre.bert).post(f"/calls/{call.pk}/take/").status_code == 404
    assert client_for(centre.alice).get(f"/calls/{call.pk}/").status_code == 404  # a salesperson: own calls
    assert client_for(centre.charlie).get(f"/calls/{call.pk}/").status_code == 403  # no role


def test_a_ticket_started_from_the_pop_up_names_the_call(centre: CallCentre) -> None:
    call = receive(centre, call_id="t1", event="answered")
    mona = client_for(centre.mona)
    Call.objects.filter(pk=call.pk).update(agent=centre.mona)
    form = mona.get(f"/calls/{call.pk}/ticket/")
    assert form.status_code == 200 and "13812345678" in form.content.decode()
    made = mona.post(
        f"/calls/{call.pk}/ticket/",
        {"customer": centre.customer.pk, "contact": centre.contact.pk, "type": "repair", "channel": "phone_in",
         "priority": "normal", "subject": "设备异响", "description": "来电报修"},
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert made.status_code == 302 and ticket.customer == centre.customer
    assert Call.objects.get(pk=call.pk).ticket == ticket


def test_a_unit_admin_sets_the_pbx_and_extensions_of_their_unit_only(centre: CallCentre) -> None:
    ada, ben = client_for(centre.ada), client_for(centre.ben)
    page = ada.get("/calls/settings/")
    assert page.status_code == 200 and "山姆" in page.content.decode() and "伯特" not in page.content.decode()
    saved = ada.post(
        "/calls/settings/", {"dial_url": "http://pbx.internal/api/dial", "key": "pbx-secret-7Q", "area_code": "021"}
    )
    assert saved.status_code == 302 and PbxConnection.objects.get().area_code == "021"
    assert b"pbx-secret-7Q" not in ada.get("/calls/settings/").content  # never shown again
    bad = ada.post("/calls/settings/", {"dial_url": "http://pbx.internal/", "area_code": "21"})
    assert bad.status_code == 200 and "021" in bad.content.decode()  # the area code's message
    assert ben.get("/calls/settings/", {"unit": centre.unit.pk}).content.decode().count("山姆") == 0
    ben.post("/calls/settings/extensions/", {"user": centre.alice.pk, "number": "888"})
    assert not Extension.objects.filter(user=centre.alice).exists()
    assert ada.post("/calls/settings/extensions/", {"user": centre.alice.pk, "number": "888"}).status_code == 302
    assert Extension.objects.get(user=centre.alice).number == "888"
    assert client_for(centre.sam).get("/calls/settings/").status_code == 403
