import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.core.texts import Text
from guanxi.customers import services
from guanxi.customers.merge import customer_merge
from guanxi.customers.models import Contact, Customer, CustomerShare
from guanxi.org.models import BusinessUnit, User
from tests.conftest import World, client_for, grant, make_department, make_user
from tests.customers.test_services import register


class Pair:
    def __init__(self, world: World) -> None:
        self.world = world
        self.alice = grant(world.alice, "salesperson")
        self.charlie = grant(world.charlie, "salesperson")
        self.head = grant(make_user("hana", "韩娜", world.head_office), "unit_head")
        self.keep = register(self.alice, "上海华信科技有限公司", phone="021-68888888")
        self.other = register(
            self.charlie,
            "北京远航物流有限公司",
            phone="010-66666666",
            industry="it",
            contact={"name": "李四", "mobile": "13900000000"},
        )


@pytest.fixture
def pair(world: World) -> Pair:
    return Pair(world)


def fresh(customer: Customer) -> Customer:
    return Customer.all_objects.get(pk=customer.pk)


def test_a_merge_moves_contacts_shares_and_referrals_and_deletes_the_other(pair: Pair) -> None:
    dora = make_user("dora", "朵拉", pair.world.shanghai)
    services.customer_share(actor=pair.alice, customer=pair.keep, users=[pair.world.bob])
    services.customer_share(
        actor=pair.charlie, customer=pair.other, users=[pair.world.bob, pair.alice, dora], can_edit=True
    )
    referred = register(
        pair.charlie, "深圳南山电子有限公司", source="referral", referrer=pair.other,
        contact={"name": "王五", "mobile": "13700000000"},
    )  # fmt: skip
    version = pair.keep.version

    merged = customer_merge(actor=pair.head, keep=pair.keep, other=pair.other, choices={})

    contacts = Contact.objects.filter(customer=merged)
    assert sorted(contacts.values_list("name", "is_primary")) == [("张三", True), ("李四", False)]
    shares = dict(CustomerShare.objects.filter(customer=merged).values_list("user__username", "can_edit"))
    assert shares == {"bob": True, "dora": True}  # the stronger right; the kept owner needs no share
    assert not CustomerShare.objects.filter(customer=pair.other).exists()
    assert fresh(referred).referrer_id == merged.pk
    assert not Customer.objects.filter(pk=pair.other.pk).exists()
    assert fresh(pair.other).deleted_at is not None
    assert set(Customer.objects.visible_to(pair.head).values_list("pk", flat=True)) == {merged.pk, referred.pk}
    assert fresh(merged).version == version + 1
    assert (fresh(merged).name, fresh(merged).phone) == ("上海华信科技有限公司", "02168888888")


def test_the_chosen_fields_come_from_the_other_and_the_merge_is_audited(pair: Pair) -> None:
    pair.other.custom = {"grade": "A"}
    Customer.objects.filter(pk=pair.other.pk).update(custom={"grade": "A"})
    choices = {"name": "other", "phone": "other", "industry": "keep", "custom": "other"}

    merged = customer_merge(actor=pair.head, keep=pair.keep, other=pair.other, choices=choices)

    row = fresh(merged)
    assert (row.name, row.phone, row.industry) == ("北京远航物流有限公司", "01066666666", "")
    assert row.custom == {"grade": "A"}
    assert row.name_key == fresh(pair.other).name_key
    update = AuditEntry.objects.get(object_id=str(merged.pk), action="update")
    assert read(update.note) == f"Merged with {pair.other.number}"
    assert update.changes["name"] == ["上海华信科技有限公司", "北京远航物流有限公司"]
    assert update.changes["phone"] == ["02168888888", "01066666666"]
    assert "industry" not in update.changes
    deletion = AuditEntry.objects.get(object_type="customers.customer", object_id=str(pair.other.pk), action="delete")
    assert read(deletion.note) == f"Merged into {pair.keep.number}"
    moved = Contact.objects.get(name="李四")
    entry = AuditEntry.objects.get(object_type="customers.contact", object_id=str(moved.pk), action="update")
    assert entry.changes["customer"] == [pair.other.pk, merged.pk]


def read(note: str) -> str:
    """An audit note as an English reader sees it."""
    with translation.override("en"):
        return str(Text.from_stored(note))


def assert_nothing_changed(pair: Pair) -> None:
    for customer in (pair.keep, pair.other):
        row = fresh(customer)
        assert (row.deleted_at, row.version, row.name) == (None, customer.version, customer.name)
    assert Contact.objects.get(name="李四").customer_id == pair.other.pk
    assert not AuditEntry.objects.filter(note__contains="Merged").exists()


@pytest.mark.parametrize("role", ["salesperson", "sales_manager"])
def test_a_user_without_the_right_to_merge_is_refused_and_nothing_changes(pair: Pair, role: str) -> None:
    actor = grant(pair.world.bob, role)
    with pytest.raises(NotPermitted):
        customer_merge(actor=actor, keep=pair.keep, other=pair.other, choices={"name": "other"})
    assert_nothing_changed(pair)


def test_a_customer_cannot_be_merged_into_itself(pair: Pair) -> None:
    with pytest.raises(DomainError) as refusal:
        customer_merge(actor=pair.head, keep=pair.keep, other=fresh(pair.keep), choices={})
    assert refusal.value.field == "other"
    assert_nothing_changed(pair)


def test_a_customer_of_another_business_unit_cannot_be_merged(pair: Pair) -> None:
    unit = BusinessUnit.objects.create(name="广州公司", code="gz")
    seller = grant(make_user("gina", "吉娜", make_department("广州", None, unit)), "salesperson")
    elsewhere = register(seller, "广州天河贸易有限公司", contact={"name": "赵六", "mobile": "13600000000"})
    admin = grant(pair.world.root, "system_admin")
    with pytest.raises(DomainError) as refusal:
        customer_merge(actor=admin, keep=pair.keep, other=elsewhere, choices={})
    assert refusal.value.field == "other"
    with pytest.raises(NotPermitted):  # a unit head does not even see it
        customer_merge(actor=pair.head, keep=pair.keep, other=elsewhere, choices={})
    assert fresh(elsewhere).deleted_at is None
    assert_nothing_changed(pair)


def test_the_merged_values_are_validated_like_an_update(pair: Pair) -> None:
    Customer.objects.filter(pk=pair.other.pk).update(source="introduction", introducer="老王")
    with pytest.raises(ValidationError) as refusal:
        customer_merge(actor=pair.head, keep=pair.keep, other=fresh(pair.other), choices={"source": "other"})
    assert "introducer" in refusal.value.message_dict
    with pytest.raises(ValidationError) as refusal:
        customer_merge(actor=pair.head, keep=pair.keep, other=fresh(pair.other), choices={"colour": "other"})
    assert "choices" in refusal.value.message_dict
    assert_nothing_changed(pair)


def test_the_duplicate_rule_ignores_the_pair_but_not_a_third_customer(pair: Pair) -> None:
    third = register(pair.alice, "杭州西湖茶业有限公司", contact={"name": "钱七", "mobile": "13500000000"})
    Customer.objects.filter(pk=third.pk).update(tax_number="91310000TAX")  # old data: two with one tax number
    Customer.objects.filter(pk=pair.other.pk).update(tax_number="91310000TAX")
    with pytest.raises(Conflict) as refusal:
        customer_merge(actor=pair.head, keep=pair.keep, other=fresh(pair.other), choices={"tax_number": "other"})
    assert refusal.value.code == "duplicate_customer"
    assert_nothing_changed(pair)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("opposite", [False, True])
def test_two_simultaneous_merges_of_one_pair_give_exactly_one_success(world: World, opposite: bool) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (select_for_update is a no-op); the race is decided on PostgreSQL")
    pair = Pair(world)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def merge(keep_pk: int, other_pk: int) -> None:
        try:
            keep, other = Customer.objects.get(pk=keep_pk), Customer.objects.get(pk=other_pk)
            start.wait()
            customer_merge(actor=User.objects.get(pk=pair.head.pk), keep=keep, other=other, choices={})
            outcomes.append("merged")
        except DomainError as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    second = (pair.other.pk, pair.keep.pk) if opposite else (pair.keep.pk, pair.other.pk)
    threads = [
        threading.Thread(target=merge, args=(pair.keep.pk, pair.other.pk)),
        threading.Thread(target=merge, args=second),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["Conflict", "merged"]
    assert Customer.objects.filter(pk__in=[pair.keep.pk, pair.other.pk]).count() == 1
    assert AuditEntry.objects.filter(action="delete", note__contains="Merged into").count() == 1


# --- the page -------------------------------------------------------------------------------------------


def test_the_page_compares_the_differing_fields_and_merges(pair: Pair) -> None:
    client = client_for(pair.head, HTTP_ACCEPT_LANGUAGE="en")
    detail = client.get(reverse("customers:detail", args=[pair.keep.pk]))
    url = reverse("customers:merge", args=[pair.keep.pk])
    assert url in detail.text
    page = client.get(url, {"number": pair.other.number.lower()})
    fields = [row.field for row, _ in page.context["rows"]]
    assert fields == ["name", "industry", "phone"]
    phone = next(row for row, _ in page.context["rows"] if row.field == "phone")
    assert (phone.keep, phone.other) == ("021****8888", "010****6666")  # masked as on the 360 page
    assert "02168888888" not in page.text
    response = client.post(url, {"number": pair.other.number, "name": "keep", "phone": "other"})
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[pair.keep.pk])
    row = fresh(pair.keep)
    assert (row.name, row.phone, row.industry) == ("上海华信科技有限公司", "01066666666", "")
    assert fresh(pair.other).deleted_at is not None


def test_the_page_refuses_a_bad_number_and_shows_field_errors(pair: Pair) -> None:
    client = client_for(pair.head, HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("customers:merge", args=[pair.keep.pk])
    unknown = client.get(url, {"number": "KH000"})
    assert "No customer you can see" in str(unknown.context["find"].errors["number"])
    itself = client.get(url, {"number": pair.keep.number})
    assert "another customer" in str(itself.context["find"].errors["number"])
    assert "rows" not in itself.context
    Customer.objects.filter(pk=pair.other.pk).update(source="introduction", introducer="老王")
    invalid = client.post(url, {"number": pair.other.number, "source": "other"})
    assert invalid.status_code == 200
    assert "introducer" in invalid.context["choose"].errors
    assert_nothing_changed(pair)


def test_a_salesperson_gets_403_on_the_page_and_the_api_and_sees_no_button(pair: Pair) -> None:
    client = client_for(pair.alice)
    url = reverse("customers:merge", args=[pair.keep.pk])
    assert url not in client.get(reverse("customers:detail", args=[pair.keep.pk])).text
    assert client.get(url, {"number": pair.other.number}).status_code == 403
    assert client.post(url, {"number": pair.other.number}).status_code == 403
    api = APIClient()
    api.force_authenticate(pair.alice)
    answer = api.post(f"/api/v1/customers/{pair.keep.pk}/merge/", {"other": pair.other.pk}, format="json")
    assert answer.status_code == 403
    assert_nothing_changed(pair)


# --- the API --------------------------------------------------------------------------------------------


def test_the_api_merges_and_answers_400_and_404(pair: Pair) -> None:
    api = APIClient()
    api.force_authenticate(pair.head)
    url = f"/api/v1/customers/{pair.keep.pk}/merge/"
    bad = api.post(url, {"other": pair.other.pk, "choices": {"phone": "both", "colour": "other"}}, format="json")
    assert bad.status_code == 400 and "choices" in bad.json()
    itself = api.post(url, {"other": pair.keep.pk}, format="json")
    assert itself.status_code == 400 and "other" in itself.json()
    assert api.post(url, {"other": 999999}, format="json").status_code == 404
    assert api.post("/api/v1/customers/999999/merge/", {"other": pair.other.pk}, format="json").status_code == 404
    assert_nothing_changed(pair)
    done = api.post(url, {"other": pair.other.pk, "choices": {"phone": "other"}}, format="json")
    assert done.status_code == 200
    assert done.json()["id"] == pair.keep.pk and fresh(pair.keep).phone == "01066666666"
    assert api.post(url, {"other": pair.other.pk}, format="json").status_code == 404  # it is gone
