from rest_framework.test import APIClient

from guanxi.org.models import User
from tests.conftest import PASSWORD, World


def token_client(username: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_a_token_gives_access_to_me(world: World) -> None:
    body = token_client("alice").get("/api/v1/me/").json()
    assert body["username"] == "alice"
    assert body["department_name"] == "上海"


def test_without_credentials_the_api_answers_401(db: None) -> None:
    assert APIClient().get("/api/v1/me/").status_code == 401


def test_a_bad_password_gets_no_token(world: World) -> None:
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "x"}, format="json")
    assert response.status_code == 400


def test_me_can_be_updated_with_field_errors_for_bad_input(world: World) -> None:
    client = token_client("alice")
    response = client.patch("/api/v1/me/", {"email": "bad"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    response = client.patch("/api/v1/me/", {"mobile": "13900002222", "username": "hacker"}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["username"])  # read-only: refused by name
    response = client.patch("/api/v1/me/", {"mobile": "13900002222"}, format="json")
    assert response.status_code == 200
    assert (response.json()["mobile"], response.json()["username"]) == ("13900002222", "alice")


def test_the_amounts_in_wan_setting_is_read_and_changed_through_me(world: World) -> None:
    client = token_client("alice")
    assert client.get("/api/v1/me/").json()["amounts_in_wan"] is False
    response = client.patch("/api/v1/me/", {"amounts_in_wan": True}, format="json")
    assert (response.status_code, response.json()["amounts_in_wan"]) == (200, True)
    assert User.objects.get(pk=world.alice.pk).amounts_in_wan is True


def test_a_frozen_users_token_stops_working_at_once(world: World) -> None:
    client = token_client("alice")
    User.objects.filter(pk=world.alice.pk).update(status=User.Status.FROZEN)
    assert client.get("/api/v1/me/").status_code == 401


def test_the_openapi_schema_and_docs_are_served(world: World) -> None:
    client = token_client("alice")
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_a_units_top_department_is_created_without_naming_a_parent(world: World) -> None:
    client = token_client("root")
    created = client.post("/api/v1/departments/", {"name": "华南区", "business_unit": world.unit.pk}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["parent"], created.json()["path"]) == (None, f"/{created.json()['id']}/")
    renamed = client.patch(f"/api/v1/departments/{world.shanghai.pk}/", {"name": "上海分部"}, format="json")
    assert (renamed.status_code, renamed.json()["parent"]) == (200, world.head_office.pk)  # PATCH keeps the parent
