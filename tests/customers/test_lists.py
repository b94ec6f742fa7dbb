"""The customer list's services: key customers, saved filters, chosen columns, bulk actions, restore."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.customers import bulk, exports, preferences, selectors, services
from guanxi.customers.models import Customer, CustomerShare, CustomerStar, SavedFilter
from guanxi.org.models import User
from tests.conftest import World, grant, make_user
from tests.customers.test_services import register


@pytest.fixture
def sales(world: World) -> World:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    return world


@pytest.fixture
def head(sales: World) -> User:
    """A unit head: every customer of the unit, may delete and restore."""
    return grant(make_user("dan", "邓主管", sales.head_office), "unit_head")


# --- key customers ----------------------------------------------------------------------------------------


def test_a_star_toggles_and_the_key_scene_lists_only_my_starred_customers(sales: World) -> None:
    one, two = register(sales.alice, "甲公司"), register(sales.alice, "乙公司", contact={})
    assert preferences.customer_star_toggle(actor=sales.alice, customer=one) is True
    assert preferences.customer_star_toggle(actor=sales.bob, customer=two) is True
    assert list(selectors.customer_list(actor=sales.alice, scene="key")) == [one]
    assert list(selectors.customer_list(actor=sales.bob, scene="key")) == [two]
    assert preferences.customer_star_toggle(actor=sales.alice, customer=one) is False
    assert not selectors.customer_list(actor=sales.alice, scene="key").exists()


def test_nobody_stars_a_customer_outside_their_scope(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(NotPermitted):
        preferences.customer_star_toggle(actor=sales.charlie, customer=customer)
    assert not CustomerStar.objects.exists()


# --- saved filters ----------------------------------------------------------------------------------------


def test_a_saved_filter_keeps_the_filter_without_the_page_number(sales: World) -> None:
    saved = preferences.saved_filter_create(
        actor=sales.alice, name="  高级 客户 ", query="scene=mine&level=A&page=3&industry="
    )
    assert (saved.name, saved.query_string) == ("高级 客户", "scene=mine&level=A")
    assert preferences.saved_filters(sales.alice) == [saved]
    assert preferences.saved_filters(sales.bob) == []


@pytest.mark.parametrize("name", ["", "   ", "名" * 51])
def test_a_saved_filter_needs_a_short_name(sales: World, name: str) -> None:
    with pytest.raises(DomainError) as refusal:
        preferences.saved_filter_create(actor=sales.alice, name=name, query="level=A")
    assert refusal.value.field == "name"
    assert not SavedFilter.objects.exists()


def test_filter_names_are_unique_per_user_only(sales: World) -> None:
    preferences.saved_filter_create(actor=sales.alice, name="A级", query="level=A")
    with pytest.raises(DomainError) as refusal:
        preferences.saved_filter_create(actor=sales.alice, name="A级", query="level=B")
    assert refusal.value.field == "name"
    preferences.saved_filter_create(actor=sales.bob, name="A级", query="level=B")
    assert SavedFilter.objects.count() == 2


def test_nobody_deletes_another_users_saved_filter(sales: World) -> None:
    saved = preferences.saved_filter_create(actor=sales.alice, name="A级", query="level=A")
    with pytest.raises(NotPermitted):
        preferences.saved_filter_delete(actor=sales.bob, saved_filter=saved)
    preferences.saved_filter_delete(actor=sales.alice, saved_filter=saved)
    assert not SavedFilter.objects.exists()


# --- chosen columns ---------------------------------------------------------------------------------------


def test_columns_default_then_follow_the_users_choice_in_the_lists_order(sales: World) -> None:
    assert preferences.chosen_columns(sales.alice) == preferences.DEFAULT_COLUMNS
    chosen = preferences.list_columns_set(actor=sales.alice, columns=["region", "number", "industry"])
    assert chosen == ["number", "industry", "region"]
    assert preferences.chosen_columns(sales.bob) == preferences.DEFAULT_COLUMNS


def test_an_unknown_column_is_refused(sales: World) -> None:
    with pytest.raises(DomainError):
        preferences.list_columns_set(actor=sales.alice, columns=["number", "password"])
    assert preferences.chosen_columns(sales.alice) == preferences.DEFAULT_COLUMNS


# --- bulk actions ---------------------------------------------------------------------------------------------


def test_a_manager_transfers_a_selection_each_audited_and_out_of_scope_ids_are_left_out(sales: World) -> None:
    one, two = register(sales.alice, "甲公司"), register(sales.alice, "乙公司", contact={})
    elsewhere = register(sales.charlie, "丙公司", contact={})
    result = bulk.customers_bulk_transfer(actor=sales.bob, ids=[one.pk, str(two.pk), elsewhere.pk], owner=sales.bob)
    assert result == bulk.BulkResult(done=2, ignored=1)
    assert set(Customer.objects.filter(owner=sales.bob)) == {one, two}
    assert Customer.objects.get(pk=elsewhere.pk).owner == sales.charlie
    assert AuditEntry.objects.filter(action="ownership").count() == 2


def test_a_salesperson_may_not_transfer_in_bulk(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(NotPermitted):
        bulk.customers_bulk_transfer(actor=sales.alice, ids=[customer.pk], owner=sales.bob)
    assert Customer.objects.get().owner == sales.alice


def test_a_selection_is_capped_at_500(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(DomainError) as refusal:
        bulk.customers_bulk_tag(actor=sales.alice, ids=range(1, 502), tag="VIP")
    assert refusal.value.code == "too_many"
    assert Customer.objects.get(pk=customer.pk).tags == []


def test_sharing_in_bulk_is_all_or_nothing_and_names_the_refused_customer(sales: World) -> None:
    mine = register(sales.charlie, "甲公司")
    readonly = register(sales.bob, "乙公司", contact={})
    services.customer_share(actor=sales.bob, customer=readonly, users=[sales.charlie], can_edit=False)
    with pytest.raises(NotPermitted) as refusal:
        bulk.customers_bulk_share(actor=sales.charlie, ids=[mine.pk, readonly.pk], users=[sales.alice])
    assert "乙公司" in str(refusal.value.message)
    assert not CustomerShare.objects.filter(user=sales.alice).exists()
    bulk.customers_bulk_share(actor=sales.charlie, ids=[mine.pk], users=[sales.alice], can_edit=True)
    assert CustomerShare.objects.get(user=sales.alice).customer == mine


def test_a_tag_is_normalised_added_once_and_audited(sales: World) -> None:
    one, two = register(sales.alice, "甲公司"), register(sales.alice, "乙公司", contact={})
    assert bulk.customers_bulk_tag(actor=sales.alice, ids=[one.pk], tag="ＶＩＰ  客户").done == 1
    result = bulk.customers_bulk_tag(actor=sales.alice, ids=[one.pk, two.pk], tag="VIP 客户")
    assert result.done == 1
    assert [Customer.objects.get(pk=pk).tags for pk in (one.pk, two.pk)] == [["VIP 客户"], ["VIP 客户"]]
    assert AuditEntry.objects.filter(action="update", object_id=str(one.pk)).count() == 1


@pytest.mark.parametrize("tag", ["", "  ", "标" * 21])
def test_a_bad_tag_is_refused(sales: World, tag: str) -> None:
    customer = register(sales.alice)
    with pytest.raises(DomainError) as refusal:
        bulk.customers_bulk_tag(actor=sales.alice, ids=[customer.pk], tag=tag)
    assert refusal.value.field == "tag"
    assert Customer.objects.get().tags == []


def test_a_customer_with_ten_tags_refuses_another_and_nothing_changes(sales: World) -> None:
    full = register(sales.alice, "甲公司", tags=[f"t{n}" for n in range(10)])
    other = register(sales.alice, "乙公司", contact={})
    with pytest.raises(DomainError) as refusal:
        bulk.customers_bulk_tag(actor=sales.alice, ids=[other.pk, full.pk], tag="新")
    assert "甲公司" in str(refusal.value.message)
    assert Customer.objects.get(pk=other.pk).tags == []


def test_bulk_delete_needs_the_permission_and_deletes_softly(sales: World, head: User) -> None:
    one, two = register(sales.alice, "甲公司"), register(sales.alice, "乙公司", contact={})
    with pytest.raises(NotPermitted):
        bulk.customers_bulk_delete(actor=sales.bob, ids=[one.pk, two.pk])
    assert Customer.objects.count() == 2
    assert bulk.customers_bulk_delete(actor=head, ids=[one.pk, two.pk]).done == 2
    assert not Customer.objects.exists()
    assert Customer.all_objects.filter(deleted_at__isnull=False).count() == 2


def test_an_export_masks_contact_details_of_others_customers_and_is_audited(sales: World) -> None:
    mine = register(sales.bob, "甲公司", phone="13911112222", email="boss@example.com")
    alices = register(sales.alice, "乙公司", contact={}, phone="13933334444")
    content, count = exports.customers_export(actor=sales.bob, query={"ids": [mine.pk, alices.pk]}, file_format="csv")
    assert count == 2
    text = content.decode("utf-8-sig")
    assert "13911112222" in text and "boss@example.com" in text
    assert "139****4444" in text and "13933334444" not in text
    entry = AuditEntry.objects.get(action="export")
    assert entry.changes == {"count": 2, "filters": {}}


def test_a_salesperson_may_not_export(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(NotPermitted):
        exports.customers_export(actor=sales.alice, query={"ids": [customer.pk]})
    assert not AuditEntry.objects.filter(action="export").exists()


# --- restoring ----------------------------------------------------------------------------------------------------


def test_the_restore_list_shows_customers_deleted_within_30_days_in_scope(sales: World, head: User) -> None:
    old, recent = register(sales.alice, "甲公司"), register(sales.alice, "乙公司", contact={})
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        services.customer_delete(actor=head, customer=old)
    services.customer_delete(actor=head, customer=recent)
    assert list(bulk.deleted_customers(actor=head)) == [recent]
    assert bulk.can_restore(head) and not bulk.can_restore(sales.bob)
    services.customer_restore(actor=head, customer=bulk.deleted_customers(actor=head).get())
    assert Customer.objects.get() == recent
