"""Salespeople click to call and see their own calls: the shipped salesperson role holds ``calls.view``, the
migration gives it to roles made before, and it shows them neither the unit's queue nor a colleague's calls."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps

from guanxi.calls import services
from guanxi.calls.models import Call
from guanxi.core.permissions import has_perm
from guanxi.org.models import Role
from tests.calls.conftest import CallCentre, receive
from tests.calls.fake_pbx import fake_pbx
from tests.conftest import client_for

MIGRATION = import_module("guanxi.calls.migrations.0002_salesperson_sees_own_calls")


def test_the_shipped_salesperson_role_may_view_calls_but_not_take_them(centre: CallCentre) -> None:
    role = Role.objects.get(code="salesperson")
    assert "calls.view" in role.permissions and "calls.create" not in role.permissions
    assert has_perm(centre.alice, "calls.view") and not has_perm(centre.alice, "calls.create")


def test_a_salesperson_clicks_to_call_and_sees_their_own_calls_only(centre: CallCentre) -> None:
    services.extension_set(actor=centre.ada, user=centre.alice, number="805")
    receive(centre, call_id="queue-1", event="ringing", extension="899")  # nobody's extension: the service desk's queue
    receive(centre, call_id="sam-1", event="ringing", extension="801")  # Sam's call
    with fake_pbx() as pbx:
        services.pbx_connection_save(actor=centre.ada, unit=centre.unit, dial_url=pbx.url)
        browser = client_for(centre.alice)
        assert 'data-testid="call-pop"' in browser.get("/").text  # the page turns phone numbers into calls
        answer = browser.post("/calls/dial/", {"number": "13812345678"}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200 and answer.json()["ok"] and pbx.requests[0]["extension"] == "805"
    mine = Call.objects.get(agent=centre.alice)
    log = browser.get("/calls/")
    assert log.status_code == 200
    assert [call.pk for call in log.context["page_obj"]] == [mine.pk]
    assert browser.get(f"/calls/{Call.objects.get(call_id='sam-1').pk}/").status_code == 404
    assert browser.get(f"/calls/{Call.objects.get(call_id='queue-1').pk}/").status_code == 404
    listed = client_for(centre.alice).get("/api/v1/calls/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    # the service desk still sees its queue
    assert Call.objects.visible_to(centre.sam).filter(call_id="queue-1").exists()


def test_the_migration_grants_calls_view_to_a_salesperson_role_made_before_it(centre: CallCentre) -> None:
    role = Role.objects.get(code="salesperson")
    before = [code for code in role.permissions if code != "calls.view"]
    Role.objects.filter(pk=role.pk).update(permissions=before)

    MIGRATION.grant(apps, None)
    MIGRATION.grant(apps, None)  # once only

    role.refresh_from_db()
    assert role.permissions == sorted({*before, "calls.view"})
    MIGRATION.ungrant(apps, None)
    role.refresh_from_db()
    assert "calls.view" not in role.permissions
