"""The benchmark dataset (tests/bench, not part of the suite) still loads, with keys as the app computes them."""

import random

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F

from guanxi.customers import keys
from guanxi.customers.models import Contact, Customer, CustomerName
from guanxi.org.models import BusinessUnit, Department, User
from tests.bench import dataset

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=200, contacts=450, users=30, departments=5)


def indexes_and_constraints() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('customers_customer', 'customers_contact') "
            "UNION ALL SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid IN ('customers_customer'::regclass, 'customers_contact'::regclass)"
        )
        return {row[0] for row in cursor.fetchall()}


@postgres_only
def test_the_benchmark_dataset_loads_the_counts_asked_for(db: None) -> None:
    before = indexes_and_constraints()

    loaded = dataset.load(SMALL, out=lambda line: None)

    assert (loaded.customers, loaded.contacts, loaded.users) == (200, 450, 30)
    assert Customer.all_objects.count() == 200
    assert Contact.all_objects.count() == 450
    assert User.objects.count() == 30
    assert Department.objects.filter(parent=None).count() == 1  # one region above five departments
    assert Department.objects.exclude(parent=None).count() == 5
    assert BusinessUnit.objects.count() == 1
    # Every index and constraint dropped for the COPY is back.
    assert indexes_and_constraints() == before


@postgres_only
def test_the_benchmark_keys_equal_what_the_customers_app_computes(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)

    for name, key, pinyin, initials, bigrams in Customer.all_objects.values_list(
        "name", "name_key", "name_pinyin", "search__name_initials", "search__name_bigrams"
    ):
        assert (key, pinyin, initials) == (keys.name_key(name), keys.name_pinyin(name), keys.name_initials(name))
        assert bigrams == keys.name_bigrams(key) != ""
    assert (
        CustomerName.objects.filter(name_key=F("customer__name_key"), name_pinyin=F("customer__name_pinyin")).count()
        == 200
    )
    for phone, tail in CustomerName.objects.values_list("customer__phone", "phone_tail"):
        assert tail == keys.phone_tail(phone)
    for name, initials in Contact.all_objects.values_list("name", "name_initials"):
        assert initials == keys.name_initials(name)
    for number in Contact.all_objects.values_list("mobile", flat=True):
        assert keys.normalise_phone(number, mobile=True) == number


@postgres_only
def test_the_benchmark_organisation_has_roles_leads_and_one_primary_contact_each(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)

    salespeople = User.objects.filter(roles__code="salesperson")
    assert salespeople.count() == SMALL.salespeople == 23
    for person in salespeople:  # each reports to the lead of their department
        assert person.manager is not None
        assert person.manager.led_departments.filter(members=person).exists()
    assert User.objects.filter(roles__code="sales_manager").count() == 6  # every department and region
    assert not Department.objects.filter(lead=None).exists()
    with_contacts = Customer.all_objects.filter(contacts__isnull=False).distinct().count()
    assert Contact.all_objects.filter(is_primary=True).count() == with_contacts == 200


@postgres_only
def test_after_the_benchmark_load_new_rows_get_fresh_ids(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)
    unit = BusinessUnit.objects.get()

    customer = Customer.objects.create(number="NEW-1", name="新客户", business_unit=unit, name_key="新客户")

    assert customer.pk == 201


def test_composed_pinyin_keys_equal_what_the_customers_app_computes_on_a_large_sample() -> None:
    names = dataset.Names(random.Random(7))
    for n in range(5000):
        kind = Customer.Kind.INDIVIDUAL if n % 10 == 0 else Customer.Kind.COMPANY
        name, key, pinyin, initials, _province, _city = names.customer(kind)
        assert (key, pinyin, initials) == (keys.name_key(name), keys.name_pinyin(name), keys.name_initials(name))
