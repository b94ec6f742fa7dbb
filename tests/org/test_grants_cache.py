"""A request reads its user's roles from the cache; any change of roles is seen by the very next request,
and freezing a user still stops their token and session at once (their status is never cached)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.org.models import Role, User
from guanxi.org.services import role_save, user_freeze, user_set_roles
from tests.conftest import World, grant
from tests.org.test_api import token_client


def _roles_read(client: object, path: str) -> tuple[int, bool]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code  # type: ignore[attr-defined]
    return status, any('"org_user_roles"' in query["sql"] for query in queries.captured_queries)


def test_the_roles_are_read_once_then_kept_until_they_change(world: World) -> None:
    grant(world.alice, "salesperson")
    client = token_client("alice")
    client.get("/api/v1/customers/")
    assert _roles_read(client, "/api/v1/customers/") == (200, False)
    user_set_roles(actor=world.root, user=world.alice, roles=[])
    assert _roles_read(client, "/api/v1/customers/") == (403, True)  # the next request already knows


def test_a_changed_role_reaches_its_holders_next_request(world: World) -> None:
    grant(world.alice, "salesperson")
    client = token_client("alice")
    assert client.get("/api/v1/customers/").status_code == 200
    role = Role.objects.create(name="只看", code="read_only", permissions=["customers.view"], data_scope="own")
    world.alice.roles.set([role])
    assert client.get("/api/v1/customers/").status_code == 200
    role_save(actor=world.root, role=role, name="无权", code="read_only", description="", permissions=[],
              data_scope="own", require_two_factor=False)  # fmt: skip
    assert client.get("/api/v1/customers/").status_code == 403


def test_freezing_stops_a_token_and_a_session_at_once_with_the_roles_kept(world: World) -> None:
    grant(world.alice, "salesperson")
    token = token_client("alice")
    session = token_client("alice")
    session.credentials()
    session.force_login(world.alice)
    assert token.get("/api/v1/customers/").status_code == 200  # the roles are now kept
    assert session.get(reverse("customers:list")).status_code == 200
    user_freeze(actor=world.root, user=world.alice)
    assert token.get("/api/v1/customers/").status_code == 401
    assert session.get(reverse("customers:list")).status_code == 302


def test_a_frozen_status_written_directly_stops_the_token_too(world: World) -> None:
    grant(world.alice, "salesperson")
    client = token_client("alice")
    assert client.get("/api/v1/customers/").status_code == 200
    User.objects.filter(pk=world.alice.pk).update(status=User.Status.FROZEN)
    assert client.get("/api/v1/customers/").status_code == 401
