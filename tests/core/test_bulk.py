"""The set-based writes of many rows: each row gets its own values, unchanged rows are not written, the
upsert inserts the new and updates the others; the same on SQLite and PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from guanxi.core.bulk import among, instances_insert, rows_insert, rows_update, rows_upsert
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.finance.credit.models import CustomerCredit
from guanxi.retention.models import ChurnAlert
from tests.conftest import World, grant
from tests.retention.conftest import won


def test_rows_update_writes_each_rows_values_and_skips_the_unchanged(world: World) -> None:
    grant(world.alice, "salesperson")
    now = timezone.now()
    a, b = won(world.alice), won(world.alice)
    first = ChurnAlert.objects.create(business_unit=world.unit, customer=a, raised_at=now, checked_at=now)
    second = ChurnAlert.objects.create(business_unit=world.unit, customer=b, raised_at=now, checked_at=now,
                                       reasons=[{"rule": "no_order", "days": 200}])  # fmt: skip
    later = now + timedelta(microseconds=123457)
    rows = [(first.pk, [{"rule": "no_followup", "days": 61, "last": None}], later),
            (second.pk, [{"rule": "no_order", "days": 200}], now)]  # fmt: skip
    assert rows_update(ChurnAlert, ["reasons", "checked_at"], rows) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.reasons == [{"rule": "no_followup", "days": 61, "last": None}] and first.checked_at == later
    assert second.reasons == [{"rule": "no_order", "days": 200}] and second.checked_at == now
    assert rows_update(ChurnAlert, ["reasons", "checked_at"], rows) == 0
    assert rows_update(ChurnAlert, ["reasons"], []) == 0
    # only a change of the compared fields writes the row (with all its fields)
    again = now + timedelta(hours=1)
    assert rows_update(ChurnAlert, ["reasons", "checked_at"], [(second.pk, second.reasons, again)],
                       changed=["reasons"]) == 0  # fmt: skip
    assert rows_update(ChurnAlert, ["reasons", "checked_at"], [(second.pk, [], again)], changed=["reasons"]) == 1
    second.refresh_from_db()
    assert second.reasons == [] and second.checked_at == again


def test_rows_upsert_inserts_the_new_rows_and_updates_the_others(world: World) -> None:
    grant(world.alice, "salesperson")
    now = timezone.now()
    a, b = won(world.alice), won(world.alice)
    fields = ["business_unit", "computed_rating", "computed_limit", "reasons", "rating", "limit", "rated_at"]
    rows_upsert(CustomerCredit, "customer", fields, [(a.pk, world.unit.pk, "B", Decimal("1000.50"), [], "B",
                                                      Decimal("1000.50"), now)])  # fmt: skip
    rows_upsert(CustomerCredit, "customer", fields, [
        (a.pk, world.unit.pk, "C", Decimal("500"), [{"code": "late"}], "C", Decimal("500"), now),
        (b.pk, world.unit, "A", Decimal("9.99"), [], "A", Decimal("9.99"), now),
    ])  # fmt: skip
    credits = {row.customer_id: row for row in CustomerCredit.objects.all()}
    assert (credits[a.pk].rating, credits[a.pk].limit, credits[a.pk].reasons) == (
        "C",
        Decimal("500"),
        [{"code": "late"}],
    )
    assert (credits[b.pk].rating, credits[b.pk].computed_limit, credits[b.pk].rated_at) == ("A", Decimal("9.99"), now)


def test_rows_insert_writes_each_row_with_its_values(world: World) -> None:
    grant(world.alice, "salesperson")
    now = timezone.now()
    a = won(world.alice)
    fields = ["at", "actor", "actor_name", "ip", "action", "object_type", "object_id", "object_repr", "changes", "note"]
    rows_insert(AuditEntry, fields, [
        (now, world.alice.pk, "Alice", None, "ownership", "customers.customer", str(a.pk), "甲公司",
         {"owner": [world.alice.pk, None]}, "reclaim_pool 返回"),
        (now, None, "", "10.0.0.1", "lifecycle", "customers.customer", str(a.pk), "甲公司", {}, ""),
    ])  # fmt: skip
    rows_insert(AuditEntry, fields, [])
    entries = list(AuditEntry.objects.filter(object_id=str(a.pk), at=now).order_by("pk"))
    assert [(e.actor_id, e.actor_name, e.ip, e.action, e.object_repr, e.changes, e.note) for e in entries] == [
        (world.alice.pk, "Alice", None, "ownership", "甲公司", {"owner": [world.alice.pk, None]}, "reclaim_pool 返回"),
        (None, "", "10.0.0.1", "lifecycle", "甲公司", {}, ""),
    ]


def test_among_filters_like_a_list_of_ids(world: World) -> None:
    grant(world.alice, "salesperson")
    customers = [won(world.alice) for _ in range(3)]
    wanted = [customers[0].pk, customers[2].pk]
    assert sorted(Customer.objects.filter(pk__in=among(wanted)).values_list("pk", flat=True)) == wanted
    assert not Customer.objects.filter(pk__in=among([])).exists()


def test_instances_insert_saves_new_instances_with_their_keys(world: World) -> None:
    customers = [
        Customer(business_unit=world.unit, owner=world.alice, name=name, name_key=name, number=f"KH-T{index}",
                 registered_capital=Decimal("12.50"), tags=["a", "b"], custom={"k": 1})
        for index, name in enumerate(["甲公司", "乙公司"])
    ]  # fmt: skip

    instances_insert(Customer, customers)

    assert all(customer.pk and not customer._state.adding for customer in customers)
    stored = Customer.objects.get(pk=customers[1].pk)
    assert (stored.name, stored.number, stored.owner_id) == ("乙公司", "KH-T1", world.alice.pk)
    assert (stored.registered_capital, stored.tags, stored.custom) == (Decimal("12.50"), ["a", "b"], {"k": 1})
    assert stored.created_at == customers[1].created_at
