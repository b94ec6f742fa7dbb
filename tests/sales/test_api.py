from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from guanxi.org.models import User
from guanxi.sales.models import Competitor, Opportunity
from tests.conftest import World
from tests.customers.test_services import register

from .conftest import open_opportunity, stage


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_pipelines_list_their_stages_in_order(sales: World) -> None:
    response = api(sales.alice).get("/api/v1/pipelines/")
    assert response.status_code == 200
    codes = {row["code"]: [s["code"] for s in row["stages"]] for row in response.json()["results"]}
    assert codes["project"] == ["contact", "needs", "proposal", "tender", "negotiation", "won", "lost"]
    assert codes["dealership"][0] == "visit"


def test_creating_an_opportunity_through_the_api(sales: World) -> None:
    customer = register(sales.alice)
    response = api(sales.alice).post(
        "/api/v1/opportunities/",
        {
            "customer": customer.pk,
            "name": "API 项目",
            "stage": stage("visit", "dealership").pk,
            "lines": [{"description": "轿车", "quantity": "1", "unit_price": "150000"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["probability"], body["amount"]) == ("open", 10, "150000.00")
    assert body["pipeline"] == stage("visit", "dealership").pipeline_id
    assert body["weighted_amount"] == "15000.00"
    customer.refresh_from_db()
    assert customer.status == "opportunity"


def test_a_customer_out_of_scope_is_refused_as_a_bad_field(sales: World) -> None:
    theirs = register(sales.charlie, "北京某公司")
    response = api(sales.alice).post("/api/v1/opportunities/", {"customer": theirs.pk, "name": "X"}, format="json")
    assert response.status_code == 400 and "customer" in response.json()
    assert not Opportunity.objects.exists()


def test_move_refuses_naming_the_missing_fields_then_succeeds(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    client = api(sales.alice)
    url = f"/api/v1/opportunities/{opportunity.pk}/move/"
    refused = client.post(url, {"stage": stage("proposal").pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.json()["code"] == "stage_requirements"
    assert "expected close date" in refused.json()["amount"][0]
    edit = client.patch(
        f"/api/v1/opportunities/{opportunity.pk}/",
        {"amount": "9000", "expected_close_date": "2027-01-31", "version": opportunity.version},
        format="json",
    )
    assert edit.status_code == 200, edit.json()
    moved = client.post(url, {"stage": stage("proposal").pk}, format="json")
    assert moved.status_code == 200
    assert (moved.json()["stage"], moved.json()["probability"]) == (stage("proposal").pk, 40)


def test_a_stale_version_is_refused_with_409(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    client = api(sales.alice)
    url = f"/api/v1/opportunities/{opportunity.pk}/"
    assert client.patch(url, {"name": "一", "version": 1}, format="json").status_code == 200
    stale = client.patch(url, {"name": "二", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"


def test_lose_win_and_reopen_through_the_api(sales: World) -> None:
    rival = Competitor.objects.create(business_unit=sales.unit, name="友商")
    opportunity = open_opportunity(sales.alice)
    client = api(sales.alice)
    base = f"/api/v1/opportunities/{opportunity.pk}"
    bad = client.post(f"{base}/lose/", {"reason": "nonsense"}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()
    lost = client.post(f"{base}/lose/", {"reason": "price", "competitor": rival.pk}, format="json")
    assert lost.status_code == 200
    assert (lost.json()["status"], lost.json()["winning_competitor"]) == ("lost", rival.pk)
    again = client.post(f"{base}/win/", {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "not_open"
    assert client.post(f"{base}/reopen/", {"note": "重启"}, format="json").json()["status"] == "open"
    won = client.post(f"{base}/win/", {"amount": "120000"}, format="json")
    assert (won.json()["status"], won.json()["amount"]) == ("won", "120000.00")
    competitor = client.get(f"/api/v1/competitors/{rival.pk}/").json()
    assert competitor["record"] == {"met": 1, "won": 1, "lost": 0, "lost_to": 0}


@pytest.mark.parametrize(
    ("who", "status_code"),
    [("anonymous", 401), ("nobody", 403), ("charlie", 404), ("alice", 200), ("bob", 200)],
)
def test_the_scope_matrix_of_one_opportunity(sales: World, who: str, status_code: int) -> None:
    from tests.conftest import make_user

    opportunity = open_opportunity(sales.alice, amount=Decimal(5))
    users = {"anonymous": None, "nobody": make_user("nobody", "无角色", sales.shanghai)}
    user = users.get(who, getattr(sales, who, None))
    client = api(user)
    assert client.get(f"/api/v1/opportunities/{opportunity.pk}/").status_code == status_code
    moved = client.post(f"/api/v1/opportunities/{opportunity.pk}/move/", {"stage": stage("needs").pk}, format="json")
    assert moved.status_code == (status_code if status_code != 200 else 400)  # needs a contact and a need
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "contact"


def test_the_list_filters_by_status_and_searches(sales: World) -> None:
    open_opportunity(sales.alice, name="开着的")
    lost = open_opportunity(sales.alice, name="输掉的")
    from guanxi.sales import services

    services.opportunity_lose(actor=sales.alice, opportunity=lost, reason="price")
    client = api(sales.bob)
    rows = client.get("/api/v1/opportunities/", {"status": "lost"}).json()["results"]
    assert [row["name"] for row in rows] == ["输掉的"]
    rows = client.get("/api/v1/opportunities/", {"search": "开着"}).json()["results"]
    assert [row["name"] for row in rows] == ["开着的"]
    assert api(sales.charlie).get("/api/v1/opportunities/").json()["count"] == 0


def test_competitors_are_created_and_kept_per_unit(sales: World) -> None:
    client = api(sales.alice)
    created = client.post("/api/v1/competitors/", {"name": "友商", "price_level": "low"}, format="json")
    assert created.status_code == 201
    duplicate = client.post("/api/v1/competitors/", {"name": "友商"}, format="json")
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate_competitor"
    body = created.json()
    patched = client.patch(
        f"/api/v1/competitors/{body['id']}/", {"strengths": "便宜", "version": body["version"]}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["strengths"] == "便宜"


def test_without_the_module_the_api_refuses_and_shows_nothing(world: World) -> None:
    from tests.conftest import grant

    grant(world.alice, "salesperson")
    opportunity = open_opportunity(world.alice)
    grant(world.alice)  # all roles taken away
    client = api(world.alice)
    assert client.get("/api/v1/pipelines/").status_code == 403
    assert client.get("/api/v1/opportunities/").status_code == 403
    assert client.post(f"/api/v1/opportunities/{opportunity.pk}/win/", {}, format="json").status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.status == "open"


def test_an_administrator_creates_a_pipeline_through_the_api_and_a_salesperson_may_not(sales: World) -> None:
    from tests.conftest import grant

    grant(sales.root, "system_admin")
    body = {
        "name": "渠道销售",
        "code": "channel",
        "stages": [
            {"name": "签约意向", "probability": 20},
            {"name": "样品测试", "probability": 50, "required_fields": ["amount"], "needs_approval": True},
            {"name": "成交", "kind": "won", "probability": 100},
            {"name": "失败", "kind": "lost"},
        ],
    }
    assert api(sales.alice).post("/api/v1/pipelines/", body, format="json").status_code == 403
    created = api(sales.root).post("/api/v1/pipelines/", body, format="json")
    assert created.status_code == 201, created.json()
    stages = created.json()["stages"]
    assert [(s["name"], s["kind"], s["probability"]) for s in stages][1] == ("样品测试", "open", 50)
    assert stages[1]["required_fields"] == ["amount"] and stages[1]["needs_approval"] is True
    broken = {**body, "stages": [dict(row, id=row["id"]) for row in stages if row["kind"] != "won"]}
    refused = api(sales.root).put(f"/api/v1/pipelines/{created.json()['id']}/", broken, format="json")
    assert refused.status_code == 400 and "stages" in refused.json()


def test_an_edit_refused_halfway_saves_none_of_it(sales: World) -> None:
    rival = Competitor.objects.create(business_unit=sales.unit, name="友商")
    opportunity = open_opportunity(sales.alice)
    opportunity.competitor_links.create(competitor=rival)
    opportunity.stage.required_fields = ["competitors"]  # its stage now asks for a competitor
    opportunity.stage.save()

    refused = api(sales.alice).patch(
        f"/api/v1/opportunities/{opportunity.pk}/",
        {"name": "改名了", "competitors": [], "version": opportunity.version},
        format="json",
    )

    assert refused.status_code == 400 and refused.json()["code"] == "stage_requirements"
    opportunity.refresh_from_db()
    assert opportunity.name != "改名了"  # the fields were not saved before the competitors were refused
    assert list(opportunity.competitor_links.values_list("competitor", flat=True)) == [rival.pk]


def test_completing_an_opportunitys_last_plan_through_the_api_keeps_an_open_plan(sales: World) -> None:
    from guanxi.activities.services import open_plans_of

    by_followup = open_opportunity(sales.alice, name="一期")
    plan = open_plans_of(related=by_followup).get()
    recorded = api(sales.alice).post(
        "/api/v1/followups/", {"plan": plan.pk, "content": "电话沟通", "channel": "phone"}, format="json"
    )
    assert recorded.status_code == 201, recorded.json()
    assert open_plans_of(related=by_followup).exclude(pk=plan.pk).count() == 1

    by_action = open_opportunity(sales.alice, register(sales.alice, "北京万朋机械有限公司", contact={}), name="二期")
    plan = open_plans_of(related=by_action).get()
    due = "2030-01-07T10:00:00+08:00"
    completed = api(sales.alice).post(
        f"/api/v1/plans/{plan.pk}/complete/", {"next_subject": "送样品", "next_due_at": due}, format="json"
    )
    assert completed.status_code == 200, completed.json()
    following = open_plans_of(related=by_action).get()
    assert (following.subject, following.due_at.isoformat()) == ("送样品", "2030-01-07T02:00:00+00:00")
