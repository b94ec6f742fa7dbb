"""The owner beside each churn alert is the customer's owner, whatever path changes hands: the database
keeps it (triggers), and the churn inbox, read through the scope gate by that owner, lists exactly the alerts
of the customers the reader may see."""

from datetime import timedelta

from django.db import connection
from django.db.models import Case, Value, When
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.customers.services import customer_transfer
from guanxi.retention import selectors, services
from guanxi.retention.models import ChurnAlert
from tests.conftest import World

from .conftest import moment, won

TRIGGERS = {"retention_churnalert_owner_follows", "retention_churnalert_owner_set"}


def test_the_triggers_that_keep_the_owner_exist(db: None) -> None:
    """A later migration that rebuilds either table on SQLite drops them: it must create them again."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    assert names >= TRIGGERS


def _owners() -> dict[int, int | None]:
    return dict(ChurnAlert.objects.values_list("customer_id", "owner_id"))


def _inbox(actor) -> set[int]:
    return set(selectors.alert_list(actor=actor, filters={"status": "open"}).values_list("customer_id", flat=True))


def test_the_alert_owner_follows_every_change_of_hands_and_the_inbox_follows_it(shop: World) -> None:
    today = timezone.localdate()
    old = today - timedelta(days=300)
    mine, given, pooled, merged = (won(shop.alice, ordered=old) for _ in range(4))
    beijing = won(shop.charlie, ordered=old)
    services.churn_scan(moment(today, 12))
    assert _owners() == {mine.pk: shop.alice.pk, given.pk: shop.alice.pk, pooled.pk: shop.alice.pk,
                         merged.pk: shop.alice.pk, beijing.pk: shop.charlie.pk}  # fmt: skip
    assert _inbox(shop.alice) == {mine.pk, given.pk, pooled.pk, merged.pk}
    assert _inbox(shop.charlie) == {beijing.pk}

    customer_transfer(actor=shop.root, customer=given, owner=shop.bob)
    Customer.all_objects.filter(pk=pooled.pk).update(owner=None)  # as the pool's reclaim does, in one UPDATE
    keep = won(shop.charlie)
    services.alerts_move_on_merge(shop.root, keep, merged)  # the merged customer's alerts go to the one kept
    owners = _owners()
    assert owners[given.pk] == shop.bob.pk and owners[pooled.pk] is None and owners[mine.pk] == shop.alice.pk
    assert ChurnAlert.objects.get(customer=keep).owner_id == shop.charlie.pk

    assert _inbox(shop.alice) == {mine.pk}
    assert _inbox(shop.bob) == {mine.pk, given.pk}  # his team's, and now his own
    assert _inbox(shop.charlie) == {beijing.pk, keep.pk}
    assert _inbox(shop.root) == {mine.pk, given.pk, pooled.pk, keep.pk, beijing.pk}
    assert set(selectors.alert_list(actor=shop.bob, filters={"owner": str(shop.bob.pk)}).values_list(
        "customer_id", flat=True)) == {given.pk}  # fmt: skip

    # back to the pool and claimed again by Alice: hers once more
    Customer.all_objects.filter(pk=pooled.pk).update(owner=shop.alice)
    assert _inbox(shop.alice) == {mine.pk, pooled.pk}
    # nobody can set the copy by hand
    ChurnAlert.objects.filter(customer=mine).update(owner=shop.charlie)
    assert ChurnAlert.objects.get(customer=mine).owner_id == shop.alice.pk


def test_one_statement_moving_many_customers_moves_each_ones_alerts(shop: World) -> None:
    """The pool's sweep returns thousands of customers in one UPDATE; a statement may also hand different
    customers to different people. Each alert follows its own customer, and a statement that changes no
    owner leaves the alerts alone."""
    today = timezone.localdate()
    old = today - timedelta(days=300)
    first, second, third = (won(shop.alice, ordered=old) for _ in range(3))
    services.churn_scan(moment(today, 12))
    stamped = dict(ChurnAlert.objects.values_list("pk", "updated_at"))

    Customer.all_objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(remarks="checked")
    assert dict(ChurnAlert.objects.values_list("pk", "updated_at")) == stamped
    assert set(_owners().values()) == {shop.alice.pk}

    Customer.all_objects.filter(pk__in=[first.pk, second.pk]).update(owner=None)
    assert _owners() == {first.pk: None, second.pk: None, third.pk: shop.alice.pk}

    Customer.all_objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(
        owner=Case(When(pk=first.pk, then=Value(shop.bob.pk)), When(pk=second.pk, then=Value(shop.charlie.pk)),
                   default=Value(shop.alice.pk))
    )  # fmt: skip
    assert _owners() == {first.pk: shop.bob.pk, second.pk: shop.charlie.pk, third.pk: shop.alice.pk}
