"""The shared test world (Alice, Bob and Charlie) and settings for fast, isolated tests."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation
from huey.contrib.djhuey import HUEY

from guanxi.org.models import BusinessUnit, Department, Role, User

# Tests build the few records they need: no installation set-up data (e.g. the 3,000 regions after migrate).
settings.TESTING = True

# `make test` runs the suite in parallel workers (pytest -n): each has its own test database, and here its own
# Redis database, since tests clear the cache. Worker gwN takes database N above the one REDIS_URL names.
if settings.REDIS_URL and (worker := os.environ.get("PYTEST_XDIST_WORKER")):
    base, _, number = settings.REDIS_URL.rpartition("/")
    settings.CACHES["default"]["LOCATION"] = f"{base}/{int(number) + int(worker.removeprefix('gw'))}"

PASSWORD = "Correct-Horse-42"


# MD5 keeps the suite fast (tests/org/test_auth.py checks that argon2 is what production uses); files stay in memory.
FAST_AND_ISOLATED = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}


@pytest.fixture(autouse=True)
def _test_settings(settings: object) -> Iterator[None]:
    for name, value in FAST_AND_ISOLATED.items():
        setattr(settings, name, value)
    # Services called directly speak English; requests pick their language as in production.
    with translation.override("en"):
        yield


@pytest.fixture(scope="session", autouse=True)
def _queue_runs_tasks_at_once() -> None:
    HUEY.immediate = True


@pytest.fixture(scope="session", autouse=True)
def _tables_emptied_by_delete() -> Iterator[None]:
    """After each transactional test Django empties every table; on PostgreSQL it does so with one TRUNCATE of
    all ~400, which makes and drops two files per table and index: seconds per test. Deleting the few rows the
    test wrote leaves the same empty tables in milliseconds. Triggers (foreign keys, the audit log's refusal
    to delete) are off for that transaction only, as every table is emptied together."""
    operations = type(connection.ops)
    if connection.vendor != "postgresql":
        yield
        return
    truncate = operations.sql_flush

    def delete(self: Any, style: Any, tables: list[str], *, reset_sequences: bool = False, **options: Any) -> list[str]:
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, **options)
        return ["SET LOCAL session_replication_role = replica"] + [
            f"DELETE FROM {self.quote_name(table)}" for table in tables
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "sql_flush", delete)
        yield


class World:
    """Alice and Bob work in Shanghai sales (Bob is Alice's manager); Charlie works in Beijing.
    Nobody holds a role until a test grants one (``grant``); Root is a system administrator."""

    def __init__(self) -> None:
        self.unit = BusinessUnit.objects.create(name="测试公司", code="test")
        self.head_office = make_department("总部", None, self.unit)
        self.shanghai = make_department("上海", self.head_office)
        self.beijing = make_department("北京", self.head_office)
        self.bob = make_user("bob", "王博", self.shanghai)
        self.alice = make_user("alice", "李爱丽", self.shanghai, manager=self.bob)
        self.charlie = make_user("charlie", "张查理", self.beijing)
        self.root = make_user("root", "系统管理员", self.head_office, is_superuser=True)


class TwoUnits(World):
    """A group of two business units, for isolation tests (SPEC §1.1). Unit A is the world's unit: Alice
    sells there and Ada administers it. Unit B (杭州分公司) has Ben, its administrator, and Bella, who sells.
    Gina administers the whole group (all units)."""

    def __init__(self) -> None:
        super().__init__()
        self.unit_b = BusinessUnit.objects.create(name="杭州分公司", code="hangzhou")
        self.hangzhou = make_department("杭州", None, self.unit_b)
        self.ada = grant(make_user("ada", "艾达", self.head_office), "unit_admin")
        self.ben = grant(make_user("ben", "本", self.hangzhou), "unit_admin")
        self.bella = grant(make_user("bella", "贝拉", self.hangzhou), "salesperson")
        self.gina = grant(make_user("gina", "吉娜", self.head_office), "system_admin")
        grant(self.alice, "salesperson")


@pytest.fixture
def two_units(db: None) -> TwoUnits:
    return TwoUnits()


def make_department(name: str, parent: Department | None, unit: BusinessUnit | None = None) -> Department:
    department = Department.objects.create(
        business_unit=unit or parent.business_unit,  # type: ignore[union-attr]
        parent=parent,
        name=name,
    )
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.save(update_fields=["path"])
    return department


def grant(user: User, *role_codes: str) -> User:
    """Give the user these default roles (and forget any cached grants)."""
    user.roles.set(Role.objects.filter(code__in=role_codes))
    user.__dict__.pop("_grants", None)
    return user


def make_user(username: str, name: str, department: Department | None = None, **fields: object) -> User:
    return User.objects.create_user(
        username, PASSWORD, display_name=name, department=department, mobile="13812345678", **fields
    )


@pytest.fixture
def world(db: None) -> World:
    return World()


def client_for(user: User, **defaults: Any) -> Client:
    client = Client(**defaults)
    client.force_login(user)
    return client
