"""The leads of the benchmark dataset (tests/bench/dataset_leads.py) still load, as the app would store them."""

import pytest
from django.conf import settings
from django.db.models import F

from guanxi.customers import keys
from guanxi.leads.models import OPEN_STATUSES, Lead
from guanxi.org.models import BusinessUnit
from tests.bench import dataset

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)


@postgres_only
def test_the_benchmark_loads_leads_in_every_status_with_the_apps_keys(db: None) -> None:
    dataset.load(dataset.Params(customers=200, contacts=400, users=30, departments=5, leads=300), out=lambda _: None)

    assert Lead.all_objects.count() == 300
    assert set(Lead.all_objects.values_list("status", flat=True)) >= {*OPEN_STATUSES, "converted", "invalid"}
    for company, key, mobile in Lead.all_objects.values_list("company", "company_key", "mobile"):
        assert key == (keys.name_key(company) if company else "")
        assert keys.normalise_phone(mobile, mobile=True) == mobile
    # unassigned leads wait in a department; assigned ones sit in their owner's
    assert not Lead.all_objects.filter(owner=None, department=None).exists()
    assert not Lead.all_objects.exclude(owner=None).exclude(department_id=F("owner__department_id")).exists()
    # new rows after the load get fresh ids
    unit = BusinessUnit.objects.get()
    assert Lead.objects.create(number="NEW-1", name="新线索", business_unit=unit).pk == 301
