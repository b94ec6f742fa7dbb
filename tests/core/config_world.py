"""The test world for the configuration tools: Bob configures (the default unit admin role), Alice may
only look at the settings (``system.view``), Charlie has no access to them."""

from typing import Any

from rest_framework.test import APIClient

from guanxi.core.models import AuditEntry
from guanxi.core.scope import Scope
from guanxi.org.models import Role, User
from tests.conftest import World


class ConfigWorld(World):
    def __init__(self) -> None:
        super().__init__()
        self.bob.roles.add(Role.objects.get(code="unit_admin"))
        viewer = Role.objects.create(
            name="Settings viewer", code="settings_viewer", permissions=["system.view"], data_scope=Scope.OWN
        )
        self.alice.roles.add(viewer)
        for user in (self.alice, self.bob, self.charlie):
            user.language = "en"
            user.save(update_fields=["language"])


def api_for(user: User) -> APIClient:
    # The API reads the language from the request (tokens carry no session), so ask for English.
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def audit_entries(object_type: str, **lookup: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type, **lookup).order_by("pk"))
