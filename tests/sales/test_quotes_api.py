"""The products, product-categories and quotes endpoints: the scope matrix with two units and bad input."""

from decimal import Decimal
from typing import cast

import pytest
from rest_framework.test import APIClient

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales.products.models import Product, ProductCategory
from tests.conftest import TwoUnits

from .quoting import customer, product, quote


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


class Units(TwoUnits):
    """The two units with a product each and a customer of Alice's."""

    lathe: Product
    hz: Product
    client_a: Customer


@pytest.fixture
def units(two_units: TwoUnits) -> Units:
    world = cast(Units, two_units)
    world.lathe = product(two_units.ada, "A-1")
    world.hz = product(two_units.ben, "B-1", name="汽车轮胎")
    world.client_a = customer(two_units.alice)
    return world


@pytest.mark.parametrize(
    ("who", "sees_a", "sees_b", "may_create"),
    [("alice", True, False, False), ("bella", False, True, False), ("ada", True, False, True),
     ("ben", False, True, True), ("gina", True, True, True)],
)  # fmt: skip
def test_products_scope_matrix(units: Units, who: str, sees_a: bool, sees_b: bool, may_create: bool) -> None:
    user = getattr(units, who)
    client = api(user)
    for row, visible in ((units.lathe, sees_a), (units.hz, sees_b)):
        assert client.get(f"/api/v1/products/{row.pk}/").status_code == (200 if visible else 404)
    listed = {row["code"] for row in client.get("/api/v1/products/").json()["results"]}
    own = "A-1" if user.business_unit_id == units.unit.pk else "B-1"
    assert listed == {own}  # the picker lists the caller's own unit's catalogue
    body = {"code": f"N-{who}", "name": "新产品", "list_price": "10", "floor_price": "8"}
    assert client.post("/api/v1/products/", body, format="json").status_code == (201 if may_create else 403)
    category = client.post("/api/v1/product-categories/", {"name": f"分类{who}"}, format="json")
    assert category.status_code == (201 if may_create else 403)


@pytest.mark.parametrize(("who", "status"), [("alice", 200), ("ada", 200), ("gina", 200), ("bella", 404), ("ben", 404)])
def test_quotes_scope_matrix(units: Units, who: str, status: int) -> None:
    q = quote(units.alice, units.client_a, {"product": units.lathe.pk})
    client = api(getattr(units, who))
    assert client.get(f"/api/v1/quotes/{q.pk}/").status_code == status
    assert client.get(f"/api/v1/quotes/{q.pk}/pdf/").status_code == (200 if status == 200 else 404)
    listed = [row["id"] for row in client.get("/api/v1/quotes/").json()["results"]]
    assert (q.pk in listed) == (status == 200)
    submitted = client.post(f"/api/v1/quotes/{q.pk}/submit/", {}, format="json")
    assert submitted.status_code in ((200, 409) if status == 200 else (404,))


def test_product_errors_are_field_specific(units: Units) -> None:
    client = api(units.ada)
    bad = client.post(
        "/api/v1/products/",
        {"code": "X", "name": "坏", "list_price": "10", "floor_price": "20", "tax_rate": "13"},
        format="json",
    )
    assert bad.status_code == 400 and "floor_price" in bad.json()
    twice = client.post(
        "/api/v1/products/", {"code": "A-1", "name": "重", "list_price": "1", "floor_price": "1"}, format="json"
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "duplicate")
    stale = client.patch(f"/api/v1/products/{units.lathe.pk}/", {"name": "改", "version": 9}, format="json")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    foreign = ProductCategory.objects.create(business_unit=units.unit_b, name="杭州的")
    refused = client.post(
        "/api/v1/products/",
        {"code": "A-2", "name": "车", "list_price": "1", "floor_price": "1", "category": foreign.pk},
        format="json",
    )
    assert refused.status_code == 400 and "category" in refused.json()


def test_quote_bad_input_through_the_api_saves_nothing(units: Units) -> None:
    client = api(units.alice)
    body = {
        "customer": units.client_a.pk,
        "lines": [
            {"product": units.lathe.pk, "quantity": "-2"},
            {"product": units.lathe.pk, "unit_price": "-1"},
            {"product": units.lathe.pk, "discount_percent": "101"},
            {"product": units.hz.pk},
        ],
    }
    refused = client.post("/api/v1/quotes/", body, format="json")
    assert refused.status_code == 400
    assert {"lines.0.quantity", "lines.1.unit_price", "lines.2.discount_percent", "lines.3.product"} <= set(
        refused.json()
    )
    assert client.get("/api/v1/quotes/").json()["count"] == 0


def test_quote_lifecycle_through_the_api_with_last_prices_and_a_stale_version(units: Units) -> None:
    from guanxi.workflows.models import ApprovalRequest

    client = api(units.alice)
    lathe = units.lathe
    created = client.post(
        "/api/v1/quotes/",
        {"customer": units.client_a.pk, "lines": [{"product": lathe.pk, "quantity": "2", "unit_price": "700"}]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    q = created.json()
    assert (q["net_amount"], q["tax_amount"], q["total"]) == ("1400.00", "182.00", "1582.00")
    stale = client.patch(f"/api/v1/quotes/{q['id']}/", {"note": "x", "version": q["version"] + 1}, format="json")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    submitted = client.post(f"/api/v1/quotes/{q['id']}/submit/", {}, format="json").json()
    assert submitted["status"] == "pending" and submitted["lines"][0]["below_floor"] is True
    request = ApprovalRequest.objects.get(object_id=str(q["id"]))
    lookup = {"customer": str(units.client_a.pk), "products": str(lathe.pk)}
    assert client.post(f"/api/v1/quotes/{q['id']}/withdraw/").json()["status"] == "draft"
    assert ApprovalRequest.objects.get(pk=request.pk).status == "withdrawn"
    prices = client.get("/api/v1/quotes/last-prices/", lookup)
    assert prices.status_code == 200 and prices.json() == []  # a withdrawn quote's price was never given
    client.post(f"/api/v1/quotes/{q['id']}/submit/", {}, format="json")
    prices = client.get("/api/v1/quotes/last-prices/", lookup)
    assert [row["net_unit_price"] for row in prices.json()] == ["700.00"]
    pdf = client.get(f"/api/v1/quotes/{q['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    hidden = api(units.bella).get("/api/v1/quotes/last-prices/", lookup)
    assert hidden.status_code == 404
    assert Decimal(submitted["total"]) == Decimal("1582.00")


def test_opportunity_lines_may_reference_products_of_the_unit_only(units: Units) -> None:
    client = api(units.alice)
    body = {"customer": units.client_a.pk, "name": "机床改造", "lines": [{"product": units.lathe.pk, "quantity": "2"}]}
    created = client.post("/api/v1/opportunities/", body, format="json")
    assert created.status_code == 201, created.json()
    (line,) = created.json()["lines"]
    assert (line["product"], line["description"], line["unit"], line["amount"]) == (
        units.lathe.pk, "数控车床", "台", "2000.00",
    )  # fmt: skip
    foreign = client.post("/api/v1/opportunities/", {**body, "lines": [{"product": units.hz.pk}]}, format="json")
    assert foreign.status_code == 400 and "lines" in foreign.json()
