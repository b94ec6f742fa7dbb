from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from guanxi.org.models import Department, User


def test_the_demo_company_loads_once_however_often_it_runs(db: None) -> None:
    call_command("demo", stdout=StringIO())
    counts = (User.objects.count(), Department.objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert (User.objects.count(), Department.objects.count()) == counts
    assert "0 people added" in out.getvalue()
    assert "sales1" in out.getvalue()


def test_the_demo_company_has_a_four_level_tree_and_a_dozen_people(db: None) -> None:
    call_command("demo", stdout=StringIO())
    deepest = Department.objects.get(name="上海一部")
    depth = 1
    while deepest.parent is not None:
        deepest, depth = deepest.parent, depth + 1
    assert depth == 4
    assert User.objects.count() >= 12
    assert User.objects.filter(is_superuser=True).count() == 1
    assert all(user.mobile and user.department for user in User.objects.all())


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
