"""The REST contract on bad input: every refusal is a 4xx in the documented shape, never a 500."""

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.test import APIClient

import guanxi
from guanxi.core import api
from guanxi.core.errors import STATUS_OF_CODE, status_of
from guanxi.core.views import server_error
from guanxi.customers.models import Customer
from tests.conftest import World
from tests.customers.test_services import register

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/customers/"])
def test_deeply_nested_json_is_refused_with_400(world: World, path: str) -> None:
    client = APIClient()
    client.force_authenticate(world.root)
    response = client.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON 内容嵌套层级过深。"  # in the user's language (Chinese by default)


def _refusals_raised_in_the_code() -> list[tuple[str, str, str]]:
    """(exception class, code, file) of every ``Conflict(…, code=…)`` and ``NotPermitted(…, code=…)``."""
    found = []
    for path in Path(guanxi.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Conflict", "NotPermitted"):
                for keyword in node.keywords:
                    if keyword.arg == "code":  # a constant, or constants chosen by a condition
                        for value in ast.walk(keyword.value):
                            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                                found.append((node.func.id, value.value, path.name))  # type: ignore[attr-defined]
    return found


def test_every_conflict_and_refusal_code_has_its_status_in_the_one_table() -> None:
    raised = _refusals_raised_in_the_code()
    assert len(raised) > 20
    expected = {"Conflict": 409, "NotPermitted": 403}
    assert [(kind, code, name) for kind, code, name in raised if status_of(code) != expected[kind]] == []
    assert status_of("claim_limit") == status_of("holding_limit") == 409  # DESIGN.md lists them as conflicts
    assert status_of("required") == 400


def test_the_schema_documents_the_status_of_each_refusal_code(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.root)
    description = client.get("/api/schema/", {"format": "json"}).json()["info"]["description"]
    for code, status in STATUS_OF_CODE.items():
        assert f"| `{code}` | {status} |" in description


MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_an_unknown_api_path_answers_json_404_even_before_collectstatic(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.STORAGES, settings.STATIC_ROOT = MANIFEST_STORAGES, tmp_path  # production storage, nothing collected
    client = APIClient()
    client.force_authenticate(world.root)
    for path in ("/api/v1/no-such-thing/", "/api/no-such-thing", "/api/v1/customers/1/no-such-action/"):
        response = client.get(path)
        assert (response.status_code, response["Content-Type"]) == (404, "application/json"), path
        assert response.json() == {"detail": "未找到。", "code": "not_found"}


def test_a_server_error_under_the_api_answers_json(rf: RequestFactory) -> None:
    response = server_error(rf.get("/api/v1/customers/"))
    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert json.loads(response.content)["code"] == "server_error"


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_serializer_of_the_api_refuses_fields_it_does_not_write() -> None:
    ours = {cls for cls in _subclasses(serializers.Serializer) if cls.__module__.startswith("guanxi.")}
    assert len(ours) > 40
    assert sorted(cls.__qualname__ for cls in ours if not issubclass(cls, api.Serializer)) == []


@pytest.mark.parametrize("field", ["bogus", "is_superuser", "status", "owner", "number"])
def test_unknown_and_read_only_fields_are_refused_by_name(world: World, field: str) -> None:
    client = APIClient()
    client.force_authenticate(world.root)
    created = client.post("/api/v1/customers/", {"name": "接口新客户", field: "x"}, format="json")
    assert created.status_code == 400
    assert list(created.json()) == [field]
    assert not Customer.objects.exists()
    customer = register(world.root)
    patched = client.patch(f"/api/v1/customers/{customer.pk}/", {"version": customer.version, field: 1}, format="json")
    assert (patched.status_code, list(patched.json())) == (400, [field])


def test_tags_are_a_list_of_strings(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.root)
    refused = client.post("/api/v1/customers/", {"name": "接口新客户", "tags": "vip"}, format="json")
    assert refused.status_code == 400 and "tags" in refused.json()
    created = client.post("/api/v1/customers/", {"name": "接口新客户", "tags": ["vip"]}, format="json")
    assert created.status_code == 201 and created.json()["tags"] == ["vip"]
    schema = client.get("/api/schema/", {"format": "json"}).json()
    tags = schema["components"]["schemas"]["Customer"]["properties"]["tags"]
    assert (tags["type"], tags["items"]["type"]) == ("array", "string")


def test_an_update_without_its_version_is_refused_in_the_users_language(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.root)
    customer = register(world.root)
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"name": "新名称"}, format="json")
    assert (response.status_code, response.json()) == (400, {"version": ["请提交您加载时的版本号（version）。"]})
