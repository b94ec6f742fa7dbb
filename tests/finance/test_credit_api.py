"""The credit API: the ``credit`` field of ``customers``; ``credit-overrides`` across roles and two business
units (a refusal changes nothing; another unit's override is a 404)."""

from typing import Any

import pytest

from guanxi.core.jobs import run_job
from guanxi.finance.credit.models import CreditOverride
from tests.conftest import TwoUnits, client_for, grant, make_user
from tests.sales.quoting import customer

JSON: dict[str, Any] = {"content_type": "application/json"}


@pytest.fixture
def units(two_units: TwoUnits) -> TwoUnits:
    grant(two_units.bob, "sales_manager")
    two_units.carol = grant(make_user("carol", "卡萝", two_units.hangzhou), "sales_manager")  # type: ignore[attr-defined]
    return two_units


def test_the_customers_api_gives_the_credit_in_the_readers_language(units: TwoUnits) -> None:
    client = customer(units.alice)
    run_job("credit_rate")
    answer = client_for(units.alice, HTTP_ACCEPT_LANGUAGE="en").get(f"/api/v1/customers/{client.pk}/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["credit_rating"] == ""
    credit = body["credit"]
    shown = (credit["rating"], credit["limit"], credit["available"], credit["overridden"])
    assert shown == (None, "50000.00", "50000.00", False)
    text = "Not rated: no contracts, orders or payments yet."
    assert credit["reasons"] == [{"code": "no_history", "rating": "", "text": text}]
    listed = client_for(units.alice).get("/api/v1/customers/").json()["results"]
    assert listed[0]["credit"]["rating"] is None


def test_overrides_by_role_and_unit(units: TwoUnits) -> None:
    client = customer(units.alice)
    body = {"customer": client.pk, "rating": "B", "limit": "120000", "note": "年度框架协议"}
    # a salesperson may not: 403, nothing saved
    refused = client_for(units.alice).post("/api/v1/credit-overrides/", body, **JSON)
    assert refused.status_code == 403 and not CreditOverride.objects.exists()
    # another unit's manager does not see the customer: a field error, nothing saved
    other = client_for(units.carol).post("/api/v1/credit-overrides/", body, **JSON)  # type: ignore[attr-defined]
    assert other.status_code == 400 and "customer" in other.json() and not CreditOverride.objects.exists()
    # a negative limit is refused on its field
    negative = client_for(units.bob).post("/api/v1/credit-overrides/", {**body, "limit": "-5"}, **JSON)
    assert negative.status_code == 400 and "limit" in negative.json(), negative.content
    made = client_for(units.bob).post("/api/v1/credit-overrides/", body, **JSON)
    assert made.status_code == 201, made.content
    row = made.json()
    assert (row["rating"], row["limit"], row["in_force"]) == ("B", "120000.00", True)
    pk = row["id"]
    # seen by who may see the customer; another unit's people get 404
    assert client_for(units.alice).get(f"/api/v1/credit-overrides/{pk}/").status_code == 200
    assert client_for(units.alice).get("/api/v1/credit-overrides/").json()["count"] == 1
    for outsider in (units.carol, units.bella, units.ben):  # type: ignore[attr-defined]
        assert client_for(outsider).get(f"/api/v1/credit-overrides/{pk}/").status_code == 404
        assert client_for(outsider).get("/api/v1/credit-overrides/").json()["count"] == 0
        assert client_for(outsider).delete(f"/api/v1/credit-overrides/{pk}/").status_code in (403, 404)
    assert client_for(units.alice).delete(f"/api/v1/credit-overrides/{pk}/").status_code == 403
    assert CreditOverride.objects.get(pk=pk).in_force
    credit = client_for(units.alice).get(f"/api/v1/customers/{client.pk}/").json()["credit"]
    assert (credit["rating"], credit["limit"], credit["overridden"]) == ("B", "120000.00", True)
    # removing it: the computed rating and limit again
    removed = client_for(units.bob).delete(f"/api/v1/credit-overrides/{pk}/?note=已到期")
    assert removed.status_code == 204, removed.content
    assert client_for(units.bob).delete(f"/api/v1/credit-overrides/{pk}/").status_code == 409
    credit = client_for(units.alice).get(f"/api/v1/customers/{client.pk}/").json()["credit"]
    assert (credit["rating"], credit["limit"], credit["overridden"]) == (None, "50000.00", False)
    # the group's system administrator sees every unit's
    assert client_for(units.gina).get(f"/api/v1/credit-overrides/{pk}/").status_code == 200


def test_anonymous_callers_get_401(units: TwoUnits) -> None:
    from django.test import Client

    assert Client().get("/api/v1/credit-overrides/").status_code == 401
