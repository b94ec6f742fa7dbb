from io import StringIO
from pathlib import Path

from django.core.management import call_command


def test_the_openapi_schema_is_valid_and_free_of_warnings(tmp_path: Path) -> None:
    """Every resource is documented without guesses (drf-spectacular warns when it has to guess)."""
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO(), stderr=StringIO()
    )
    schema = target.read_text()
    for path in ("/api/v1/customers/", "/api/v1/users/", "/api/v1/customers/{id}/merge/", "/api/v1/dictionary/"):
        assert path in schema
