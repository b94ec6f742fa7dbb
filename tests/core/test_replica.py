"""Reports read from the replica when one is configured; everything else, and every write, stays on the primary."""

from typing import Any

import pytest
from django.conf import settings
from django.db import router
from django.test import Client

from guanxi.core import replica
from guanxi.core.replica import REPLICA, replica_reads
from guanxi.customers.models import Customer
from tests.conftest import World, grant


def test_without_a_replica_everything_reads_from_the_primary() -> None:
    with replica_reads():
        assert router.db_for_read(Customer) == "default"


def test_with_a_replica_only_report_reads_go_there_and_writes_never_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(settings.DATABASES, REPLICA, {**settings.DATABASES["default"]})
    assert router.db_for_read(Customer) == "default"
    with replica_reads():
        assert router.db_for_read(Customer) == REPLICA
        assert router.db_for_write(Customer) == "default"
    assert router.db_for_read(Customer) == "default"
    assert not router.allow_migrate(REPLICA, "customers")


def test_a_report_page_runs_under_replica_reads(world: World, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from guanxi.analytics import framework

    seen: list[bool] = []
    real_run = framework.run

    def run(**kwargs: Any) -> Any:
        seen.append(replica._reading.get())
        return real_run(**kwargs)

    grant(world.root)
    client.force_login(world.root)
    monkeypatch.setattr("guanxi.analytics.views.run", run)
    assert client.get("/reports/composition/").status_code == 200 and seen == [True]
    assert not replica._reading.get()
