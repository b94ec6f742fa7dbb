from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from guanxi.org.models import User


def test_createadmin_makes_a_system_administrator(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANXI_ADMIN_PASSWORD", "Strong-Pass-2026")
    call_command("createadmin", username="root", stdout=StringIO())
    admin = User.objects.get(username="root")
    assert admin.is_superuser and admin.check_password("Strong-Pass-2026")


def test_createadmin_refuses_a_weak_password_or_a_taken_name(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANXI_ADMIN_PASSWORD", "123")
    with translation.override("en"), pytest.raises(CommandError, match="too short"):
        call_command("createadmin", username="root", stdout=StringIO())
    monkeypatch.setenv("GUANXI_ADMIN_PASSWORD", "Strong-Pass-2026")
    call_command("createadmin", username="root", stdout=StringIO())
    with translation.override("en"), pytest.raises(CommandError, match="already exists"):
        call_command("createadmin", username="ROOT", stdout=StringIO())
