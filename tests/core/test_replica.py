"""The database router (guanxi.core.replica): reports read from the replica when it is fit; writes, transactions,
the requests just after a user wrote, and every read while the replica is down or lagging stay on the primary.

On PostgreSQL the module adds a second alias, ``replica``: a connection of its own to the test database, as a
streaming replica with no lag would be. The tests that need a replica say so and are skipped on SQLite."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.core import replica
from guanxi.core.replica import (
    PIN_COOKIE,
    REPLICA,
    PrimaryPinMiddleware,
    reads_replica,
    replica_reads,
    replica_status,
)
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit
from tests.conftest import PASSWORD, World, grant

BOTH = ["default", REPLICA]
needs_replica = pytest.mark.usefixtures("replica_alias")


@pytest.fixture(scope="module")
def replica_alias(django_db_setup: None) -> Iterator[None]:
    """A ``replica`` database alias on PostgreSQL: a second connection to the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica is a PostgreSQL feature: run the suite on PostgreSQL (make test does)")
    added = REPLICA not in settings.DATABASES
    if added:
        config: dict[str, Any] = {**connections[DEFAULT_DB_ALIAS].settings_dict}
        config["TEST"] = {**config["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
        settings.DATABASES[REPLICA] = config  # type: ignore[assignment]
        connections.settings[REPLICA] = config
    replica.forget_replica_status()
    yield
    replica.forget_replica_status()
    if added:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        settings.DATABASES.pop(REPLICA, None)


@pytest.fixture(autouse=True)
def _fresh_status() -> Iterator[None]:
    replica.forget_replica_status()
    yield
    replica.forget_replica_status()


@pytest.fixture
def replica_down() -> Iterator[None]:
    """The replica's address with nothing listening: a real connection refused."""
    alias = connections[REPLICA]
    kept = alias.settings_dict
    alias.close()
    alias.settings_dict = {**kept, "HOST": "127.0.0.1", "PORT": 1}
    replica.forget_replica_status()
    yield
    alias.close()
    alias.settings_dict = kept
    replica.forget_replica_status()


def test_without_a_replica_everything_reads_from_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(settings.DATABASES, REPLICA, raising=False)
    with replica_reads():
        assert router.db_for_read(Customer) == "default"
    assert replica_status().describe() == "not configured"


# The tests without a replica come first: the module's replica alias, once added, stays until its end.
def test_a_report_page_runs_under_replica_reads(world: World, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from guanxi.analytics import framework

    seen: list[bool] = []
    real_run = framework.run

    def run(**kwargs: Any) -> Any:
        seen.append(replica._reading.get())
        return real_run(**kwargs)

    monkeypatch.delitem(settings.DATABASES, REPLICA, raising=False)  # the flag is what this test is about
    grant(world.root)
    client.force_login(world.root)
    monkeypatch.setattr("guanxi.analytics.views.run", run)
    assert client.get("/reports/composition/").status_code == 200 and seen == [True]
    assert not replica._reading.get()


@needs_replica
@pytest.mark.django_db(databases=BOTH)
def test_only_report_reads_go_to_the_replica_and_writes_never_do() -> None:
    assert router.db_for_read(Customer) == "default"
    with replica_reads():
        assert router.db_for_read(Customer) == REPLICA
        assert router.db_for_write(Customer) == "default"
        assert Customer.objects.all().db == REPLICA
    assert router.db_for_read(Customer) == "default"
    assert not router.allow_migrate(REPLICA, "customers")
    assert router.allow_migrate("default", "customers")


@needs_replica
@pytest.mark.django_db(databases=BOTH)
def test_reads_inside_a_transaction_stay_on_the_primary() -> None:
    with replica_reads():
        with transaction.atomic():
            assert router.db_for_read(Customer) == "default"
        assert router.db_for_read(Customer) == REPLICA


def _request_through_the_middleware(view: Callable[[HttpRequest], HttpResponse], **cookies: str) -> HttpResponse:
    request = RequestFactory().get("/reports/")
    request.COOKIES.update(cookies)
    return PrimaryPinMiddleware(view)(request)


@needs_replica
@pytest.mark.django_db(databases=BOTH)
def test_a_request_that_wrote_reads_its_writes_and_pins_the_browser_to_the_primary_for_a_few_seconds() -> None:
    seen: list[str] = []

    def report_after_a_write(request: HttpRequest) -> HttpResponse:
        with replica_reads():
            seen.append(router.db_for_read(Customer))
            BusinessUnit.objects.create(name="新公司", code="new")
            seen.append(router.db_for_read(Customer))  # the rest of this request reads what it wrote
        return HttpResponse()

    def report(request: HttpRequest) -> HttpResponse:
        with replica_reads():
            seen.append(router.db_for_read(Customer))
        return HttpResponse()

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        response = _request_through_the_middleware(report_after_a_write)
        assert seen == [REPLICA, "default"]
        pin = response.cookies[PIN_COOKIE]
        assert pin["max-age"] == settings.REPLICA_PIN_SECONDS and pin["httponly"]
        assert PIN_COOKIE not in _request_through_the_middleware(report).cookies  # a read does not pin
    with time_machine.travel(start + timedelta(seconds=settings.REPLICA_PIN_SECONDS - 1), tick=False):
        _request_through_the_middleware(report, **{PIN_COOKIE: pin.value})
    with time_machine.travel(start + timedelta(seconds=settings.REPLICA_PIN_SECONDS + 1), tick=False):
        _request_through_the_middleware(report, **{PIN_COOKIE: pin.value})
        _request_through_the_middleware(report, **{PIN_COOKIE: "not a time"})
    assert seen == [REPLICA, "default", REPLICA, "default", REPLICA, REPLICA]


@needs_replica
@pytest.mark.django_db(databases=BOTH, transaction=True)  # the replica's connection sees what the primary committed
def test_a_user_who_just_signed_in_sees_reports_from_the_primary_until_the_pin_expires(world: World) -> None:
    grant(world.root)
    client = Client()
    signed_in = client.post(reverse("org:login"), {"username": "root", "password": PASSWORD})
    assert signed_in.status_code == 302 and PIN_COOKIE in signed_in.cookies  # signing in writes: pinned
    with CaptureQueriesContext(connections[REPLICA]) as pinned:
        assert client.get("/reports/composition/").status_code == 200
    assert len(pinned) == 0
    later = CaptureQueriesContext(connections[REPLICA])
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=settings.REPLICA_PIN_SECONDS + 1)), later:
        assert client.get("/reports/composition/").status_code == 200
    assert len(later) > 0


@needs_replica
@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_a_replica_that_does_not_answer_sends_reads_to_the_primary(replica_down: None) -> None:
    status = replica_status()
    assert not status.usable and status.state == "down"
    with replica_reads():
        assert router.db_for_read(Customer) == "default"
        assert Customer.objects.count() == 0
    # the node keeps serving, and says why reports read from the primary
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["replica"] == "error: OperationalError (reads go to the primary)"
    assert response.json()["database"] == "ok"


@needs_replica
@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_a_report_whose_replica_fails_half_way_is_read_again_from_the_primary() -> None:
    BusinessUnit.objects.create(name="测试公司", code="test")
    used: list[str] = []

    @reads_replica
    def report() -> int:
        queryset = BusinessUnit.objects.all()
        used.append(queryset.db)
        if len(used) == 1:  # the replica goes away after the router chose it
            connections[REPLICA].close()
            connections[REPLICA].settings_dict = {**connections[REPLICA].settings_dict, "PORT": 1}
        return queryset.count()

    kept = connections[REPLICA].settings_dict
    try:
        assert report() == 1
    finally:
        connections[REPLICA].close()
        connections[REPLICA].settings_dict = kept
    assert used == [REPLICA, "default"]


@needs_replica
@pytest.mark.django_db(databases=BOTH)
def test_a_lagging_replica_sends_reads_to_the_primary_and_is_asked_again_a_second_later(
    settings: Any,
) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        settings.REPLICA_MAX_LAG_SECONDS = -1  # any lag, even none, is too much
        status = replica_status()
        assert (status.state, status.lag_seconds) == ("lagging", 0.0)
        with replica_reads():
            assert router.db_for_read(Customer) == "default"
        settings.REPLICA_MAX_LAG_SECONDS = 10
        assert replica_status().state == "lagging"  # cached: one probe per second and process
    with time_machine.travel(start + timedelta(seconds=settings.REPLICA_CHECK_SECONDS), tick=False):
        assert replica_status().state == "ok"
        with replica_reads():
            assert router.db_for_read(Customer) == REPLICA


@needs_replica
@pytest.mark.django_db(databases=BOTH)
def test_healthz_says_the_replica_is_fine() -> None:
    body = Client().get("/healthz").json()
    assert body["replica"] == "ok"
