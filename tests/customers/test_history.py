"""A customer's audit trail (SPEC §1.3, §1.6, §3.2): it masks what the customer's page masks for the same
reader, on the History tab, in the audit log and in the API, and reads as labels in the reader's language."""

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from guanxi.core.audit import audit_log
from guanxi.core.errors import Conflict
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.org.models import Role, User
from guanxi.pool import services as pool
from guanxi.pool.models import ConflictCase, Pool
from tests.conftest import client_for
from tests.customers.test_services import register
from tests.pool.pool_helpers import PoolWorld, fresh, in_pool, registered

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "13912345645", "xiaoming@na.cn"


@pytest.fixture
def sales(db: None) -> PoolWorld:
    return PoolWorld()


def history_of(user: User, customer: Customer, language: str = "en") -> str:
    url = reverse("customers:detail", args=[customer.pk]) + "?tab=history"
    page = client_for(user, HTTP_ACCEPT_LANGUAGE=language).get(url)
    assert page.status_code == 200
    return page.text


def auditor(user: User) -> User:
    """The user with the audit log over the whole company (as a system administrator has it)."""
    role, _created = Role.objects.get_or_create(
        code="auditor", defaults={"name": "审计", "data_scope": "all", "permissions": ["audit.view"]}
    )
    user.roles.add(role)
    return User.objects.get(pk=user.pk)


def api_history(user: User, object_type: str, pk: int) -> list[dict[str, Any]]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/audit/", {"object": f"{object_type}:{pk}"})
    assert response.status_code == 200
    return list(response.json()["results"])


def test_a_pool_customers_history_masks_its_contact_details_and_the_fields_the_pool_hides(sales: PoolWorld) -> None:
    customer = in_pool(sales, phone=PHONE, email=EMAIL, wechat="xiaoming_wx")
    Pool.objects.filter(customers=customer).update(hidden_fields=["wechat"])
    page = history_of(sales.alice, customer)
    assert "139****5645" in page and "x***@na.cn" in page and "***" in page
    assert PHONE not in page and EMAIL not in page and "xiaoming_wx" not in page
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UNMASK).exists()  # nothing was revealed


def test_a_manager_reads_a_subordinates_customer_history_masked_as_its_page(sales: PoolWorld) -> None:
    customer = registered(sales.alice, phone=PHONE, email=EMAIL)
    managers = history_of(sales.bob, customer)
    assert "139****5645" in managers and PHONE not in managers and EMAIL not in managers
    owners = history_of(sales.alice, customer)
    assert PHONE in owners and EMAIL in owners


def test_the_api_and_the_audit_log_mask_for_their_reader_too(sales: PoolWorld) -> None:
    customer = registered(sales.alice, phone=PHONE, email=EMAIL)
    contact = customer.contacts.get()
    admin = auditor(sales.bob)
    [created] = api_history(admin, "customers.customer", customer.pk)
    assert created["changes"]["phone"] == [None, "139****5645"]
    assert created["changes"]["email"] == [None, "x***@na.cn"]
    [contact_created] = api_history(admin, "customers.contact", contact.pk)
    assert contact_created["changes"]["mobile"][1] == contact.mobile[:3] + "****" + contact.mobile[-4:]
    client = APIClient()
    client.force_authenticate(admin)
    one = client.get(f"/api/v1/audit/{created['id']}/").json()
    assert one["changes"]["phone"] == [None, "139****5645"]
    log = client_for(admin, HTTP_ACCEPT_LANGUAGE="en").get(reverse("core:audit")).text
    assert "139****5645" in log and PHONE not in log and contact.mobile not in log
    [own] = api_history(auditor(sales.alice), "customers.customer", customer.pk)
    assert own["changes"]["phone"] == [None, PHONE]  # the owner sees her own customer plainly


def test_the_history_of_a_customer_gone_since_keeps_its_contact_details_masked(sales: PoolWorld) -> None:
    changes = {"phone": [None, PHONE]}
    audit_log(actor=sales.alice, action="create", object_type="customers.customer", object_id="0", changes=changes)
    [created] = api_history(auditor(sales.root), "customers.customer", 0)
    assert created["changes"]["phone"] == [None, "139****5645"]


def test_the_history_reads_as_labels_in_the_readers_language(sales: PoolWorld) -> None:
    customer = registered(sales.alice, industry="it", source="exhibition")
    pool.customer_return(actor=sales.alice, customer=fresh(customer), reason="unreachable", note="空号")
    chinese = history_of(sales.alice, customer, "zh-hans")
    assert "<td>行业</td><td>信息技术</td>" in chinese  # the dictionary's label, not the code "it"
    assert "<td>负责人</td><td>李爱丽</td>" in chinese  # the owner by name, not by id
    assert "退回公海：联系不上" in chinese
    english = history_of(sales.alice, customer, "en")
    assert "<td>Website</td>" not in english  # a creation lists only the fields filled in
    assert "Returned to the pool: Unreachable" in english
    assert "returned unreachable" not in english


def test_a_conflict_case_masks_the_matched_phone_as_the_held_customers_page_does(sales: PoolWorld) -> None:
    held = registered(sales.dave, "上海华信科技有限公司", phone="021-68888888")
    with pytest.raises(Conflict):
        register(sales.alice, "华信科技", phone="021 6888 8888", contact={"name": "李四", "mobile": PHONE})
    case = ConflictCase.objects.get(customer=held)
    url = reverse("pool:conflict", args=[case.pk])
    managers = client_for(sales.bob, HTTP_ACCEPT_LANGUAGE="en").get(url).text
    assert "021****8888" in managers and "139****5645" in managers
    assert "6888 8888" not in managers and PHONE not in managers
    client = APIClient()
    client.force_authenticate(sales.bob)
    attempted = client.get(f"/api/v1/conflicts/{case.pk}/").json()["attempted"]
    assert attempted == {"name": "华信科技", "phone": "021****8888", "contact_mobile": "139****5645"}
    claimants = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en").get(url).text
    assert "021 6888 8888" in claimants  # she typed it herself


def test_the_contacts_api_masks_phones_and_e_mail_as_the_contacts_tab_does(sales: PoolWorld) -> None:
    customer = register(sales.alice, phone=PHONE, contact={"name": "张三", "mobile": PHONE, "email": EMAIL})
    contact = customer.contacts.get()
    client = APIClient()
    client.force_authenticate(sales.bob)  # her manager: sees the customer, masked
    [listed] = client.get("/api/v1/contacts/").json()["results"]
    assert (listed["mobile"], listed["email"]) == ("139****5645", "x***@na.cn")
    assert client.get(f"/api/v1/contacts/{contact.pk}/").json()["mobile"] == "139****5645"
    client.force_authenticate(sales.alice)
    assert client.get(f"/api/v1/contacts/{contact.pk}/").json()["mobile"] == PHONE
