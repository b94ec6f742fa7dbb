"""Redis down degrades the site instead of failing it (guanxi.core.degraded, docs/scaling.md): real Redis clients
pointed at a port where nothing listens."""

import datetime
import uuid
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from huey import crontab

from guanxi.core import views
from guanxi.core.degraded import DegradingRedisCache, DegradingRedisHuey
from tests.conftest import World, client_for, grant

UNREACHABLE = "redis://127.0.0.1:1/0"
OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True}


@pytest.fixture
def redis_down(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "guanxi.core.degraded.DegradingRedisCache", "LOCATION": UNREACHABLE, "OPTIONS": OPTIONS}
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def test_the_cache_answers_not_cached_and_counters_count_each_call_as_the_first(redis_down: None) -> None:
    cache = caches["default"]
    assert isinstance(cache, DegradingRedisCache)
    cache.set("key", "value")
    assert cache.get("key") is None
    assert cache.incr("counter") == 1  # a rate limit lets the call through rather than failing the page


def test_signed_in_users_keep_working_from_the_database_sessions(world: World, redis_down: None) -> None:
    client = client_for(grant(world.alice, "salesperson"))
    assert client.get("/").status_code == 200
    assert client.get("/customers/").status_code == 200


def test_a_task_queued_while_redis_is_down_is_dropped_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    queue = DegradingRedisHuey("unreachable", url=UNREACHABLE)

    @queue.task()
    def nothing() -> None:
        pass

    assert nothing() is None
    assert "the queue is unreachable" in caplog.text


def test_healthz_says_degraded_and_what_it_means_when_redis_is_down(
    db: None, redis_down: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "HUEY", DegradingRedisHuey("unreachable", url=UNREACHABLE))
    monkeypatch.setattr(views, "cache", caches["default"])
    response = Client().get("/healthz")
    assert response.status_code == 200  # the node keeps serving: the balancer leaves it in
    body = response.json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["queue"] == "error: ConnectionError (background jobs wait; the sweeps catch up once it is back)"
    assert body["cache"] == "error: ConnectionError (pages compute without it; sessions are read from the database)"


def test_the_periodic_sweeps_of_a_minute_are_queued_by_one_worker_however_many_ask(settings: Any) -> None:
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL): the claim is a Redis key")
    name = f"periodic-test-{uuid.uuid4().hex}"
    workers = [DegradingRedisHuey(name, url=settings.REDIS_URL) for _ in range(3)]
    for queue in workers:

        @queue.periodic_task(crontab(minute="*"))
        def sweep() -> None:
            pass

    minute = datetime.datetime(2026, 12, 7, 9, 30, 12)
    asked = [len(queue.read_periodic(minute)) for queue in workers]
    assert sorted(asked) == [0, 0, 1]
    assert [len(queue.read_periodic(minute + datetime.timedelta(minutes=1))) for queue in workers] == [1, 0, 0]
    workers[0].storage.conn.delete(*workers[0].storage.conn.keys(f"{name}.periodic.*"))
