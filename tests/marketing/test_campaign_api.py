"""The campaigns API and pages: each role in both units and an outsider (404), bad input by field."""

from django.test import Client
from django.urls import reverse

from guanxi.marketing.campaigns.models import Campaign
from tests.conftest import TwoUnits, client_for

from .conftest import campaign, customer


def test_the_campaigns_api_answers_each_role(units: TwoUnits) -> None:
    alice, bella, charlie = client_for(units.alice), client_for(units.bella), client_for(units.charlie)
    made = alice.post(
        "/api/v1/campaigns/",
        {"name": "春季研讨会", "kind": "seminar", "starts_on": "2026-03-01", "ends_on": "2026-03-01", "budget": "8000"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert Client().get("/api/v1/campaigns/").status_code == 401
    assert charlie.get("/api/v1/campaigns/").status_code == 403  # no role
    assert bella.get(f"/api/v1/campaigns/{pk}/").status_code == 404  # the other unit's
    assert bella.post(f"/api/v1/campaigns/{pk}/launch/").status_code == 404
    assert client_for(units.ben).get(f"/api/v1/campaigns/{pk}/").status_code == 404  # the other unit's admin
    assert client_for(units.ada).get(f"/api/v1/campaigns/{pk}/").status_code == 200  # this unit's admin
    assert [row["id"] for row in bella.get("/api/v1/campaigns/").json()["results"]] == []
    empty = alice.post(f"/api/v1/campaigns/{pk}/launch/")
    assert empty.status_code == 400 and empty.json()["code"] == "empty_audience"
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001")
    added = alice.post(
        f"/api/v1/campaigns/{pk}/members/", {"kind": "customer", "ids": [huaxin.pk]}, content_type="application/json"
    )
    assert added.status_code == 200 and added.json()["added"] == 1
    assert alice.post(f"/api/v1/campaigns/{pk}/launch/").json()["status"] == "active"
    assert alice.get(f"/api/v1/campaigns/{pk}/members/").json()["count"] == 1
    cost = alice.post(
        f"/api/v1/campaigns/{pk}/costs/",
        {"item": "场地", "spent_on": "2026-01-01", "amount": "3000"},
        content_type="application/json",
    )
    assert cost.status_code == 201
    assert alice.get(f"/api/v1/campaigns/{pk}/").json()["actual_cost"] == "3000.00"
    results = alice.get(f"/api/v1/campaigns/{pk}/results/").json()
    assert results["first"]["roi"] == "-100.0" and results["last"]["leads"] == 0
    stale = alice.patch(f"/api/v1/campaigns/{pk}/", {"name": "改名", "version": 1}, content_type="application/json")
    assert stale.status_code == 409


def test_bad_input_is_answered_by_field(units: TwoUnits) -> None:
    answer = client_for(units.alice).post(
        "/api/v1/campaigns/", {"name": "", "kind": "x", "starts_on": "2026-03-02", "ends_on": "2026-03-01"},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 400
    assert {"name", "kind", "ends_on"} <= set(answer.json())
    assert not Campaign.objects.exists()


def test_the_pages_show_the_campaign_to_its_unit_only(units: TwoUnits, django_assert_max_num_queries: object) -> None:
    fair = campaign(units.alice)
    for n in range(3):
        campaign(units.alice, f"活动{n}")
    alice = client_for(units.alice)
    page = alice.get(reverse("marketing:campaigns"))
    assert page.status_code == 200 and "2026 上海工业博览会" in page.content.decode()
    detail = alice.get(reverse("marketing:campaign", args=[fair.pk]))
    assert detail.status_code == 200 and "campaign-chart-data" in detail.content.decode()
    assert client_for(units.bella).get(reverse("marketing:campaign", args=[fair.pk])).status_code == 404
    made = alice.post(
        reverse("marketing:campaign_create"),
        {"name": "线上直播", "kind": "online", "starts_on": "2026-05-01", "ends_on": "2026-05-02", "budget": "0"},
    )
    assert made.status_code == 302
    assert Campaign.objects.filter(name="线上直播").exists()
