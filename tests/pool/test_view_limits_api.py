"""The ``view-limits`` REST resource: the daily viewing-limit overrides of the pool settings page, through the
same services, each unit's administrators changing only their own unit's."""

import pytest
from rest_framework.test import APIClient

from guanxi.org.models import Role, User
from guanxi.pool import viewing
from guanxi.pool.models import ViewLimit
from tests.conftest import TwoUnits

pytestmark = pytest.mark.django_db


def api(user: User | None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_unit_admin_sets_changes_and_clears_a_limit_that_applies(two_units: TwoUnits) -> None:
    client = api(two_units.ada)
    made = client.post("/api/v1/view-limits/", {"user": two_units.alice.pk, "daily_views": 5}, format="json")
    assert made.status_code == 201, made.content
    row = made.json()
    assert (row["user"], row["role"], row["department"], row["daily_views"]) == (two_units.alice.pk, None, None, 5)
    assert row["name"] == str(two_units.alice)
    assert viewing.daily_views_of(two_units.alice) == 5
    again = client.post("/api/v1/view-limits/", {"user": two_units.alice.pk, "daily_views": 6}, format="json")
    assert again.status_code == 201 and again.json()["id"] == row["id"]  # the person's limit is replaced
    moved = client.patch(f"/api/v1/view-limits/{row['id']}/", {"daily_views": 2, "user": None}, format="json")
    assert moved.status_code == 400 and "user" in moved.json()  # whose limit it is stays
    changed = client.patch(f"/api/v1/view-limits/{row['id']}/", {"daily_views": 2}, format="json")
    assert changed.status_code == 200 and changed.json()["daily_views"] == 2, changed.content
    assert changed.json()["user"] == two_units.alice.pk and viewing.daily_views_of(two_units.alice) == 2
    assert [item["id"] for item in client.get("/api/v1/view-limits/").json()["results"]] == [row["id"]]
    assert client.delete(f"/api/v1/view-limits/{row['id']}/").status_code == 204
    assert not ViewLimit.objects.exists() and viewing.daily_views_of(two_units.alice) == 0


def test_bad_input_is_a_field_error_and_saves_nothing(two_units: TwoUnits) -> None:
    client = api(two_units.ada)
    negative = client.post("/api/v1/view-limits/", {"user": two_units.alice.pk, "daily_views": -1}, format="json")
    assert negative.status_code == 400 and "daily_views" in negative.json()
    both = {"user": two_units.alice.pk, "department": two_units.shanghai.pk, "daily_views": 3}
    assert "role" in client.post("/api/v1/view-limits/", both, format="json").json()
    assert client.post("/api/v1/view-limits/", {"daily_views": 3}, format="json").status_code == 400
    assert not ViewLimit.objects.exists()


def test_configuration_isolation_between_units(two_units: TwoUnits) -> None:
    ours = api(two_units.ada).post(
        "/api/v1/view-limits/", {"department": two_units.shanghai.pk, "daily_views": 4}, format="json"
    )
    assert ours.status_code == 201
    theirs = api(two_units.ben)
    assert theirs.get("/api/v1/view-limits/").json()["results"] == []
    assert theirs.get(f"/api/v1/view-limits/{ours.json()['id']}/").status_code == 404
    assert theirs.patch(f"/api/v1/view-limits/{ours.json()['id']}/", {"daily_views": 0}).status_code == 404
    assert theirs.delete(f"/api/v1/view-limits/{ours.json()['id']}/").status_code == 404
    assert ViewLimit.objects.get().daily_views == 4
    for field, target in [("user", two_units.alice), ("department", two_units.head_office)]:
        refused = theirs.post("/api/v1/view-limits/", {field: target.pk, "daily_views": 1}, format="json")
        assert refused.status_code == 400 and field in refused.json(), refused.content
    hangzhou_role = Role.objects.create(
        name="杭州销售", code="hz_sales", business_unit=two_units.unit_b, permissions=["customers.view"]
    )
    refused = api(two_units.ada).post(
        "/api/v1/view-limits/", {"role": hangzhou_role.pk, "daily_views": 1}, format="json"
    )
    assert refused.status_code == 400 and "role" in refused.json()
    assert api(two_units.ada).delete(f"/api/v1/view-limits/{ours.json()['id']}/").status_code == 204
    shared = Role.objects.get(code="salesperson")  # a default role: each unit sets its own limit for it
    for admin, views in [(two_units.ada, 3), (two_units.ben, 7)]:
        made = api(admin).post("/api/v1/view-limits/", {"role": shared.pk, "daily_views": views}, format="json")
        assert made.status_code == 201
    assert viewing.daily_views_of(two_units.alice) == 3 and viewing.daily_views_of(two_units.bella) == 7


def test_only_pool_administrators_and_no_anonymous_callers(two_units: TwoUnits) -> None:
    assert api(None).get("/api/v1/view-limits/").status_code == 401
    seller = api(two_units.bella)
    assert seller.get("/api/v1/view-limits/").status_code == 403
    assert seller.post("/api/v1/view-limits/", {"user": two_units.bella.pk, "daily_views": 0}).status_code == 403
    assert not ViewLimit.objects.exists()
