"""The REST contract on bad input: every refusal is a 4xx in the documented shape, never a 500."""

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

import guanxi
from guanxi.core.errors import STATUS_OF_CODE, status_of
from guanxi.core.views import server_error
from tests.conftest import World

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
