from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from guanxi.activities import services
from guanxi.activities.models import FollowUp, Plan, PlanTemplate
from guanxi.org.models import User
from tests.activities.conftest import customer_of
from tests.conftest import World, grant

NOON = timezone.make_aware(datetime(2026, 3, 10, 12, 0))


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


ROLES = [None, "salesperson", "sales_manager", "unit_head"]


@pytest.mark.parametrize("role", ROLES)
def test_the_plan_api_answers_each_role(world: World, role: str | None) -> None:
    owner = grant(world.charlie, "salesperson")
    customer = customer_of(owner)
    plan = services.plan_create(actor=owner, subject="回访", due_at=NOON, customer=customer)
    actor = grant(world.alice, role) if role else world.alice
    client = api(actor)
    listing = client.get("/api/v1/plans/")
    detail = client.get(f"/api/v1/plans/{plan.pk}/")
    cancel = client.post(f"/api/v1/plans/{plan.pk}/cancel/", {"reason": "x"}, format="json")
    expect = {
        None: (403, 403, 403),
        "salesperson": (200, 404, 404),
        "sales_manager": (200, 404, 404),  # Charlie works in Beijing, outside Alice's tree
        "unit_head": (200, 200, 200),
    }[role]
    assert (listing.status_code, detail.status_code, cancel.status_code) == expect
    plan.refresh_from_db()
    assert plan.status == ("cancelled" if expect[2] == 200 else "open")


def test_anonymous_gets_401(db: None) -> None:
    assert api(None).get("/api/v1/followups/").status_code == 401


def test_a_follow_up_is_recorded_with_a_file_and_completes_a_plan(sales: World) -> None:
    customer = customer_of(sales.alice)
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    response = api(sales.alice).post(
        "/api/v1/followups/",
        {
            "customer": customer.pk,
            "channel": "wechat",
            "content": "微信沟通",
            "plan": plan.pk,
            "files": [SimpleUploadedFile("note.txt", b"hello")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == sales.alice.pk and body["attachments"][0]["name"] == "note.txt"
    plan.refresh_from_db()
    assert plan.status == "done" and plan.followup_id == body["id"]
    listed = api(sales.alice).get(f"/api/v1/followups/?customer={customer.pk}").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]


def test_a_follow_up_through_the_api_plans_the_next_contact_for_whom_the_caller_may(sales: World) -> None:
    customer = customer_of(sales.alice)
    body = {"customer": customer.pk, "content": "电话", "occurred_at": NOON.isoformat()}
    later = (NOON + timedelta(days=2)).isoformat()
    refused = api(sales.alice).post(
        "/api/v1/followups/", body | {"next_contact_at": later, "next_owner": sales.charlie.pk}
    )
    assert refused.status_code == 403 and "next_owner" in refused.json()
    created = api(sales.bob).post("/api/v1/followups/", body | {"next_contact_at": later, "next_owner": sales.alice.pk})
    assert created.status_code == 201, created.json()
    assert created.json()["next_contact_at"] is not None
    plan = Plan.objects.get()
    assert (plan.owner, plan.origin) == (sales.alice, "next")


def test_bad_input_gets_field_errors(sales: World) -> None:
    customer = customer_of(sales.alice)
    response = api(sales.alice).post(
        "/api/v1/followups/", {"customer": customer.pk, "content": "", "channel": "phone"}, format="json"
    )
    assert response.status_code == 400 and "content" in response.json()
    response = api(sales.alice).post("/api/v1/plans/", {"customer": customer.pk, "subject": "x"}, format="json")
    assert response.status_code == 400 and "due_at" in response.json()
    other = customer_of(sales.charlie, "别人的客户")
    response = api(sales.alice).post(
        "/api/v1/plans/", {"customer": other.pk, "subject": "x", "due_at": NOON.isoformat()}, format="json"
    )
    assert response.status_code == 400 and "customer" in response.json()
    assert not FollowUp.objects.exists() and not Plan.objects.exists()


def test_plans_are_created_rescheduled_with_a_version_and_completed(sales: World) -> None:
    customer = customer_of(sales.alice)
    client = api(sales.alice)
    created = client.post(
        "/api/v1/plans/", {"customer": customer.pk, "subject": "拜访", "due_at": NOON.isoformat()}, format="json"
    ).json()
    assert created["status"] == "open" and created["owner"] == sales.alice.pk
    later = (NOON + timedelta(days=1)).isoformat()
    assert client.patch(f"/api/v1/plans/{created['id']}/", {"due_at": later}, format="json").status_code == 400
    moved = client.patch(f"/api/v1/plans/{created['id']}/", {"due_at": later, "version": 1}, format="json")
    assert moved.status_code == 200 and moved.json()["version"] == 2
    stale = client.patch(f"/api/v1/plans/{created['id']}/", {"due_at": later, "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    overdue = client.get("/api/v1/plans/?overdue=true").json()
    assert overdue["count"] == 1 and overdue["results"][0]["overdue"] is True
    done = client.post(f"/api/v1/plans/{created['id']}/complete/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["next_plan_proposal"] is not None  # it was the customer's last open plan
    again = client.post(f"/api/v1/plans/{created['id']}/complete/", {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "plan_closed"


def test_a_plan_about_a_related_record(sales: World) -> None:
    customer = customer_of(sales.alice)
    contact = customer.contacts.get()
    response = api(sales.alice).post(
        "/api/v1/plans/",
        {"subject": "x", "due_at": NOON.isoformat(), "related_type": "customers.contact", "related_id": contact.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["related_type"] == "customers.contact"
    refused = api(sales.alice).post(
        "/api/v1/plans/",
        {"subject": "x", "due_at": NOON.isoformat(), "related_type": "auth.permission", "related_id": 1},
        format="json",
    )
    assert refused.status_code == 400 and "related_type" in refused.json()


def test_plan_templates_are_listed_configured_by_administrators_and_applied(sales: World) -> None:
    customer = customer_of(sales.alice)
    listing = api(sales.alice).get("/api/v1/plan-templates/").json()
    assert {row["code"] for row in listing["results"]} >= {"post_purchase", "memory_curve"}
    step = {"subject": "邀请到店", "kind": "showroom", "offset_days": 3}
    body = {"name": "展厅邀约", "event": "manual", "steps": [step]}
    assert api(sales.alice).post("/api/v1/plan-templates/", body, format="json").status_code == 403
    created = api(sales.root).post("/api/v1/plan-templates/", body, format="json")
    assert created.status_code == 201 and created.json()["steps"][0]["subject"] == "邀请到店"
    bad = api(sales.root).post("/api/v1/plan-templates/", {"name": "空模板", "steps": []}, format="json")
    assert bad.status_code == 400 and "steps" in bad.json()
    shipped = PlanTemplate.objects.get(code="post_purchase")
    applied = api(sales.alice).post(
        f"/api/v1/plan-templates/{shipped.pk}/apply/", {"customer": customer.pk}, format="json"
    )
    assert applied.status_code == 201 and len(applied.json()) == 4
    assert api(sales.root).delete(f"/api/v1/plan-templates/{shipped.pk}/").status_code == 400


def test_a_manager_comments_through_the_api(sales: World) -> None:
    customer = customer_of(sales.alice)
    followup = services.followup_create(actor=sales.alice, customer=customer, content="x")
    assert api(sales.alice).post(f"/api/v1/followups/{followup.pk}/comment/", {"text": "y"}).status_code == 403
    response = api(sales.bob).post(f"/api/v1/followups/{followup.pk}/comment/", {"text": "好"}, format="json")
    assert response.status_code == 201 and response.json()["author"] == sales.bob.pk
