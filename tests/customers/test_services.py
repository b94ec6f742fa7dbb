from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User
from tests.conftest import World, grant


@pytest.fixture
def sales(world: World) -> World:
    """Alice and Charlie sell (scope: their own customers); Bob manages Shanghai (department tree)."""
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    return world


def register(actor: User, name: str = "上海华信科技有限公司", **data: object) -> Customer:
    contact = data.pop("contact", {"name": "张三", "mobile": "13812345678"})
    return services.customer_create(actor=actor, data={"name": name, **data}, contact=contact)  # type: ignore[arg-type]


def errors_of(call: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refusal:
        call()  # type: ignore[operator]
    return refusal.value.message_dict


def test_a_customer_is_registered_with_a_number_keys_and_its_primary_contact(sales: World) -> None:
    customer = register(sales.alice, phone="021-6888 8888", industry="it", source="exhibition")
    assert customer.number.startswith("KH") and len(customer.number) == 14
    assert (customer.owner, customer.status) == (sales.alice, "potential")
    assert (customer.name_key, customer.search.name_initials) == ("上海华信科技", "shhxkjyxgs")
    assert customer.phone == "02168888888"
    contact = customer.contacts.get()
    assert (contact.is_primary, contact.mobile) == (True, "13812345678")
    assert AuditEntry.objects.filter(object_id=str(customer.pk), action="create").exists()


@pytest.mark.parametrize(
    ("field", "value", "error_field"),
    [
        ("name", "", "name"),
        ("name", "名" * 51, "name"),
        ("postcode", "20001", "postcode"),
        ("postcode", "2000011", "postcode"),
        ("qq", "12ab", "qq"),
        ("email", "not-an-email", "email"),
        ("website", "not a url", "website"),
        ("phone", "12345", "phone"),
        ("industry", "no-such-industry", "industry"),
        ("rating", 4, "rating"),
    ],
)
def test_each_bad_field_is_refused_on_that_field(sales: World, field: str, value: object, error_field: str) -> None:
    errors = errors_of(lambda: register(sales.alice, **{"name": "好公司", field: value}))  # type: ignore[arg-type]
    assert error_field in errors
    assert not Customer.objects.exists()


def test_good_values_pass(sales: World) -> None:
    customer = register(
        sales.alice, postcode="200120", qq="123456789", email="sales@huaxin.cn", website="https://huaxin.cn",
        rating=3, phone="+44 20 7946 0958",
    )  # fmt: skip
    assert customer.phone == "+442079460958"


def test_a_contacts_mobile_must_be_a_real_mobile(sales: World) -> None:
    for bad in ("12345678901", "021-68888888", "1381234567"):
        errors = errors_of(lambda bad=bad: register(sales.alice, contact={"name": "张三", "mobile": bad}))
        assert "contact_mobile" in errors
    assert not Customer.objects.exists()
    register(sales.alice, contact={"name": "李四", "mobile": "+86 139 0000 1111"})


def test_a_referral_needs_the_referrer_and_an_introduction_the_introducer(sales: World) -> None:
    assert "referrer" in errors_of(lambda: register(sales.alice, source="referral"))
    assert "introducer" in errors_of(lambda: register(sales.alice, source="introduction"))
    first = register(sales.alice, name="介绍人公司", contact={})
    register(sales.alice, name="被推荐公司", source="referral", referrer=first, contact={})
    register(sales.alice, name="关系公司", source="introduction", introducer="王总", contact={})


@pytest.mark.parametrize(
    ("second", "reason_field"),
    [
        ({"name": "上海 华信科技（中国）有限公司"}, "name"),
        ({"name": "另一家公司", "phone": "021-68888888"}, "phone"),
        ({"name": "另一家公司", "contact": {"name": "王五", "mobile": "138 1234 5678"}}, "phone"),
        ({"name": "另一家公司", "tax_number": "91310000MA1FL0000X", "contact": {}}, "tax_number"),
        ({"name": "上海华信科技集团股份有限公司"}, "name"),
    ],
)
def test_a_duplicate_on_any_key_is_refused_naming_the_owner(
    sales: World, second: dict[str, object], reason_field: str
) -> None:
    register(sales.alice, phone="021-68888888", tax_number="91310000MA1FL0000X")
    with pytest.raises(Conflict) as refusal:
        register(sales.charlie, **second)  # type: ignore[arg-type]
    assert refusal.value.code == "duplicate_customer"
    assert refusal.value.field == reason_field
    assert "李**" in str(refusal.value.message)  # Alice's name, masked: Charlie cannot see her customers
    assert Customer.objects.count() == 1


def test_a_similar_name_is_a_duplicate(sales: World) -> None:
    register(sales.alice, name="华信精密机械")
    with pytest.raises(Conflict):
        register(sales.charlie, name="上海华信精密机械有限公司", contact={})


def test_a_stale_edit_is_refused_naming_who_changed_what(sales: World) -> None:
    customer = register(sales.alice)
    loaded = customer.version
    services.customer_update(
        actor=sales.bob, customer=Customer.objects.get(pk=customer.pk), version=loaded, data={"address": "浦东"}
    )
    with pytest.raises(Conflict) as refusal:
        services.customer_update(
            actor=sales.alice, customer=Customer.objects.get(pk=customer.pk), version=loaded, data={"remarks": "x"}
        )
    assert refusal.value.code == "stale_version"
    assert "王博" in str(refusal.value.message) and "address" in str(refusal.value.message)
    assert Customer.objects.get(pk=customer.pk).remarks == ""


def test_a_salesperson_cannot_edit_someone_elses_customer_and_cannot_delete(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(NotPermitted):
        services.customer_update(
            actor=sales.charlie, customer=customer, version=customer.version, data={"address": "x"}
        )
    with pytest.raises(NotPermitted):
        services.customer_delete(actor=sales.alice, customer=customer)


def test_sharing_read_only_lets_see_but_not_edit(sales: World) -> None:
    customer = register(sales.alice)
    services.customer_share(actor=sales.alice, customer=customer, users=[sales.charlie])
    assert Customer.objects.visible_to(sales.charlie).filter(pk=customer.pk).exists()
    with pytest.raises(NotPermitted, match="read-only"):
        services.customer_update(
            actor=sales.charlie, customer=customer, version=customer.version, data={"address": "x"}
        )
    services.customer_share(actor=sales.alice, customer=customer, users=[sales.charlie], can_edit=True)
    services.customer_update(actor=sales.charlie, customer=customer, version=customer.version, data={"address": "北京"})
    services.customer_unshare(actor=sales.alice, customer=customer, user=sales.charlie)
    assert not Customer.objects.visible_to(sales.charlie).filter(pk=customer.pk).exists()


def test_a_manager_transfers_a_customer_and_the_new_owner_is_told(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(NotPermitted):
        services.customer_transfer(actor=sales.alice, customer=customer, owner=sales.bob)
    services.customer_transfer(actor=sales.bob, customer=customer, owner=sales.bob, note="客户要求")
    customer.refresh_from_db()
    assert customer.owner == sales.bob
    entry = AuditEntry.objects.get(action="ownership", object_id=str(customer.pk))
    assert entry.changes == {"owner": [sales.alice.pk, sales.bob.pk]}
    with pytest.raises(DomainError, match="already owns"):
        services.customer_transfer(actor=sales.bob, customer=customer, owner=sales.bob)


def test_a_transfer_to_someone_outside_the_managers_scope_is_refused(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(DomainError) as refusal:
        services.customer_transfer(actor=sales.bob, customer=customer, owner=sales.charlie)
    assert refusal.value.field == "owner"
    assert Customer.objects.get(pk=customer.pk).owner == sales.alice


def test_soft_delete_and_restore_within_30_days(sales: World) -> None:
    customer = register(sales.alice)
    head = grant(sales.root, "unit_head")
    services.customer_delete(actor=head, customer=customer)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not Contact.objects.filter(customer_id=customer.pk).exists()
    deleted = Customer.all_objects.get(pk=customer.pk)
    with time_machine.travel(timezone.now() + timedelta(days=31)), pytest.raises(DomainError, match="30 days"):
        services.customer_restore(actor=head, customer=deleted)
    services.customer_restore(actor=head, customer=deleted)
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert Contact.objects.filter(customer_id=customer.pk).count() == 1


def test_the_same_name_can_be_registered_again_after_a_delete(sales: World) -> None:
    head = grant(sales.root, "unit_head")
    services.customer_delete(actor=head, customer=register(sales.alice))
    register(sales.charlie)
    assert Customer.objects.count() == 1


def test_contact_details_are_masked_outside_owner_and_shares_and_every_reveal_is_logged(sales: World) -> None:
    customer = register(sales.alice, phone="13900001111")
    assert services.sees_contact_details(sales.alice, customer)
    assert not services.sees_contact_details(sales.bob.__class__.objects.get(pk=sales.charlie.pk), customer)
    manager = User.objects.get(pk=sales.bob.pk)  # sales_manager holds customers.unmask
    assert services.customer_reveal(actor=manager, customer=customer, field="phone") == "13900001111"
    assert AuditEntry.objects.filter(action="unmask", object_id=str(customer.pk), actor=manager).count() == 1
    with pytest.raises(NotPermitted):
        services.customer_reveal(actor=User.objects.get(pk=sales.charlie.pk), customer=customer, field="phone")


def test_the_primary_contact_is_unique(sales: World) -> None:
    customer = register(sales.alice)
    second = services.contact_save(
        actor=sales.alice,
        customer=customer,
        contact=None,
        data={"name": "李四", "mobile": "13900002222", "is_primary": True},
    )
    assert list(customer.contacts.filter(is_primary=True)) == [second]


def test_a_leaving_salesperson_hands_over_their_customers(sales: World) -> None:
    from guanxi.org import services as org_services

    customer = register(sales.alice)
    org_services.user_leave(actor=sales.root, user=sales.alice, successor=sales.bob)
    assert Customer.objects.get(pk=customer.pk).owner == sales.bob
    assert not Customer.objects.filter(owner=sales.alice).exists()


def test_sharing_with_a_department_shares_with_everyone_in_it_and_nothing_is_refused(sales: World) -> None:
    customer = register(sales.alice)
    services.customer_share(actor=sales.alice, customer=customer, departments=[sales.beijing])
    assert set(customer.shares.values_list("user__username", flat=True)) == {"charlie"}
    with pytest.raises(DomainError) as refusal:
        services.customer_share(actor=sales.alice, customer=customer)
    assert refusal.value.field == "users"
