"""The pool settings' REST resources: ``pools`` and ``holding-limits`` (SPEC §3.2, DESIGN.md §REST API)."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.errors import DomainError
from guanxi.core.models import AuditEntry
from guanxi.org.models import BusinessUnit, User
from guanxi.pool import configuration as pool_admin
from guanxi.pool import services as pool
from guanxi.pool.models import HoldingLimit, Pool
from guanxi.pool.rules import DAY
from tests.conftest import grant, make_department, make_user
from tests.customers.test_api import api
from tests.pool.pool_helpers import PoolWorld, fresh, registered, set_parameter

pytestmark = pytest.mark.django_db

UNIT_DEFAULTS = {
    "no_followup_days": 30,
    "no_deal_days": 90,
    "warning_days": 3,
    "cooldown_days": 7,
    "daily_claims": 20,
    "won_exempt": True,
}


class SettingsWorld(PoolWorld):
    """The pool world, an administrator of its unit, and another business unit with pools of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.admin = grant(make_user("uadmin", "管理员", self.head_office), "unit_admin")
        self.unit_pool = pool.unit_pool(self.unit.pk)
        self.other_unit = BusinessUnit.objects.create(name="另一公司", code="other")
        self.guangzhou = make_department("广州", None, self.other_unit)
        self.other_admin = grant(make_user("oadmin", "外部管理员", self.guangzhou), "unit_admin")
        self.other_seller = grant(make_user("oseller", "外部销售", self.guangzhou), "salesperson")
        self.other_pool = pool_admin.pool_save(
            actor=self.other_admin, pool=None, data={"name": "广州公海"}, department=self.guangzhou
        )


@pytest.fixture
def sales(db: None) -> SettingsWorld:
    return SettingsWorld()


def english(user: User | None) -> Any:
    client = api(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def pools_of(unit: BusinessUnit) -> list[tuple[Any, ...]]:
    return list(Pool.objects.filter(business_unit=unit).order_by("pk").values_list(*["pk", *pool_admin.POOL_FIELDS]))


# --- who may use them -------------------------------------------------------------------------------------


def test_anonymous_callers_get_401(sales: SettingsWorld) -> None:
    client = api(None)
    assert client.get("/api/v1/pools/").status_code == 401
    assert client.get(f"/api/v1/pools/{sales.unit_pool.pk}/").status_code == 401
    assert client.patch(f"/api/v1/pools/{sales.unit_pool.pk}/", {"name": "x"}, format="json").status_code == 401
    assert client.get("/api/v1/holding-limits/").status_code == 401
    assert client.post("/api/v1/holding-limits/", {"user": sales.alice.pk, "holding_limit": 1}).status_code == 401


@pytest.mark.parametrize("role", [None, "salesperson", "sales_manager", "group_management", "unit_head", "unit_admin"])
def test_only_holders_of_pool_configure_may_read_and_change_the_settings(
    sales: SettingsWorld, role: str | None
) -> None:
    actor = make_user("actor", "操作者", sales.head_office)
    if role:
        grant(actor, role)
    limit = HoldingLimit.objects.create(business_unit=sales.unit, user=sales.dave, holding_limit=9)
    before = pools_of(sales.unit)
    client = api(actor)
    answers = (
        client.get("/api/v1/pools/").status_code,
        client.get(f"/api/v1/pools/{sales.unit_pool.pk}/").status_code,
        client.patch(f"/api/v1/pools/{sales.unit_pool.pk}/", {"no_followup_days": 5}, format="json").status_code,
        client.post("/api/v1/pools/", {"department": sales.shanghai.pk, "name": "上海公海"}, format="json").status_code,
        client.get("/api/v1/holding-limits/").status_code,
        client.post("/api/v1/holding-limits/", {"user": sales.alice.pk, "holding_limit": 3}, format="json").status_code,
        client.patch(f"/api/v1/holding-limits/{limit.pk}/", {"holding_limit": 1}, format="json").status_code,
        client.delete(f"/api/v1/holding-limits/{limit.pk}/").status_code,
    )
    allowed = role in ("unit_head", "unit_admin")  # both hold pool.configure within their unit
    assert answers == ((200, 200, 200, 201, 200, 201, 200, 204) if allowed else (403,) * 8)
    if not allowed:  # refused before anything was read or written
        assert pools_of(sales.unit) == before
        assert list(HoldingLimit.objects.values_list("pk", "user", "holding_limit")) == [(limit.pk, sales.dave.pk, 9)]


def test_the_settings_show_and_change_only_the_callers_business_unit(sales: SettingsWorld) -> None:
    shanghai = pool_admin.pool_save(actor=sales.admin, pool=None, data={"name": "上海公海"}, department=sales.shanghai)
    theirs = HoldingLimit.objects.create(business_unit=sales.other_unit, user=sales.other_seller, holding_limit=9)
    ours = HoldingLimit.objects.create(business_unit=sales.unit, department=sales.shanghai, lock_limit=2)
    other_before = pools_of(sales.other_unit)
    for actor in (sales.admin, grant(make_user("sysadmin", "系统管理员", sales.head_office), "system_admin")):
        client = api(actor)
        listing = client.get("/api/v1/pools/").json()
        assert [row["id"] for row in listing["results"]] == [sales.unit_pool.pk, shanghai.pk]  # the unit's first
        assert listing["count"] == 2
        assert client.get(f"/api/v1/pools/{sales.other_pool.pk}/").status_code == 404
        assert client.patch(f"/api/v1/pools/{sales.other_pool.pk}/", {"name": "我的"}, format="json").status_code == 404
        limits = client.get("/api/v1/holding-limits/").json()
        assert [row["id"] for row in limits["results"]] == [ours.pk]
        assert client.get(f"/api/v1/holding-limits/{theirs.pk}/").status_code == 404
        assert client.patch(f"/api/v1/holding-limits/{theirs.pk}/", {"lock_limit": 1}, format="json").status_code == 404
        assert client.delete(f"/api/v1/holding-limits/{theirs.pk}/").status_code == 404
    assert pools_of(sales.other_unit) == other_before
    assert HoldingLimit.objects.get(pk=theirs.pk).holding_limit == 9
    other = api(sales.other_admin).get("/api/v1/pools/").json()["results"]
    assert {row["id"] for row in other} == {pool.unit_pool(sales.other_unit.pk).pk, sales.other_pool.pk}


def test_the_list_makes_the_unit_pool_on_first_use(sales: SettingsWorld) -> None:
    Pool.objects.filter(business_unit=sales.unit).delete()
    rows = api(sales.admin).get("/api/v1/pools/").json()["results"]
    assert [(row["department"], row["effective"]) for row in rows] == [(None, UNIT_DEFAULTS)]


# --- pools ------------------------------------------------------------------------------------------------


def test_a_new_department_pool_takes_over_its_members_customers(sales: SettingsWorld) -> None:
    customer = registered(sales.alice)
    assert fresh(customer).pool == sales.unit_pool
    response = api(sales.admin).post(
        "/api/v1/pools/",
        {"department": sales.shanghai.pk, "name": "上海公海", "no_followup_days": 10, "hidden_fields": ["address"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    created = Pool.objects.get(department=sales.shanghai)
    assert (body["id"], body["department"], body["department_name"], body["name"]) == (
        created.pk,
        sales.shanghai.pk,
        "上海",
        "上海公海",
    )
    assert (body["no_followup_days"], body["no_deal_days"], body["hidden_fields"]) == (10, None, ["address"])
    assert body["effective"] == {**UNIT_DEFAULTS, "no_followup_days": 10}
    customer = fresh(customer)
    assert customer.pool == created
    assert customer.claimed_at is not None
    assert customer.expires_at == customer.claimed_at + DAY * 11
    assert fresh(registered(sales.charlie, "北京某某科技有限公司")).pool == sales.unit_pool  # Beijing is not Shanghai's


def test_a_department_gets_one_pool_and_only_a_department_of_the_callers_unit(sales: SettingsWorld) -> None:
    client = english(sales.admin)
    assert client.post("/api/v1/pools/", {"department": sales.shanghai.pk, "name": "上海公海"}).status_code == 201
    again = client.post("/api/v1/pools/", {"department": sales.shanghai.pk, "name": "第二个"}, format="json")
    assert again.status_code == 400
    assert again.json()["department"] == ["This department already has a pool."]
    foreign = client.post("/api/v1/pools/", {"department": sales.guangzhou.pk, "name": "抢来的"}, format="json")
    assert foreign.status_code == 400
    assert foreign.json()["department"] == ["Choose a department of your business unit."]
    missing = client.post("/api/v1/pools/", {"name": "无部门"}, format="json")
    assert missing.status_code == 400 and "department" in missing.json()
    assert Pool.objects.filter(business_unit=sales.unit).count() == 2
    assert Pool.objects.filter(business_unit=sales.other_unit).count() == 1  # only its department's pool


def test_changing_the_rules_shows_the_effective_ones_and_moves_the_expiry_times(sales: SettingsWorld) -> None:
    customer = registered(sales.alice)
    claimed = fresh(customer).claimed_at
    assert claimed is not None
    assert fresh(customer).expires_at == claimed + DAY * 31
    set_parameter(sales, "pool.cooldown_days", 4)
    client = api(sales.admin)
    url = f"/api/v1/pools/{sales.unit_pool.pk}/"
    response = client.patch(url, {"name": "总公海", "no_followup_days": 5, "won_exempt": False}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["no_followup_days"], body["won_exempt"], body["cooldown_days"]) == (
        "总公海",
        5,
        False,
        None,
    )
    assert body["effective"] == {**UNIT_DEFAULTS, "no_followup_days": 5, "won_exempt": False, "cooldown_days": 4}
    assert fresh(customer).expires_at == claimed + DAY * 6
    assert client.get(url).json()["effective"] == body["effective"]
    # null: follow the unit's parameter again
    back = client.patch(url, {"no_followup_days": None}, format="json")
    assert back.status_code == 200
    assert (back.json()["no_followup_days"], back.json()["effective"]["no_followup_days"]) == (None, 30)
    assert back.json()["name"] == "总公海"  # what was not sent stays
    assert fresh(customer).expires_at == claimed + DAY * 31
    assert Pool.objects.get(pk=sales.unit_pool.pk).won_exempt is False


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Give the pool a name."),
        ({"name": "   "}, "name", "Give the pool a name."),
        ({"no_followup_days": 0}, "no_followup_days", "Must be at least 1."),
        ({"daily_claims": 0}, "daily_claims", "Must be at least 1."),
        ({"hidden_fields": ["address", "password"]}, "hidden_fields", "Unknown field: password."),
        ({"no_deal_days": -1}, "no_deal_days", "Ensure this value is greater than or equal to 0."),
        ({"warning_days": -3}, "warning_days", "Ensure this value is greater than or equal to 0."),
        ({"cooldown_days": -1}, "cooldown_days", "Ensure this value is greater than or equal to 0."),
        ({"cooldown_days": "a week"}, "cooldown_days", "A valid integer is required."),
        ({"hidden_fields": "address"}, "hidden_fields", 'Expected a list of items but got type "str".'),
    ],
)
def test_bad_pool_input_gets_field_errors_and_changes_nothing(
    sales: SettingsWorld, data: dict[str, Any], field: str, message: str
) -> None:
    customer = registered(sales.alice)
    expires = fresh(customer).expires_at
    before = pools_of(sales.unit)
    response = english(sales.admin).patch(f"/api/v1/pools/{sales.unit_pool.pk}/", data, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert pools_of(sales.unit) == before
    assert fresh(customer).expires_at == expires


def test_the_services_field_errors_come_together_and_in_the_callers_language(sales: SettingsWorld) -> None:
    bad = {"name": "", "no_deal_days": 0, "hidden_fields": ["password"]}
    response = api(sales.admin).patch(
        f"/api/v1/pools/{sales.unit_pool.pk}/", bad, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": ["请填写公海名称。"],
        "no_deal_days": ["不能小于 1。"],
        "hidden_fields": ["未知字段：password。"],
    }
    created = english(sales.admin).post(
        "/api/v1/pools/", {"department": sales.shanghai.pk, "name": "", "daily_claims": 0}, format="json"
    )
    assert created.status_code == 400
    assert created.json() == {"name": ["Give the pool a name."], "daily_claims": ["Must be at least 1."]}
    assert not Pool.objects.filter(department=sales.shanghai).exists()


def test_a_pool_cannot_be_deleted_nor_moved_to_another_department(sales: SettingsWorld) -> None:
    shanghai = pool_admin.pool_save(actor=sales.admin, pool=None, data={"name": "上海公海"}, department=sales.shanghai)
    client = api(sales.admin)
    assert client.delete(f"/api/v1/pools/{shanghai.pk}/").status_code == 405
    assert client.delete(f"/api/v1/pools/{sales.unit_pool.pk}/").status_code == 405
    moved = client.patch(f"/api/v1/pools/{shanghai.pk}/", {"department": sales.beijing.pk}, format="json")
    assert moved.status_code == 400 and list(moved.json()) == ["department"]
    assert Pool.objects.get(pk=shanghai.pk).department == sales.shanghai


# --- holding limits ---------------------------------------------------------------------------------------


def test_holding_limits_are_created_changed_and_deleted(sales: SettingsWorld) -> None:
    client = api(sales.admin)
    created = client.post("/api/v1/holding-limits/", {"user": sales.alice.pk, "holding_limit": 5}, format="json")
    assert created.status_code == 201, created.json()
    row = HoldingLimit.objects.get()
    assert created.json() == {
        "id": row.pk,
        "department": None,
        "user": sales.alice.pk,
        "name": "李爱丽",
        "holding_limit": 5,
        "lock_limit": None,
        "won_counts": None,
        "updated_at": created.json()["updated_at"],
    }
    assert pool.limits_of(sales.alice) == pool.Limits(holding=5, locks=20, won_counts=False)
    # PATCH changes what it sends; whose limits they are stays (sending another user is refused)
    moved = client.patch(f"/api/v1/holding-limits/{row.pk}/", {"lock_limit": 3, "user": sales.dave.pk}, format="json")
    assert (moved.status_code, list(moved.json())) == (400, ["user"])
    changed = client.patch(f"/api/v1/holding-limits/{row.pk}/", {"lock_limit": 3}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["user"], changed.json()["holding_limit"], changed.json()["lock_limit"]) == (
        sales.alice.pk,
        5,
        3,
    )
    assert pool.limits_of(sales.alice) == pool.Limits(holding=5, locks=3, won_counts=False)
    # a department's limits reach its members; the user's own override wins
    department = client.post(
        "/api/v1/holding-limits/", {"department": sales.shanghai.pk, "holding_limit": 50, "won_counts": True}
    )
    assert department.status_code == 201
    assert pool.limits_of(sales.dave) == pool.Limits(holding=50, locks=20, won_counts=True)
    assert pool.limits_of(sales.alice) == pool.Limits(holding=5, locks=3, won_counts=True)
    # posting for a user who has limits already replaces them
    again = client.post("/api/v1/holding-limits/", {"user": sales.alice.pk, "holding_limit": 7}, format="json")
    assert again.status_code == 201
    assert (again.json()["id"], again.json()["holding_limit"], again.json()["lock_limit"]) == (row.pk, 7, None)
    assert HoldingLimit.objects.count() == 2
    cleared = client.patch(f"/api/v1/holding-limits/{row.pk}/", {"holding_limit": None, "lock_limit": 2}, format="json")
    assert cleared.status_code == 200
    assert (cleared.json()["holding_limit"], cleared.json()["lock_limit"]) == (None, 2)
    assert pool.limits_of(sales.alice).holding == 50
    assert client.delete(f"/api/v1/holding-limits/{row.pk}/").status_code == 204
    assert not HoldingLimit.objects.filter(pk=row.pk).exists()
    assert client.get(f"/api/v1/holding-limits/{row.pk}/").status_code == 404
    listing = client.get("/api/v1/holding-limits/").json()
    assert [(item["department"], item["name"]) for item in listing["results"]] == [(sales.shanghai.pk, "上海")]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"holding_limit": 5}, "department", "Choose a department or a salesperson."),
        ("both", "department", "Choose a department or a salesperson."),
        ("foreign_user", "user", "Choose a colleague of your business unit."),
        ("foreign_department", "department", "Choose a department of your business unit."),
        ("alice", "holding_limit", "Set at least one limit."),
        ({"user": "alice", "holding_limit": 0}, "holding_limit", "Must be at least 1."),
        ({"user": "alice", "lock_limit": -1}, "lock_limit", "Must be at least 0."),
        ({"user": 999999, "holding_limit": 5}, "user", 'Invalid pk "999999" - object does not exist.'),
    ],
)
def test_bad_holding_limit_input_gets_field_errors_and_creates_nothing(
    sales: SettingsWorld, data: Any, field: str, message: str
) -> None:
    body = (
        {
            "both": {"department": sales.shanghai.pk, "user": sales.alice.pk, "holding_limit": 5},
            "foreign_user": {"user": sales.other_seller.pk, "holding_limit": 5},
            "foreign_department": {"department": sales.guangzhou.pk, "holding_limit": 5},
            "alice": {"user": sales.alice.pk, "holding_limit": None, "lock_limit": None},
        }.get(data)
        if isinstance(data, str)
        else {k: sales.alice.pk if v == "alice" else v for k, v in data.items()}
    )
    response = english(sales.admin).post("/api/v1/holding-limits/", body, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not HoldingLimit.objects.exists()


def test_bad_holding_limit_changes_are_refused_and_change_nothing(sales: SettingsWorld) -> None:
    row = HoldingLimit.objects.create(business_unit=sales.unit, user=sales.alice, holding_limit=5)
    client = english(sales.admin)
    emptied = client.patch(f"/api/v1/holding-limits/{row.pk}/", {"holding_limit": None}, format="json")
    assert emptied.status_code == 400
    assert emptied.json()["holding_limit"] == ["Set at least one limit."]
    negative = client.patch(f"/api/v1/holding-limits/{row.pk}/", {"lock_limit": -2}, format="json")
    assert negative.status_code == 400 and "lock_limit" in negative.json()
    assert list(HoldingLimit.objects.values_list("holding_limit", "lock_limit", "won_counts")) == [(5, None, None)]


# --- the services decide, whatever calls them -------------------------------------------------------------


def test_the_pool_service_refuses_negative_warning_and_cool_down_days(sales: SettingsWorld) -> None:
    with pytest.raises(ValidationError) as refusal:
        pool_admin.pool_save(actor=sales.admin, pool=sales.unit_pool, data={"warning_days": -1, "cooldown_days": -2})
    assert set(refusal.value.message_dict) == {"warning_days", "cooldown_days"}
    assert Pool.objects.get(pk=sales.unit_pool.pk).warning_days is None


def test_the_holding_limit_service_refuses_a_limit_below_one_and_audits_creation_then_change(
    sales: SettingsWorld,
) -> None:
    with pytest.raises(DomainError) as refusal:
        pool_admin.holding_limit_save(actor=sales.admin, user=sales.alice, values={"holding_limit": 0})
    assert refusal.value.field == "holding_limit"
    assert not HoldingLimit.objects.exists()

    row = pool_admin.holding_limit_save(actor=sales.admin, user=sales.alice, values={"holding_limit": 50})
    pool_admin.holding_limit_save(actor=sales.admin, user=sales.alice, values={"holding_limit": 60})

    entries = AuditEntry.objects.filter(object_type="pool.holdinglimit", object_id=str(row.pk)).order_by("pk")
    assert [(entry.action, entry.changes) for entry in entries] == [
        ("create", {"holding_limit": [None, 50]}),
        ("update", {"holding_limit": [50, 60]}),
    ]
