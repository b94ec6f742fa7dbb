"""The REST contract on bad input: every refusal is a 4xx in the documented shape, never a 500."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import World

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/customers/"])
def test_deeply_nested_json_is_refused_with_400(world: World, path: str) -> None:
    client = APIClient()
    client.force_authenticate(world.root)
    response = client.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON 内容嵌套层级过深。"  # in the user's language (Chinese by default)
