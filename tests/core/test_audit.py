"""The audit log (SPEC §1.6): the viewer through the gate, filters, a record's history, and a log that
nobody can change or delete."""

from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from guanxi.core.audit import audit_log
from guanxi.core.auditlog.presentation import present_entries
from guanxi.core.auditlog.selectors import record_history
from guanxi.core.models import AuditEntry
from guanxi.core.texts import Text
from guanxi.org.history import HANDED_OVER
from guanxi.org.models import Role, User
from tests.conftest import World, client_for

Action = AuditEntry.Action


def grant(user: User, *codes: str, scope: str) -> User:
    role = Role.objects.create(name=f"{user.username}-{scope}", code=f"{user.username}-{scope}", data_scope=scope)
    role.permissions = list(codes)
    role.save()
    user.roles.add(role)
    return User.objects.get(pk=user.pk)  # fresh grants


def entry(actor: User | None, action: str = Action.UPDATE, obj: Any = None, **fields: Any) -> AuditEntry:
    return audit_log(actor=actor, action=action, obj=obj, **fields)


def titles(response: Any) -> list[str]:
    return [e.object_repr for e in response.context["page_obj"].object_list]


# --- the viewer ----------------------------------------------------------------------------------------


def test_the_viewer_needs_audit_view(world: World) -> None:
    entry(world.alice, obj=world.alice)
    assert client_for(world.alice).get(reverse("core:audit")).status_code == 403
    assert Client().get(reverse("core:audit"))["Location"].startswith(reverse("org:login"))


def test_with_scope_own_a_user_sees_only_the_entries_of_their_own_actions(world: World) -> None:
    entry(world.alice, obj=world.alice)
    entry(world.bob, obj=world.bob)
    entry(world.charlie, obj=world.charlie)
    alice = grant(world.alice, "audit.view", scope="own")
    assert titles(client_for(alice).get(reverse("core:audit"))) == [str(world.alice)]


def test_with_scope_department_a_manager_sees_the_entries_of_their_department(world: World) -> None:
    entry(world.alice, obj=world.alice)
    entry(world.bob, obj=world.bob)
    entry(world.charlie, obj=world.charlie)
    bob = grant(world.bob, "audit.view", scope="department")
    assert sorted(titles(client_for(bob).get(reverse("core:audit")))) == sorted([str(world.alice), str(world.bob)])


def test_the_menu_shows_the_audit_log_only_to_those_who_may_read_it(world: World) -> None:
    url = reverse("core:audit")
    assert f'href="{url}"' not in client_for(world.alice).get("/").text
    bob = grant(world.bob, "audit.view", scope="all")
    assert f'href="{url}"' in client_for(bob).get("/").text


def test_filters_by_actor_action_type_date_and_record_name(world: World) -> None:
    with time_machine.travel(datetime.fromisoformat("2026-01-10T23:30:00+08:00"), tick=False):
        entry(world.alice, Action.CREATE, world.alice)
    with time_machine.travel(datetime.fromisoformat("2026-01-11T00:30:00+08:00"), tick=False):
        entry(world.bob, Action.UPDATE, world.charlie)
        entry(world.bob, Action.UPDATE, world.shanghai)
    admin = grant(world.bob, "audit.view", scope="all")
    client = client_for(admin)
    url = reverse("core:audit")
    assert titles(client.get(url, {"actor": world.alice.pk})) == [str(world.alice)]
    assert titles(client.get(url, {"action": "create"})) == [str(world.alice)]
    assert titles(client.get(url, {"object_type": "org.department"})) == ["上海"]
    # Days are the user's (Asia/Shanghai): 23:30 on the 10th is not on the 11th.
    assert len(titles(client.get(url, {"date_from": "2026-01-11"}))) == 2
    assert titles(client.get(url, {"date_to": "2026-01-10"})) == [str(world.alice)]
    assert titles(client.get(url, {"q": world.charlie.display_name[1:]})) == [str(world.charlie)]


def test_bad_filters_are_explained_and_list_nothing(world: World) -> None:
    entry(world.alice, obj=world.alice)
    admin = grant(world.bob, "audit.view", scope="all")
    client = client_for(admin, HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(reverse("core:audit"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.text
    assert titles(response) == []
    response = client.get(reverse("core:audit"), {"action": "hack"})
    assert "action" in response.context["filter_form"].errors
    assert titles(response) == []


def test_the_list_is_paginated(world: World) -> None:
    for number in range(55):
        entry(world.alice, obj=world.alice, object_repr=f"row {number}")
    admin = grant(world.bob, "audit.view", scope="all")
    client = client_for(admin)
    first = client.get(reverse("core:audit"))
    assert len(first.context["page_obj"].object_list) == 50
    assert len(client.get(reverse("core:audit"), {"page": 2}).context["page_obj"].object_list) == 5


def test_an_entry_shows_its_changes_with_the_fields_names(world: World) -> None:
    logged = entry(
        world.bob,
        obj=world.alice,
        changes={"status": ["active", "frozen"], "mobile": ["", "139"], "gone_field": [1, 2]},
    )
    with translation.override("en"):
        [shown] = present_entries(actor=world.bob, entries=[logged])
        rows = {row.field: (row.label, row.before, row.after) for row in shown.rows}
    assert rows["status"] == ("Status", "Active", "Frozen")
    assert rows["mobile"] == ("Mobile", "—", "139")
    assert rows["gone_field"] == ("gone_field", "1", "2")
    admin = grant(world.bob, "audit.view", scope="all")
    page = client_for(admin, HTTP_ACCEPT_LANGUAGE="en").get(reverse("core:audit")).text
    assert "<details" in page
    assert "<td>Status</td>" in page


# --- nobody changes the log ----------------------------------------------------------------------------


def test_the_model_refuses_to_change_or_delete_entries(world: World) -> None:
    logged = entry(world.alice, obj=world.alice, note="original")
    logged.note = "rewritten"
    with pytest.raises(PermissionError):
        logged.save()
    with pytest.raises(PermissionError):
        logged.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=logged.pk).update(note="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().note == "original"


def test_the_database_refuses_an_update_even_in_raw_sql(world: World) -> None:
    logged = entry(world.alice, obj=world.alice, note="original")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET note = 'rewritten' WHERE id = %s", [logged.pk])
    assert AuditEntry.objects.get().note == "original"


def test_on_postgresql_the_database_refuses_a_delete_too(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE possible: Django empties test tables with it (see migration 0003)")
    entry(world.alice, obj=world.alice)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")
    assert AuditEntry.objects.count() == 1


def test_deleting_a_user_keeps_their_entries_with_their_name(world: World) -> None:
    entry(world.charlie, obj=world.alice)
    world.charlie.delete()
    logged = AuditEntry.objects.get()
    assert (logged.actor_id, logged.actor_name) == (None, str(world.charlie))


# --- a record's history --------------------------------------------------------------------------------


def test_the_history_of_a_record_pages_with_load_more(world: World) -> None:
    for number in range(12):
        entry(world.bob, obj=world.alice, note=f"change {number}")
    entry(world.bob, obj=world.bob, note="other record")
    first = record_history(actor=world.bob, obj=world.alice)
    assert [shown.sentence for shown in first.entries] == [f"change {n}" for n in range(11, 1, -1)]
    assert first.next_url == reverse("core:record_history", args=["org.user", world.alice.pk]) + "?page=2"
    assert not first.show_ip

    client = client_for(grant(world.bob, "org.view", scope="all"))
    more = client.get(first.next_url, HTTP_HX_REQUEST="true")
    assert more.status_code == 200
    assert "change 1" in more.text
    assert "change 0" in more.text
    assert "other record" not in more.text
    assert "<html" not in more.text
    assert "history-more" not in more.text  # nothing after the last page

    page = client.get(first.next_url)  # without JavaScript: a page of its own
    assert "<html" in page.text
    assert "change 0" in page.text


def test_the_history_of_an_unseen_or_unknown_record_answers_404(world: World) -> None:
    entry(world.bob, obj=world.charlie, note="secret")
    client = client_for(world.alice)  # no org.view: she cannot see Charlie's record
    assert client.get(reverse("core:record_history", args=["org.user", world.charlie.pk])).status_code == 404
    for kind, pk in [("no.model", 1), ("nonsense", 1), ("core.notificationpreference", 1), ("org.user", "x")]:
        assert client.get(reverse("core:record_history", args=[kind, pk])).status_code == 404


def test_the_history_partial_renders_for_a_record_page(world: World) -> None:
    entry(world.bob, obj=world.alice, changes={"mobile": ["1", "2"]}, note="fixed the number")
    request = RequestFactory().get("/")
    request.user = world.bob
    html = render_to_string(
        "core/partials/history.html", {"history": record_history(actor=world.bob, obj=world.alice)}, request
    )
    assert "fixed the number" in html
    assert 'data-testid="history"' in html


# --- the API -------------------------------------------------------------------------------------------


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_audit_api_needs_audit_view_and_applies_the_scope(world: World) -> None:
    entry(world.alice, obj=world.alice)
    entry(world.charlie, obj=world.charlie)
    assert api_for(world.alice).get("/api/v1/audit/").status_code == 403
    alice = grant(world.alice, "audit.view", scope="own")
    body = api_for(alice).get("/api/v1/audit/").json()
    assert [item["actor"] for item in body["results"]] == [world.alice.pk]
    charlies = AuditEntry.objects.get(actor=world.charlie)
    assert api_for(alice).get(f"/api/v1/audit/{charlies.pk}/").status_code == 404


def test_the_audit_api_filters_one_records_history(world: World) -> None:
    entry(world.bob, obj=world.alice, changes={"mobile": ["1", "2"]})
    entry(world.bob, obj=world.charlie)
    entry(world.bob, obj=world.shanghai)
    client = api_for(grant(world.bob, "audit.view", scope="all"))
    body = client.get("/api/v1/audit/", {"object": f"org.user:{world.alice.pk}"}).json()
    assert body["count"] == 1
    assert body["results"][0]["changes"] == {"mobile": ["1", "2"]}
    assert body["results"][0]["action"] == "update"
    assert client.get("/api/v1/audit/", {"object_type": "org.department"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"object": "org.user"}, "object"),
        ({"object": "'; drop table --:1"}, "object"),
        ({"action": "hack"}, "action"),
        ({"actor": "abc"}, "actor"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
    ],
)
def test_the_audit_api_refuses_bad_filters_with_field_errors(world: World, params: dict[str, str], field: str) -> None:
    client = api_for(grant(world.bob, "audit.view", scope="all"))
    response = client.get("/api/v1/audit/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_the_audit_api_is_read_only(world: World) -> None:
    logged = entry(world.alice, obj=world.alice, note="original")
    client = api_for(grant(world.bob, "audit.view", "audit.export", scope="all"))
    assert client.post("/api/v1/audit/", {"note": "x"}, format="json").status_code == 405
    assert client.patch(f"/api/v1/audit/{logged.pk}/", {"note": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/audit/{logged.pk}/").status_code == 405
    assert AuditEntry.objects.get().note == "original"


def test_a_superuser_still_sees_every_entry(world: World) -> None:
    entry(world.alice, obj=world.alice)
    entry(world.charlie, obj=world.charlie)
    assert len(titles(client_for(world.root).get(reverse("core:audit")))) == 2


def test_the_record_type_filter_offers_the_records_people_work_with_in_their_language(world: World) -> None:
    admin = grant(world.bob, "audit.view", scope="all")

    def offered(language: str) -> dict[str, str]:
        page = client_for(admin, HTTP_ACCEPT_LANGUAGE=language).get(reverse("core:audit"))
        return dict(page.context["filter_form"].fields["object_type"].choices)

    assert (offered("zh-hans")["customers.customer"], offered("en")["customers.customer"]) == ("客户", "Customer")
    for internal in ("core.numbercounter", "activities.feedtoken", "customers.customerstar", "core.auditentry"):
        assert internal not in offered("en")


def test_a_note_stored_as_a_message_and_its_parameters_reads_in_each_language(world: World) -> None:
    logged = entry(world.bob, obj=world.alice, note=Text(HANDED_OVER, successor=world.charlie))
    assert logged.note.startswith('{"msgid":"Handed over to %(successor)s"')
    with translation.override("zh-hans"):
        [shown] = present_entries(actor=world.bob, entries=[logged])
    assert shown.sentence == f"已移交给 {world.charlie}"
    with translation.override("en"):
        [shown] = present_entries(actor=world.bob, entries=[logged])
    assert shown.sentence == f"Handed over to {world.charlie}"
    grant(world.bob, "audit.view", scope="all")
    api = APIClient()
    api.force_authenticate(world.bob)
    [row] = api.get("/api/v1/audit/", {"object": f"org.user:{world.alice.pk}"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()[
        "results"
    ]
    assert row["note_text"] == f"已移交给 {world.charlie}"


def test_notes_stored_in_english_before_still_read_in_the_readers_language(world: World) -> None:
    old = [
        entry(world.bob, obj=world.alice, note="handed over to 张三"),
        entry(world.bob, obj=world.alice, note="merged KH202612060001"),
        entry(world.bob, obj=world.alice, note="conflict decided: give 他先拜访"),
        entry(world.bob, obj=world.alice, note="conflict case 7 withdrawn"),
        entry(world.bob, obj=world.alice, note="a note someone typed"),
    ]
    with translation.override("zh-hans"):
        shown = [row.sentence for row in present_entries(actor=world.bob, entries=old)]
    assert shown == [
        "已移交给 张三",
        "已与 KH202612060001 合并",
        "撞单已裁决：归报备人（他先拜访）",
        "第 7 号撞单已由报备人撤回",
        "a note someone typed",
    ]


def test_notes_and_related_records_read_in_the_readers_language(world: World) -> None:
    salesperson = Role.objects.get(code="salesperson")
    logged = entry(world.bob, obj=world.alice, note="password changed", changes={"roles": [[], [salesperson.pk]]})
    with translation.override("zh-hans"):
        [shown] = present_entries(actor=world.bob, entries=[logged])
    assert shown.sentence == "密码已修改"
    assert (shown.rows[0].label, shown.rows[0].after) == ("角色", "销售人员")  # by name, not id
    with translation.override("en"):
        [shown] = present_entries(actor=world.bob, entries=[logged])
    assert shown.sentence == "Password changed"
    assert shown.rows[0].after == "Salesperson"
