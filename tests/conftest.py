"""The shared test world (Alice, Bob and Charlie) and settings for fast, isolated tests."""

from typing import Any

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from guanxi.org.models import BusinessUnit, Department, User

PASSWORD = "Correct-Horse-42"


@pytest.fixture(autouse=True)
def _test_settings(settings: object) -> None:
    # MD5 keeps the suite fast; tests/org/test_auth.py checks that argon2 is what production uses.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    settings.STORAGES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session", autouse=True)
def _queue_runs_tasks_at_once() -> None:
    HUEY.immediate = True


class World:
    """Alice and Bob work in Shanghai sales (Bob is Alice's manager); Charlie works in Beijing."""

    def __init__(self) -> None:
        self.unit = BusinessUnit.objects.create(name="测试公司", code="test")
        self.head_office = Department.objects.create(business_unit=self.unit, name="总部")
        self.shanghai = Department.objects.create(
            business_unit=self.unit, parent=self.head_office, name="上海"
        )
        self.beijing = Department.objects.create(
            business_unit=self.unit, parent=self.head_office, name="北京"
        )
        self.bob = make_user("bob", "王博", self.shanghai)
        self.alice = make_user("alice", "李爱丽", self.shanghai, manager=self.bob)
        self.charlie = make_user("charlie", "张查理", self.beijing)


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
