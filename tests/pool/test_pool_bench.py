"""The pool's benchmark part (tests/bench/dataset_pool.py, cases_pool.py) still works on a small dataset:
its expiry times are the app's, at least 5 % of the customers are due, and both cases measure."""

import pytest
from django.conf import settings
from django.utils import timezone

from guanxi.customers.models import Customer
from tests.bench import dataset, dataset_pool, harness

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=400, contacts=600, users=30, departments=5)


def quiet(line: str) -> None:
    pass


@pytest.mark.django_db(transaction=True)
def test_the_pool_dataset_part_and_cases_run_on_a_small_dataset(settings: object) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]  # type: ignore[attr-defined]
    settings.STORAGES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    dataset.load(SMALL, out=quiet)
    dataset_pool.prepare(quiet)  # checks a sample of expiry times against the app itself
    dataset_pool.prepare(quiet)  # a second run changes nothing
    assert not Customer.all_objects.filter(pool__isnull=True).exists()
    due = Customer.objects.filter(expires_at__lte=timezone.now(), owner__isnull=False).count()
    assert due >= 0.05 * Customer.objects.count()
    cases = [case for case in harness.discover() if case.group == "pool"]
    assert {case.name for case in cases} == {
        "pool claim (salesperson)",
        "pool reclaim sweep (all customers)",
        "viewing-limit check (salesperson, a new pool customer)",
    }
    for case in cases:
        result = harness.measure(case, harness.Picks(), repeat=2, warmup=0)
        assert result.status in ("PASS", "FAIL"), result.detail  # measured: the figure is the bench's business
    assert Customer.objects.filter(expires_at__lte=timezone.now(), owner__isnull=False).count() == due  # undone
