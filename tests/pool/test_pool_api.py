"""The pool's REST actions and the conflict resource (DESIGN.md §REST API)."""

import pytest

from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit
from guanxi.pool.models import ConflictCase
from tests.conftest import World, grant, make_department, make_user
from tests.customers.test_api import api
from tests.pool.pool_helpers import PoolWorld, fresh, in_pool, registered, set_parameter

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(db: None) -> PoolWorld:
    return PoolWorld()


def test_a_salesperson_lists_the_pool_and_claims_through_the_api(sales: PoolWorld) -> None:
    customer = in_pool(sales, phone="021-68888888")
    listing = api(sales.alice).get("/api/v1/customers/", {"status": "pool"})
    assert listing.status_code == 200
    rows = listing.json()["results"]
    assert [row["id"] for row in rows] == [customer.pk]
    assert rows[0]["phone"] == "021****8888"  # masked until claimed
    claimed = api(sales.alice).post(f"/api/v1/customers/{customer.pk}/claim/")
    assert claimed.status_code == 200, claimed.json()
    body = claimed.json()
    assert (body["owner"], body["status"], body["days_to_expiry"]) == (sales.alice.pk, "potential", 30)
    assert body["phone"] == "02168888888"
    again = api(sales.dave).post(f"/api/v1/customers/{customer.pk}/claim/")
    assert again.status_code == 409
    assert again.json()["code"] == "already_claimed"
    assert "李爱丽" in again.json()["detail"]
    mine = api(sales.alice).post(f"/api/v1/customers/{customer.pk}/claim/")
    assert (mine.status_code, mine.json()["detail"]) == (409, f"{customer.name}已经是您的客户了。")


LIMITS = [("pool.daily_claims", "claim_limit"), ("pool.holding_limit", "holding_limit")]


@pytest.mark.parametrize(("parameter", "code"), LIMITS)
def test_a_claim_over_a_limit_is_a_409_conflict(sales: PoolWorld, parameter: str, code: str) -> None:
    set_parameter(sales, parameter, 1)
    registered(sales.alice)  # holds one already
    first, second = in_pool(sales, "甲公司"), in_pool(sales, "乙公司")
    if code == "claim_limit":
        assert api(sales.dave).post(f"/api/v1/customers/{first.pk}/claim/").status_code == 200
        refused = api(sales.dave).post(f"/api/v1/customers/{second.pk}/claim/")
    else:
        refused = api(sales.alice).post(f"/api/v1/customers/{first.pk}/claim/")
    assert (refused.status_code, refused.json()["code"]) == (409, code)


def test_a_customer_outside_the_scope_and_the_pool_answers_404(sales: PoolWorld) -> None:
    theirs = registered(sales.charlie)
    assert api(sales.alice).post(f"/api/v1/customers/{theirs.pk}/claim/").status_code == 404
    assert api(None).post(f"/api/v1/customers/{theirs.pk}/claim/").status_code in (401, 403)


def test_return_assign_lock_and_unlock_through_the_api(sales: PoolWorld) -> None:
    customer = registered(sales.alice)
    bad = api(sales.alice).post(f"/api/v1/customers/{customer.pk}/return/", {"reason": "bored"}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()
    done = api(sales.alice).post(f"/api/v1/customers/{customer.pk}/return/", {"reason": "no_need"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "pool"
    refused = api(sales.alice).post(
        f"/api/v1/customers/{customer.pk}/assign/", {"owner": sales.alice.pk}, format="json"
    )
    assert refused.status_code == 403
    assigned = api(sales.bob).post(
        f"/api/v1/customers/{customer.pk}/assign/",
        {"owner": sales.dave.pk},
        format="json",
    )
    assert assigned.status_code == 200 and assigned.json()["owner"] == sales.dave.pk
    locked = api(sales.bob).post(f"/api/v1/customers/{customer.pk}/lock/", {}, format="json")
    assert locked.status_code == 200
    assert (locked.json()["locked"], locked.json()["days_to_expiry"]) == (True, None)
    assert api(sales.bob).post(f"/api/v1/customers/{customer.pk}/lock/").json()["code"] == "already_locked"
    unlocked = api(sales.bob).post(f"/api/v1/customers/{customer.pk}/unlock/")
    assert unlocked.status_code == 200 and unlocked.json()["days_to_expiry"] == 30


def test_conflicts_are_listed_and_decided_through_the_api(sales: PoolWorld) -> None:
    held = registered(sales.dave, "上海华信科技有限公司", phone="021-68888888")
    refused = api(sales.alice).post(
        "/api/v1/customers/", {"name": "华信科技", "phone": "021-68888888"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "duplicate_customer"
    assert "conflict case" in refused.json()["phone"][0]
    case = ConflictCase.objects.get()
    listing = api(sales.bob).get("/api/v1/conflicts/", {"status": "open"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [row["id"] for row in listing.json()["results"]] == [case.pk]
    assert listing.json()["results"][0]["evidence"][0]["label"] == "Registered"
    assert api(sales.alice).post(f"/api/v1/conflicts/{case.pk}/decide/", {"decision": "give"}).status_code == 403
    decided = api(sales.bob).post(f"/api/v1/conflicts/{case.pk}/decide/", {"decision": "give"}, format="json")
    assert decided.status_code == 200 and decided.json()["decision"] == "give"
    assert Customer.objects.get(pk=held.pk).owner == sales.alice
    again = api(sales.bob).post(f"/api/v1/conflicts/{case.pk}/decide/", {"decision": "pool"}, format="json")
    assert again.status_code == 409


def test_the_claimant_adds_evidence_and_withdraws_through_the_api(sales: PoolWorld) -> None:
    held = registered(sales.dave, "上海华信科技有限公司", phone="021-68888888")
    api(sales.alice).post("/api/v1/customers/", {"name": "华信科技", "phone": "021-68888888"}, format="json")
    case = ConflictCase.objects.get()
    url = f"/api/v1/conflicts/{case.pk}"
    blank = api(sales.alice).post(f"{url}/evidence/", {"text": "  "}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert (blank.status_code, list(blank.json())) == (400, ["text"])
    added = api(sales.alice).post(f"{url}/evidence/", {"text": "上周三已上门拜访"}, format="json")
    assert added.status_code == 200
    assert [row["text"] for row in added.json()["statements"]] == ["上周三已上门拜访"]
    assert api(sales.bob).post(f"{url}/withdraw/").status_code == 403  # only the claimant withdraws
    withdrawn = api(sales.alice).post(f"{url}/withdraw/")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert Customer.objects.get(pk=held.pk).owner == sales.dave
    again = api(sales.alice).post(f"{url}/withdraw/")
    assert (again.status_code, again.json()["code"]) == (409, "case_closed")
    late = api(sales.alice).post(f"{url}/evidence/", {"text": "补充"}, format="json")
    assert (late.status_code, late.json()["code"]) == (409, "case_closed")


def test_another_units_salesperson_cannot_reach_a_conflict_case(sales: PoolWorld) -> None:
    registered(sales.dave, "上海华信科技有限公司", phone="021-68888888")
    api(sales.alice).post("/api/v1/customers/", {"name": "华信科技", "phone": "021-68888888"}, format="json")
    case = ConflictCase.objects.get()
    hangzhou = make_department("杭州", None, BusinessUnit.objects.create(name="杭州分公司", code="hangzhou"))
    outsider = grant(make_user("bella", "贝拉", hangzhou), "salesperson")
    assert api(outsider).post(f"/api/v1/conflicts/{case.pk}/withdraw/").status_code == 404
    assert api(outsider).post(f"/api/v1/conflicts/{case.pk}/evidence/", {"text": "x"}, format="json").status_code == 404
    assert ConflictCase.objects.get().status == "open"


def test_a_salesperson_without_a_role_sees_no_pool(world: World) -> None:
    in_pool(world)
    assert api(world.alice).get("/api/v1/customers/", {"status": "pool"}).status_code == 403
    grant(world.alice, "salesperson")
    assert api(world.alice).get("/api/v1/conflicts/").status_code == 200


def test_a_pool_customer_opens_alike_on_the_page_and_in_the_api_masked_until_claimed(sales: PoolWorld) -> None:
    from django.urls import reverse

    from guanxi.activities.services import followup_create
    from guanxi.org.models import BusinessUnit
    from guanxi.pool import services as pool
    from tests.conftest import client_for, make_department, make_user

    customer = registered(sales.dave, phone="021-6888 1234", email="buyer@huaxin.example.cn", address="浦东大道1号")
    followup_create(actor=sales.dave, customer=customer, content="上次报价两万九")
    pool.customer_return(actor=sales.dave, customer=customer, reason="no_need")
    unit_pool = pool.unit_pool(sales.unit.pk)
    unit_pool.hidden_fields = ["address"]
    unit_pool.save()
    mobile = customer.contacts.get().mobile
    shown = {"phone": "021****1234", "email": "b***@huaxin.example.cn", "address": "***"}

    page = client_for(sales.alice).get(reverse("customers:detail", args=[customer.pk]))
    assert page.status_code == 200
    assert shown["phone"] in page.text and shown["email"] in page.text and "浦东大道" not in page.text
    contacts_tab = client_for(sales.alice).get(reverse("customers:detail", args=[customer.pk]), {"tab": "contacts"})
    assert f"{mobile[:3]}****{mobile[-4:]}" in contacts_tab.text and mobile not in contacts_tab.text
    timeline = client_for(sales.alice).get(reverse("activities:customer_followups", args=[customer.pk]))
    assert timeline.status_code == 200 and "上次报价两万九" in timeline.text

    record = api(sales.alice).get(f"/api/v1/customers/{customer.pk}/")
    assert record.status_code == 200
    assert {name: record.json()[name] for name in shown} == shown
    contacts = api(sales.alice).get("/api/v1/contacts/", {"customer": customer.pk}).json()["results"]
    assert [row["mobile"] for row in contacts] == [f"{mobile[:3]}****{mobile[-4:]}"]
    history = api(sales.alice).get("/api/v1/followups/", {"customer": customer.pk}).json()["results"]
    assert [row["content"] for row in history] == ["上次报价两万九"]

    other_unit = BusinessUnit.objects.create(name="另一家", code="other")
    outsider = grant(make_user("eve", "伊芙", make_department("广州", None, other_unit)), "salesperson")
    assert client_for(outsider).get(reverse("customers:detail", args=[customer.pk])).status_code == 404
    assert api(outsider).get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert api(outsider).get("/api/v1/contacts/", {"customer": customer.pk}).json()["results"] == []
    assert api(outsider).get("/api/v1/followups/", {"customer": customer.pk}).json()["results"] == []


def test_batch_claim_return_and_transfer_through_the_api(sales: PoolWorld) -> None:
    first, second = in_pool(sales, "甲公司"), in_pool(sales, "乙公司")
    theirs = registered(sales.charlie, "北京客户")  # outside Bob's scope
    claimed = api(sales.alice).post("/api/v1/customers/batch-claim/", {"ids": [first.pk, second.pk]}, format="json")
    assert claimed.json() == {"done": 2, "ignored": 0}
    assert {fresh(first).owner, fresh(second).owner} == {sales.alice}
    late = api(sales.dave).post("/api/v1/customers/batch-claim/", {"ids": [first.pk]}, format="json")
    assert (late.status_code, late.json()["code"]) == (409, "not_in_pool")

    ids = [first.pk, second.pk, theirs.pk]
    moved = api(sales.bob).post(
        "/api/v1/customers/batch-transfer/", {"ids": ids, "owner": sales.dave.pk}, format="json"
    )
    assert moved.json() == {"done": 2, "ignored": 1}
    assert fresh(theirs).owner == sales.charlie

    bad = api(sales.dave).post("/api/v1/customers/batch-return/", {"ids": ids, "reason": "bored"}, format="json")
    assert bad.status_code == 400 and fresh(first).owner == sales.dave  # all or none
    returned = api(sales.dave).post("/api/v1/customers/batch-return/", {"ids": ids, "reason": "no_need"}, format="json")
    assert returned.json() == {"done": 2, "ignored": 1}
    assert {fresh(first).status, fresh(second).status} == {"pool"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, (403, 403, 403)), ("salesperson", (200, 200, 403)), ("sales_manager", (200, 200, 200))],
)
def test_the_batch_actions_answer_each_role(sales: PoolWorld, role: str | None, expected: tuple[int, ...]) -> None:
    pooled, owned = in_pool(sales, "甲公司"), registered(sales.alice, "乙公司")
    actor = grant(sales.alice, role) if role else grant(sales.alice)
    client = api(actor)
    answers = (
        client.post("/api/v1/customers/batch-claim/", {"ids": [pooled.pk]}, format="json").status_code,
        client.post("/api/v1/customers/batch-return/", {"ids": [owned.pk], "reason": "no_need"}, format="json"),
        client.post("/api/v1/customers/batch-transfer/", {"ids": [owned.pk], "owner": sales.dave.pk}, format="json"),
    )
    assert (answers[0], answers[1].status_code, answers[2].status_code) == expected
    assert fresh(pooled).owner == (actor if expected[0] == 200 else None)
    assert api(None).post("/api/v1/customers/batch-claim/", {"ids": [pooled.pk]}, format="json").status_code == 401
