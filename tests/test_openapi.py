from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import Client


def test_the_openapi_schema_is_valid_and_free_of_warnings(tmp_path: Path) -> None:
    """Every resource is documented without guesses (drf-spectacular warns when it has to guess)."""
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO(), stderr=StringIO()
    )
    schema = target.read_text()
    for path in ("/api/v1/customers/", "/api/v1/users/", "/api/v1/customers/{id}/merge/", "/api/v1/dictionary/"):
        assert path in schema


def test_no_action_is_documented_with_the_text_of_its_list(admin_client: Client) -> None:
    """An action without a docstring of its own would show its viewset's description (the list's)."""
    paths = admin_client.get("/api/schema/", {"format": "json"}).json()["paths"]
    borrowed = []
    for path, operations in paths.items():
        listing = paths.get(path.split("{", 1)[0], {}).get("get", {}).get("description")
        for method, operation in operations.items():
            is_action = not path.endswith(("{id}/", "{pk}/", "{code}/")) and "{" in path
            if is_action and listing and operation.get("description") == listing:
                borrowed.append(f"{method.upper()} {path}")
    assert borrowed == [], "\n".join(borrowed)


def test_the_customer_schema_names_the_warnings_the_apps_above_add(admin_client: Client) -> None:
    """``open_complaints`` comes from the service app's registration, yet a client generated from the schema
    knows it."""
    schema = admin_client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]["Customer"]
    assert schema["properties"]["open_complaints"]["type"] == "integer"
    assert schema["properties"]["warnings"]["type"] == "array"
