"""The lead pools' REST resources: ``lead-pools`` (+ ``claim``, ``assign``, ``move``) and ``leads/{id}/claim``,
``leads/{id}/return``, with the scope matrix across two business units."""

from itertools import count

import pytest

from guanxi.leads import services
from guanxi.leads.models import Lead, LeadPool
from guanxi.leads.pools import services as pools
from tests.conftest import TwoUnits, grant, make_user
from tests.customers.test_api import api
from tests.leads.conftest import Sales

pytestmark = pytest.mark.django_db
MOBILES = count(13922220000)


def pooled(actor: object, pool: LeadPool, name: str = "王小明") -> Lead:
    data = {"name": name, "mobile": str(next(MOBILES)), "company": f"{name}公司"}
    return services.lead_create(actor=actor, data=data, pool=pool)  # type: ignore[arg-type]


def test_claim_and_return_through_the_api(sales: Sales) -> None:
    pool = pools.lead_pool_save(actor=sales.root, pool=None, data={"name": "线索公海"})
    lead = pooled(sales.root, pool)
    listed = api(sales.alice).get("/api/v1/lead-pools/").json()["results"]
    assert [(row["id"], row["kind"]) for row in listed] == [(pool.pk, "lead")]
    claimed = api(sales.alice).post(f"/api/v1/leads/{lead.pk}/claim/")
    assert claimed.status_code == 200, claimed.json()
    assert claimed.json()["owner"] == sales.alice.pk
    lost = api(sales.dora).post(f"/api/v1/leads/{lead.pk}/claim/")
    assert lost.status_code == 409
    assert lost.json()["code"] == "already_claimed" and "李爱丽" in lost.json()["detail"]
    no_reason = api(sales.alice).post(f"/api/v1/leads/{lead.pk}/return/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    back = api(sales.alice).post(f"/api/v1/leads/{lead.pk}/return/", {"reason": "无需求"}, format="json")
    assert back.status_code == 200
    assert (back.json()["owner"], back.json()["pool"]) == (None, pool.pk)


def test_a_lead_created_through_the_api_can_wait_in_a_pool(sales: Sales) -> None:
    pool = pools.lead_pool_save(actor=sales.root, pool=None, data={"name": "线索公海"})
    made = api(sales.bob).post(
        "/api/v1/leads/", {"name": "张三", "mobile": "13933330000", "pool": pool.pk}, format="json"
    )
    assert made.status_code == 201, made.json()
    assert (made.json()["owner"], made.json()["pool"]) == (None, pool.pk)


def test_move_and_assign_are_for_managers_and_all_or_nothing(sales: Sales) -> None:
    source = pools.lead_pool_save(actor=sales.root, pool=None, data={"name": "线索公海"})
    failed = pools.lead_pool_save(actor=sales.root, pool=None, data={"name": "失败线索", "is_failed": True})
    leads = [pooled(sales.root, source, f"客户{index}") for index in range(2)]
    refused = api(sales.alice).post(
        f"/api/v1/lead-pools/{source.pk}/move/", {"ids": [leads[0].pk], "target": failed.pk}, format="json"
    )
    assert refused.status_code == 403
    missing = api(sales.bob).post(
        f"/api/v1/lead-pools/{source.pk}/move/", {"ids": [leads[0].pk, 999999], "target": failed.pk}, format="json"
    )
    assert (missing.status_code, missing.json()["code"]) == (409, "not_in_pool")
    assert Lead.objects.filter(pool=failed).count() == 0
    moved = api(sales.bob).post(
        f"/api/v1/lead-pools/{source.pk}/move/", {"all": True, "target": failed.pk}, format="json"
    )
    assert moved.json() == {"done": 2}
    given = api(sales.bob).post(
        f"/api/v1/lead-pools/{failed.pk}/assign/", {"ids": [leads[1].pk], "owner": sales.dora.pk}, format="json"
    )
    assert given.json() == {"done": 1}
    assert Lead.objects.get(pk=leads[1].pk).owner_id == sales.dora.pk


def test_batch_claim_on_a_pool(sales: Sales) -> None:
    pool = pools.lead_pool_save(actor=sales.root, pool=None, data={"name": "线索公海"})
    leads = [pooled(sales.root, pool, f"客户{index}") for index in range(2)]
    done = api(sales.alice).post(
        f"/api/v1/lead-pools/{pool.pk}/claim/", {"ids": [row.pk for row in leads]}, format="json"
    )
    assert done.json() == {"done": 2}


def test_configuring_lead_pools_needs_the_permission(sales: Sales) -> None:
    refused = api(sales.alice).post("/api/v1/lead-pools/", {"name": "x"}, format="json")
    assert refused.status_code == 403
    made = api(sales.root).post("/api/v1/lead-pools/", {"name": "华东线索池", "reclaim_days": 10}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["effective_reclaim_days"] == 10
    blank = api(sales.root).patch(f"/api/v1/lead-pools/{made.json()['id']}/", {"name": ""}, format="json")
    assert blank.status_code == 400 and "name" in blank.json()


ENDPOINTS = [
    ("get", "/api/v1/lead-pools/{pool}/", None),
    ("post", "/api/v1/lead-pools/{pool}/claim/", {"ids": ["{lead}"]}),
    ("post", "/api/v1/lead-pools/{pool}/move/", {"all": True, "target": "{pool}"}),
    ("post", "/api/v1/lead-pools/{pool}/assign/", {"ids": ["{lead}"], "owner": "{owner}"}),
    ("post", "/api/v1/leads/{lead}/claim/", None),
    ("post", "/api/v1/leads/{lead}/return/", {"reason": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_another_units_pools_and_leads_are_not_found(two_units: TwoUnits, method: str, path: str, body: object) -> None:
    world = two_units
    pool_b = pools.lead_pool_save(actor=world.ben, pool=None, data={"name": "杭州线索池"})
    lead_b = pooled(world.ben, pool_b)
    owned_b = services.lead_create(actor=world.bella, data={"name": "贝拉的", "mobile": "13944440000"})
    values = {"pool": pool_b.pk, "lead": lead_b.pk if "claim" in path else owned_b.pk, "owner": world.bella.pk}
    url = path.format(**values)
    payload = None
    if body is not None:
        text = str(body).replace("'", '"')
        for key, value in values.items():
            text = text.replace(f'"{{{key}}}"', str(value))
        import json

        payload = json.loads(text.replace("True", "true"))
    # a unit A salesperson is refused a manager's action outright; otherwise unit B's rows are not found
    manager_only = path.endswith(("/move/", "/assign/"))
    for outsider, expected in ((world.alice, 403 if manager_only else 404), (world.ada, 404)):
        answer = getattr(api(outsider), method)(url, payload, format="json")
        assert answer.status_code == expected, (outsider, url, answer.status_code)
    # inside unit B, the same pool answers
    assert api(world.ben).get(f"/api/v1/lead-pools/{pool_b.pk}/").status_code == 200
    manager = grant(make_user("hz_manager", "杭州经理", world.hangzhou), "sales_manager")
    assert api(manager).get("/api/v1/lead-pools/").json()["count"] == 1
