import pytest
from rest_framework.test import APIClient

from guanxi.customers.models import Customer
from guanxi.org.models import User
from tests.conftest import World, grant
from tests.customers.test_services import register


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


@pytest.fixture
def sales(world: World) -> World:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    return world


ROLES = [None, "salesperson", "sales_manager", "unit_head", "group_management"]


@pytest.mark.parametrize("role", ROLES)
def test_the_customer_api_answers_each_role(world: World, role: str | None) -> None:
    owner = grant(world.charlie, "salesperson")
    customer = register(owner, contact={})
    actor = grant(world.alice, role) if role else world.alice
    client = api(actor)
    listing = client.get("/api/v1/customers/")
    created = client.post("/api/v1/customers/", {"name": "接口新客户"}, format="json")
    detail = client.get(f"/api/v1/customers/{customer.pk}/")
    deleted = client.delete(f"/api/v1/customers/{customer.pk}/")
    expect = {
        None: (403, 403, 403, 403),
        "salesperson": (200, 201, 404, 403),  # may not delete customers at all: 403 before any lookup
        "sales_manager": (200, 201, 404, 403),  # Charlie works in Beijing, outside Alice's tree
        "unit_head": (200, 201, 200, 204),
        "group_management": (200, 403, 200, 403),
    }[role]
    assert (listing.status_code, created.status_code, detail.status_code, deleted.status_code) == expect
    assert Customer.objects.filter(pk=customer.pk).exists() == (expect[3] != 204)


def test_anonymous_gets_401(db: None) -> None:
    assert api(None).get("/api/v1/customers/").status_code == 401


def test_bad_input_gets_field_errors_in_the_contract_shape(sales: World) -> None:
    response = api(sales.alice).post("/api/v1/customers/", {"name": ""}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    response = api(sales.alice).post(
        "/api/v1/customers/", {"name": "好公司", "postcode": "12", "qq": "ab"}, format="json"
    )
    assert response.status_code == 400
    assert {"postcode", "qq"} <= response.json().keys()


def test_a_duplicate_answers_409_with_its_code(sales: World) -> None:
    register(sales.alice)
    response = api(sales.charlie).post("/api/v1/customers/", {"name": "上海华信科技"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_customer"


def test_a_stale_version_answers_409(sales: World) -> None:
    customer = register(sales.alice)
    client = api(sales.alice)
    first = client.patch(f"/api/v1/customers/{customer.pk}/", {"address": "a", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client.patch(f"/api/v1/customers/{customer.pk}/", {"address": "b", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    missing = client.patch(f"/api/v1/customers/{customer.pk}/", {"address": "b"}, format="json")
    assert missing.status_code == 400


def test_phones_are_masked_for_a_manager_and_plain_for_the_owner(sales: World) -> None:
    customer = register(sales.alice, phone="13900001111")
    grant(sales.bob, "group_management")  # sees all, no unmask
    assert api(sales.alice).get(f"/api/v1/customers/{customer.pk}/").json()["phone"] == "13900001111"
    assert api(sales.bob).get("/api/v1/customers/").json()["results"][0]["phone"] == "139****1111"


def test_search_and_duplicates_endpoints(sales: World) -> None:
    customer = register(sales.alice, name="张三贸易")
    client = api(sales.alice)
    assert [row["id"] for row in client.get("/api/v1/customers/?search=zs").json()["results"]] == [customer.pk]
    found = api(sales.charlie).get("/api/v1/customers/duplicates/", {"phone": "13812345678"}).json()
    assert found["count"] == 1  # the list shape the schema documents
    assert found["results"] == [
        {"reason": "phone", "number": customer.number, "name": "张三贸易", "id": None, "owner": "李**"}
    ]


def test_transfer_and_share_through_the_api(sales: World) -> None:
    customer = register(sales.alice)
    assert (
        api(sales.alice).post(f"/api/v1/customers/{customer.pk}/transfer/", {"owner": sales.bob.pk}).status_code == 403
    )
    response = api(sales.bob).post(f"/api/v1/customers/{customer.pk}/transfer/", {"owner": sales.bob.pk}, format="json")
    assert response.status_code == 200 and response.json()["owner"] == sales.bob.pk
    shared = api(sales.bob).post(f"/api/v1/customers/{customer.pk}/share/", {"users": [sales.alice.pk]}, format="json")
    assert shared.status_code == 200


def test_contacts_api_validates_mobiles(sales: World) -> None:
    customer = register(sales.alice, contact={})
    client = api(sales.alice)
    bad = client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "王五", "mobile": "123"}, format="json")
    assert bad.status_code == 400 and "mobile" in bad.json()
    good = client.post(
        "/api/v1/contacts/", {"customer": customer.pk, "name": "王五", "mobile": "13700001111"}, format="json"
    )
    assert good.status_code == 201 and good.json()["is_primary"] is True
    other = register(sales.charlie, name="别人的公司", contact={})
    assert client.post("/api/v1/contacts/", {"customer": other.pk, "name": "x"}, format="json").status_code == 400
