"""Click-to-call through each unit's PBX, against a fake PBX listening on a real local socket."""

from __future__ import annotations

import socket

import pytest

from guanxi.calls import services
from guanxi.calls.models import Call, PbxConnection
from guanxi.core.errors import DomainError, NotPermitted
from tests.calls.conftest import CallCentre, receive
from tests.calls.fake_pbx import fake_pbx
from tests.conftest import client_for


def test_a_click_rings_the_agents_extension_then_the_pbx_reports_the_call(centre: CallCentre) -> None:
    services.extension_set(actor=centre.ada, user=centre.alice, number="805")
    with fake_pbx() as pbx:
        services.pbx_connection_save(actor=centre.ada, unit=centre.unit, dial_url=pbx.url, key="s3cret-key")
        call = services.call_dial(actor=centre.alice, number="138-1234-5678")
    assert pbx.requests == [
        {"path": "/api/dial", "authorization": "Bearer s3cret-key", "extension": "805", "number": "13812345678",
         "reference": pbx.requests[0]["reference"]},
    ]  # fmt: skip
    assert (call.call_id, call.direction, call.agent, call.customer, call.contact) == (
        "pbx-1", "outbound", centre.alice, centre.customer, centre.contact,
    )  # fmt: skip
    assert "s3cret" not in PbxConnection.objects.get().key_encrypted
    # the PBX's events of that call land on the same call
    receive(centre, call_id="pbx-1", event="answered", direction="outbound", extension="805")
    call = receive(centre, call_id="pbx-1", event="ended", direction="outbound", extension="805", duration=60)
    assert Call.objects.count() == 1 and call.outcome == "answered"
    assert call.followup is not None and call.followup.owner == centre.alice


def test_each_unit_dials_through_its_own_pbx(centre: CallCentre) -> None:
    from tests.customers.test_services import register

    services.extension_set(actor=centre.ben, user=centre.bella, number="806")
    register(centre.bella, "杭州远景电子有限公司", contact={"name": "王五", "mobile": "13900003333"})
    with fake_pbx() as pbx_a, fake_pbx() as pbx_b:
        services.pbx_connection_save(actor=centre.ada, unit=centre.unit, dial_url=pbx_a.url)
        services.pbx_connection_save(actor=centre.ben, unit=centre.unit_b, dial_url=pbx_b.url)
        services.call_dial(actor=centre.bella, number="13900003333")
        with pytest.raises(NotPermitted):  # unit A's customer is not hers to dial
            services.call_dial(actor=centre.bella, number="13812345678")
    assert (len(pbx_a.requests), [row["extension"] for row in pbx_b.requests]) == (0, ["806"])
    with pytest.raises(NotPermitted):  # a unit admin sets only their own unit's PBX
        services.pbx_connection_save(actor=centre.ben, unit=centre.unit, dial_url="http://evil.example/")
    assert PbxConnection.objects.get(business_unit=centre.unit).dial_url == pbx_a.url


def test_a_pbx_that_refuses_or_does_not_answer_is_told_in_words(centre: CallCentre) -> None:
    services.extension_set(actor=centre.ada, user=centre.alice, number="805")
    with fake_pbx() as pbx:
        pbx.status = 503
        services.pbx_connection_save(actor=centre.ada, unit=centre.unit, dial_url=pbx.url)
        with pytest.raises(DomainError) as refused:
            services.call_dial(actor=centre.alice, number="13812345678")
    assert refused.value.code == "pbx_refused" and "503" in str(refused.value.message)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    services.pbx_connection_save(actor=centre.ada, unit=centre.unit, dial_url=f"http://127.0.0.1:{port}/dial")
    with pytest.raises(DomainError) as silent:
        services.call_dial(actor=centre.alice, number="13812345678")
    assert silent.value.code == "pbx_unreachable" and not Call.objects.exists()


def test_without_an_extension_or_a_pbx_nothing_is_dialled(centre: CallCentre) -> None:
    with pytest.raises(DomainError) as no_extension:
        services.call_dial(actor=centre.alice, number="13812345678")
    services.extension_set(actor=centre.ada, user=centre.alice, number="805")
    with pytest.raises(DomainError) as no_pbx:
        services.call_dial(actor=centre.alice, number="13812345678")
    assert (no_extension.value.code, no_pbx.value.code) == ("no_extension", "pbx_not_configured")


def test_the_page_dials_with_json_for_its_script(centre: CallCentre) -> None:
    services.extension_set(actor=centre.ada, user=centre.alice, number="805")
    with fake_pbx() as pbx:
        services.pbx_connection_save(actor=centre.ada, unit=centre.unit, dial_url=pbx.url)
        answer = client_for(centre.alice).post(
            "/calls/dial/", {"number": "13812345678"}, HTTP_ACCEPT="application/json"
        )
        refused = client_for(centre.alice).post(
            "/calls/dial/", {"number": "13900009999"}, HTTP_ACCEPT="application/json"
        )
    assert answer.status_code == 200 and answer.json()["ok"] and len(pbx.requests) == 1
    assert refused.status_code == 403 and not refused.json()["ok"]
