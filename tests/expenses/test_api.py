"""The expenses API: create with lines, bad input by line and field, submit, pay by finance only."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from guanxi.expenses.models import Expense
from tests.conftest import client_for, grant


def test_a_claim_goes_from_draft_to_paid_through_the_api(office: object) -> None:
    alice, bob, fay = client_for(office.alice), client_for(office.bob), client_for(office.fay)  # type: ignore[attr-defined]
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    made = alice.post(
        "/api/v1/expenses/", {"title": "差旅", "lines": [{"category": "travel", "spent_on": day, "amount": "120.50"}]},
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["total"] == "120.50"
    assert alice.post(f"/api/v1/expenses/{pk}/submit/").json()["status"] == "pending"
    assert fay.post(f"/api/v1/expenses/{pk}/pay/").status_code == 409  # not approved yet
    from guanxi.workflows.models import ApprovalRequest

    request = ApprovalRequest.objects.get(object_id=str(pk), record_type="expenses.claim")
    assert bob.post(f"/api/v1/approvals/{request.pk}/approve/", {}, content_type="application/json").status_code == 200
    assert bob.post(f"/api/v1/expenses/{pk}/pay/").status_code == 403
    paid = fay.post(f"/api/v1/expenses/{pk}/pay/", {"reference": "FK9"}, content_type="application/json")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"


def test_future_dates_and_negative_amounts_are_refused_by_line_and_field(office: object) -> None:
    alice = client_for(office.alice)  # type: ignore[attr-defined]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answer = alice.post(
        "/api/v1/expenses/",
        {"title": "差旅", "lines": [{"category": "travel", "spent_on": tomorrow, "amount": "10"},
                                    {"category": "travel", "spent_on": tomorrow[:8] + "01", "amount": "-3"}]},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 400
    assert {"lines.0.spent_on", "lines.1.amount"} <= set(answer.json())
    assert Expense.all_objects.count() == 0


def test_an_outsider_gets_404_and_a_person_without_the_module_403(office: object) -> None:
    from guanxi.expenses import services

    expense = services.expense_create(
        actor=office.alice, data={"title": "差旅"},  # type: ignore[attr-defined]
        lines=[{"category": "travel", "spent_on": timezone.localdate(), "amount": Decimal("5")}],
    )  # fmt: skip
    grant(office.charlie, "salesperson")  # type: ignore[attr-defined]
    assert client_for(office.charlie).get(f"/api/v1/expenses/{expense.pk}/").status_code == 404  # type: ignore[attr-defined]
    grant(office.charlie)  # type: ignore[attr-defined]
    assert client_for(office.charlie).get("/api/v1/expenses/").status_code == 403  # type: ignore[attr-defined]
    assert client_for(office.bob).get(f"/api/v1/expenses/{expense.pk}/").status_code == 200  # type: ignore[attr-defined]
