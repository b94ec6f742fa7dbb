"""A NUL character in any input of any API operation is refused with 400 before it reaches the database
(PostgreSQL cannot store or compare it): every path and query parameter and every body field of the schema."""

import re
from typing import Any

from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import World

NUL = "a\x00b"


def _body_fields(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return list(body.get("properties", {})) or ["any"]  # a free-form object: any key


def _fill(template: str, name: str) -> str:
    """The path with NUL for the parameter ``name`` and 1 for the others."""
    return re.sub(r"\{(\w+)\}", lambda match: "a%00b" if match[1] == name else "1", template)


def _requests(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any], str]]:
    """(method, path, query, body, what) for each input of each operation, NUL in that input alone."""
    found: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = []
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            in_path = [p["name"] for p in parameters if p["in"] == "path"]
            path = re.sub(r"\{\w+\}", "1", template)
            for name in in_path:
                found.append((method, _fill(template, name), {}, {}, f"path {name}"))
            for parameter in parameters:
                if parameter["in"] == "query":
                    found.append((method, path, {parameter["name"]: NUL}, {}, f"query {parameter['name']}"))
            if "requestBody" in operation:
                for field in _body_fields(schema, operation):
                    found.append((method, path, {}, {field: NUL}, f"body {field}"))
                found.append((method, path, {}, {NUL: 1}, "a body key"))
    return found


def test_nul_in_any_parameter_of_any_operation_is_refused_with_400(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.root)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    requests = _requests(schema)
    assert len(requests) > 300
    answers = []
    for method, path, query, body, what in requests:
        url = f"{path}?{'&'.join(f'{k}=a%00b' for k in query)}" if query else path
        response = getattr(client, method)(url, body or None, format="json")
        answers.append((method.upper(), path, what, response.status_code))
    assert [answer for answer in answers if answer[3] != 400] == []


def test_nul_in_a_page_query_or_form_answers_the_400_page_naming_the_field(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.root)
    for response in (client.get("/customers/?q=a%00b"), client.post("/customers/new/", {"name": NUL})):
        assert response.status_code == 400
        assert "请删除其中的空字符" in response.content.decode()
    assert "q</p>" in client.get("/customers/?q=a%00b").content.decode()
