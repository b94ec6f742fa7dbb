"""Role × endpoint matrix for the organisation's API: who may do what, and that refusals change nothing."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from guanxi.org.models import Department, Role, User, UserSession
from tests.conftest import World, client_for, grant
from tests.org.test_security import signed_in

ROLES = [None, "salesperson", "sales_manager", "unit_admin", "system_admin"]
ADMINS = {"unit_admin", "system_admin"}


def client_as(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def requests(world: World) -> dict[str, Callable[[APIClient], Any]]:
    return {
        "list users": lambda c: c.get("/api/v1/users/"),
        "see a user": lambda c: c.get(f"/api/v1/users/{world.charlie.pk}/"),
        "create a user": lambda c: c.post(
            "/api/v1/users/",
            {"username": "newbie", "display_name": "新人", "password": "Strong-Pass-2026"},
            format="json",
        ),
        "freeze a user": lambda c: c.post(f"/api/v1/users/{world.charlie.pk}/freeze/"),
        "list departments": lambda c: c.get("/api/v1/departments/"),
        "create a department": lambda c: c.post(
            "/api/v1/departments/", {"name": "新部门", "parent": world.beijing.pk}, format="json"
        ),
        "list roles": lambda c: c.get("/api/v1/roles/"),
        "create a role": lambda c: c.post(
            "/api/v1/roles/",
            {"name": "Viewer", "code": "viewer", "permissions": ["org.view"], "data_scope": "own"},
            format="json",
        ),
        "list units": lambda c: c.get("/api/v1/business-units/"),
    }


ALLOWED = {"list users": 200, "see a user": 200, "create a user": 201, "freeze a user": 200}
ALLOWED |= {"list departments": 200, "create a department": 201, "list roles": 200, "create a role": 201}
ALLOWED |= {"list units": 200}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ALLOWED))
def test_the_organisation_api_answers_each_role(world: World, role: str | None, name: str) -> None:
    actor = grant(world.alice, role) if role else world.alice
    before = (User.objects.count(), Department.objects.count(), Role.objects.count())
    response = requests(world)[name](client_as(actor))
    expected = ALLOWED[name] if role in ADMINS else 403
    assert response.status_code == expected, response.content
    if expected == 403:
        assert (User.objects.count(), Department.objects.count(), Role.objects.count()) == before
        assert User.objects.get(pk=world.charlie.pk).status == User.Status.ACTIVE


@pytest.mark.parametrize("name", list(ALLOWED))
def test_anonymous_requests_get_401(world: World, name: str) -> None:
    assert requests(world)[name](client_as(None)).status_code == 401


def test_a_user_outside_the_admins_scope_answers_404(world: World) -> None:
    branch = Role.objects.create(
        name="Branch admin", code="branch", permissions=["org.view", "org.edit"], data_scope="department_tree"
    )
    world.bob.roles.set([branch])
    client = client_as(world.bob)
    assert client.get(f"/api/v1/users/{world.charlie.pk}/").status_code == 404
    assert client.post(f"/api/v1/users/{world.charlie.pk}/freeze/").status_code == 404
    assert {row["username"] for row in client.get("/api/v1/users/").json()["results"]} == {"alice", "bob"}


def test_bad_input_gets_field_errors(world: World) -> None:
    client = client_as(grant(world.bob, "unit_admin"))
    response = client.post("/api/v1/users/", {"username": "bad name!", "display_name": ""}, format="json")
    assert response.status_code == 400
    assert {"username", "display_name"} <= response.json().keys()
    response = client.post("/api/v1/users/", {"username": "ok", "display_name": "好", "password": "123"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()
    response = client.post(
        f"/api/v1/departments/{world.shanghai.pk}/move/", {"parent": world.shanghai.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "parent" in response.json()


def test_a_department_with_people_cannot_be_deleted_through_the_api(world: World) -> None:
    client = client_as(grant(world.bob, "unit_admin"))
    response = client.delete(f"/api/v1/departments/{world.beijing.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "1 people" in response.json()["detail"]
    assert Department.objects.filter(pk=world.beijing.pk).exists()


def test_leave_through_the_api_hands_over(world: World) -> None:
    world.beijing.lead = world.charlie
    world.beijing.save()
    client = client_as(grant(world.bob, "unit_admin"))
    response = client.post(f"/api/v1/users/{world.charlie.pk}/leave/", {"successor": world.alice.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "left"
    assert Department.objects.get(pk=world.beijing.pk).lead == world.alice


def test_lists_are_paginated_in_the_contract_shape(world: World) -> None:
    body = client_as(world.root).get("/api/v1/users/?page_size=2").json()
    assert body.keys() == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    assert len(body["results"]) == 2


@pytest.mark.parametrize("role", ROLES)
def test_online_sessions_and_force_logout_answer_each_role(world: World, role: str | None) -> None:
    charlie = client_for(world.charlie)
    assert signed_in(charlie)  # one request: Charlie is online
    session = UserSession.objects.get(user=world.charlie)
    client = client_as(grant(world.alice, role) if role else world.alice)
    listing = client.get("/api/v1/online-sessions/")
    ended = client.post(f"/api/v1/online-sessions/{session.pk}/end/")
    if role in ADMINS:
        assert (listing.status_code, ended.status_code) == (200, 204)
        assert [row["user_name"] for row in listing.json()["results"]] == ["张查理"]
        assert not signed_in(charlie)
    else:
        assert (listing.status_code, ended.status_code) == (403, 403)
        assert signed_in(charlie)
    assert client_as(None).get("/api/v1/online-sessions/").status_code == 401


def test_force_logout_of_a_session_outside_the_admins_scope_answers_404(world: World) -> None:
    charlie = client_for(world.charlie)
    assert signed_in(charlie)
    session = UserSession.objects.get(user=world.charlie)
    branch = Role.objects.create(
        name="Branch admin", code="branch", permissions=["org.view", "org.edit"], data_scope="department_tree"
    )
    world.bob.roles.set([branch])
    client = client_as(world.bob)
    assert client.get("/api/v1/online-sessions/").json()["count"] == 0
    assert client.post(f"/api/v1/online-sessions/{session.pk}/end/").status_code == 404
    assert signed_in(charlie)
