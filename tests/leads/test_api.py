"""The leads' REST API: intake, the scope matrix, assign, status, convert and the web forms."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from guanxi.customers.models import Customer
from guanxi.leads.models import AssignmentRule, Lead, LeadForm
from guanxi.org.models import User
from tests.conftest import World, grant
from tests.customers.test_services import register
from tests.leads.conftest import Sales, enter


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


ROLES = [None, "salesperson", "sales_manager", "unit_head", "group_management"]


@pytest.mark.parametrize("role", ROLES)
def test_the_lead_api_answers_each_role(world: World, role: str | None) -> None:
    owner = grant(world.charlie, "salesperson")
    lead = enter(owner, company="")
    actor = grant(world.alice, role) if role else world.alice
    client = api(actor)

    listing = client.get("/api/v1/leads/")
    created = client.post("/api/v1/leads/", {"name": "接口线索", "mobile": "13811112222"}, format="json")
    detail = client.get(f"/api/v1/leads/{lead.pk}/")
    deleted = client.delete(f"/api/v1/leads/{lead.pk}/")

    expect = {
        None: (403, 403, 403, 403),
        "salesperson": (200, 201, 404, 403),
        "sales_manager": (200, 201, 404, 403),  # Charlie works in Beijing, outside Alice's tree
        "unit_head": (200, 201, 200, 204),
        "group_management": (200, 403, 200, 403),
    }[role]
    assert (listing.status_code, created.status_code, detail.status_code, deleted.status_code) == expect
    assert Lead.objects.filter(pk=lead.pk).exists() == (expect[3] != 204)


def test_anonymous_gets_401(db: None) -> None:
    assert api(None).get("/api/v1/leads/").status_code == 401


def test_api_intake_assigns_by_the_rules_and_refuses_a_duplicate_with_409(sales: Sales) -> None:
    AssignmentRule.objects.create(business_unit=sales.unit, name="给朵拉", kind="user", user=sales.dora)
    client = api(sales.root)
    body = {"name": "周八", "company": "常州新材料有限公司", "mobile": "13811112222", "source": "online",
            "assign_by_rules": True}  # fmt: skip

    created = client.post("/api/v1/leads/", body, format="json")
    again = client.post("/api/v1/leads/", body, format="json")
    bad = client.post("/api/v1/leads/", {**body, "mobile": "12345", "qq": "12ab"}, format="json")

    assert created.status_code == 201
    assert (created.data["channel"], created.data["owner"], created.data["status"]) == ("api", sales.dora.pk, "new")
    assert again.status_code == 409 and again.data["code"] == "duplicate_lead"
    assert bad.status_code == 400 and {"mobile", "qq"} <= set(bad.data)


def test_the_api_filters_by_scene_and_finds_by_phone(sales: Sales) -> None:
    lead = enter(sales.alice, company="", mobile="13811110000")
    enter(sales.alice, company="", mobile="13811119999")
    client = api(sales.alice)

    found = client.get("/api/v1/leads/", {"search": "138 1111 0000"})
    mine = client.get("/api/v1/leads/", {"scene": "mine"})

    assert [row["id"] for row in found.data["results"]] == [lead.pk]
    assert mine.data["count"] == 2


def test_assign_status_and_convert_through_the_api(sales: Sales) -> None:
    lead = enter(sales.bob, company="")
    client = api(sales.bob)

    assigned = client.post(f"/api/v1/leads/{lead.pk}/assign/", {"owner": sales.alice.pk}, format="json")
    qualified = client.post(f"/api/v1/leads/{lead.pk}/status/", {"status": "qualified"}, format="json")
    converted = client.post(
        f"/api/v1/leads/{lead.pk}/convert/",
        {"customer_data": {"name": "王小明"}, "opportunity": {"name": "个人购车"}},
        format="json",
    )

    assert assigned.status_code == 200 and assigned.data["owner"] == sales.alice.pk
    assert qualified.data["status"] == "qualified"
    assert converted.status_code == 200, converted.data
    customer = Customer.objects.get()
    assert (converted.data["customer"], customer.owner, customer.kind) == (customer.pk, sales.alice, "individual")
    assert converted.data["opportunity"] is not None
    assert client.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json").status_code == 400  # closed now


def test_converting_a_duplicate_customer_answers_409_naming_it(sales: Sales) -> None:
    lead = enter(sales.alice)
    existing = register(sales.charlie, "杭州远景电子有限公司", contact={"name": "赵六", "mobile": "13700001111"})

    refused = api(sales.alice).post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")

    assert refused.status_code == 409
    assert refused.data["code"] == "duplicate_customer" and existing.number in refused.data["name"][0]


def test_a_salesperson_cannot_assign_through_the_api(sales: Sales) -> None:
    lead = enter(sales.alice)

    answer = api(sales.alice).post(f"/api/v1/leads/{lead.pk}/assign/", {"owner": sales.dora.pk}, format="json")

    assert answer.status_code == 403
    assert Lead.objects.get(pk=lead.pk).owner == sales.alice


def test_lead_forms_are_configured_by_administrators_only(sales: Sales) -> None:
    body = {"name": "官网", "title": "联系我们", "fields_shown": ["name", "mobile"], "fields_required": ["mobile"],
            "thank_you": "谢谢", "source": "online"}  # fmt: skip

    refused = api(sales.alice).post("/api/v1/lead-forms/", body, format="json")
    created = api(sales.root).post("/api/v1/lead-forms/", body, format="json")
    changed = api(sales.root).patch(f"/api/v1/lead-forms/{created.data['id']}/", {"is_active": False}, format="json")

    assert refused.status_code == 403
    assert created.status_code == 201, created.data
    assert created.data["url"].endswith(f"/leads/web/{created.data['key']}/")
    assert created.data["fields_required"] == ["name", "mobile"]
    assert changed.status_code == 200 and LeadForm.objects.get().is_active is False


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="two intakes at the same moment need real concurrent transactions; SQLite serialises every writer",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_intakes_take_turns_in_the_round_robin() -> None:
    world = Sales()
    AssignmentRule.objects.create(
        business_unit=world.unit, name="上海轮流", kind="round_robin", department=world.shanghai
    )
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def intake(n: int) -> None:
        try:
            barrier.wait()
            enter(world.root, company="", mobile=f"1390000{n:04d}", by_rules=True)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=intake, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    owners = list(Lead.objects.values_list("owner__username", flat=True))
    # three people, six leads: each gets exactly two, whatever order the transactions ran in
    assert sorted(owners) == ["alice", "alice", "bob", "bob", "dora", "dora"]
    assert AssignmentRule.objects.get().assigned_count == 6
