"""The money API: plans, receipts (+ submit, approve, reject, reverse), invoices (+ issue, void), deliveries
(+ ship, receive), receivables (+ ageing); bad input by field; the scope matrix over two units."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.finance import services
from guanxi.finance.models import Receivable
from guanxi.org.models import User
from guanxi.sales.orders.models import OrderLine
from guanxi.workflows import services as approvals
from tests.conftest import TwoUnits, World, client_for, grant, make_user

from .conftest import order_of, receivable_of

JSON: dict[str, Any] = {"content_type": "application/json"}


def test_plans_and_a_receipt_through_the_api_to_received(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    alice, fay = client_for(money.alice), client_for(money.fay)  # type: ignore[attr-defined]
    today = timezone.localdate()
    made = alice.post(
        "/api/v1/payment-plans/generate/",
        {"receivable": receivable.pk, "first_due": today.isoformat(), "count": 2},
        **JSON,
    )
    assert made.status_code == 201, made.content
    assert [row["amount"] for row in made.json()] == ["500.00", "500.00"]
    receipt = alice.post(
        "/api/v1/receipts/",
        {
            "receivable": receivable.pk,
            "received_on": today.isoformat(),
            "amount": "700.00",
            "method": "transfer",
            "payer": "甲",
        },
        **JSON,
    )
    assert receipt.status_code == 201, receipt.content
    pk = receipt.json()["id"]
    assert alice.post(f"/api/v1/receipts/{pk}/submit/").json()["status"] == "pending"
    assert alice.post(f"/api/v1/receipts/{pk}/approve/", {}, **JSON).status_code == 403  # not her step
    approved = fay.post(f"/api/v1/receipts/{pk}/approve/", {"comment": "已到账"}, **JSON)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert [a["amount"] for a in approved.json()["allocations"]] == ["500.00", "200.00"]
    plans = alice.get(f"/api/v1/payment-plans/?receivable={receivable.pk}").json()["results"]
    assert [p["status"] for p in plans] == ["received", "partial"]
    ageing = alice.get("/api/v1/receivables/ageing/").json()
    assert ageing["totals"]["received"] == "700.00" and ageing["results"][0]["outstanding"] == "300.00"
    assert alice.post(f"/api/v1/receipts/{pk}/reverse/", {"reason": "退票"}, **JSON).status_code == 403
    reversed_ = fay.post(f"/api/v1/receipts/{pk}/reverse/", {"reason": "退票"}, **JSON)
    assert reversed_.json()["status"] == "reversed"
    assert Receivable.objects.get(pk=receivable.pk).received == 0


def test_the_ageing_as_of_a_day_before_a_contract_was_signed_leaves_it_out(money: World) -> None:
    today = timezone.localdate()
    receivable = receivable_of(money, amount="1000", on=today - timedelta(days=20))
    alice = client_for(money.alice)
    assert alice.get(f"/api/v1/receivables/{receivable.pk}/").json()["owed_from"] == str(today - timedelta(days=20))
    for days, listed, contracted in ((30, [], "0.00"), (10, [receivable.pk], "1000.00")):
        day = (today - timedelta(days=days)).isoformat()
        ageing = alice.get(f"/api/v1/receivables/ageing/?by=record&as_of={day}").json()
        assert [row["id"] for row in ageing["results"]] == listed and ageing["totals"]["contracted"] == contracted


def test_bad_money_input_is_refused_by_field(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    alice = client_for(money.alice)
    today = timezone.localdate().isoformat()
    base = {"receivable": receivable.pk, "received_on": today, "method": "cash"}
    for amount in ("1.005", "0", "-1", "abc"):
        answer = alice.post("/api/v1/receipts/", {**base, "amount": amount}, **JSON)
        assert answer.status_code == 400 and "amount" in answer.json(), (amount, answer.content)
    over = alice.post("/api/v1/receipts/", {**base, "amount": "1000.01"}, **JSON)
    assert over.status_code == 400 and "¥1,000.00" in over.json()["amount"][0]
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert (
        "received_on" in alice.post("/api/v1/receipts/", {**base, "amount": "1", "received_on": future}, **JSON).json()
    )
    plan = alice.post("/api/v1/payment-plans/", {"receivable": receivable.pk, "due_on": today, "amount": "100"}, **JSON)
    pk = plan.json()["id"]
    assert alice.patch(f"/api/v1/payment-plans/{pk}/", {"amount": "200", "version": 1}, **JSON).status_code == 200
    stale = alice.patch(f"/api/v1/payment-plans/{pk}/", {"amount": "300", "version": 1}, **JSON)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    too_much = alice.post(
        "/api/v1/payment-plans/", {"receivable": receivable.pk, "due_on": today, "amount": "900"}, **JSON
    )
    assert too_much.status_code == 409 and too_much.json()["code"] == "over_plan"
    assert Receivable.objects.get(pk=receivable.pk).planned == Decimal("200")


def test_an_over_receipt_at_approval_answers_409_with_its_code(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    alice, fay = client_for(money.alice), client_for(money.fay)  # type: ignore[attr-defined]
    today = timezone.localdate().isoformat()
    ids = []
    for _n in range(2):
        made = alice.post(
            "/api/v1/receipts/",
            {"receivable": receivable.pk, "received_on": today, "amount": "600", "method": "cash"},
            **JSON,
        )
        ids.append(made.json()["id"])
        alice.post(f"/api/v1/receipts/{made.json()['id']}/submit/")
    assert fay.post(f"/api/v1/receipts/{ids[0]}/approve/", {}, **JSON).status_code == 200
    refused = fay.post(f"/api/v1/receipts/{ids[1]}/approve/", {}, **JSON)
    assert refused.status_code == 409 and refused.json()["code"] == "over_receipt"
    assert "400.00" in str(refused.json())


def test_invoices_and_deliveries_through_the_api(money: World) -> None:
    order = order_of(money, quantity=3)
    alice, fay = client_for(money.alice), client_for(money.fay)  # type: ignore[attr-defined]
    opened = alice.post("/api/v1/receivables/", {"order": order.pk}, **JSON)
    assert opened.status_code == 201, opened.content
    receivable = opened.json()["id"]
    bad = alice.post(
        "/api/v1/invoices/",
        {
            "receivable": receivable,
            "kind": "special",
            "title": "甲",
            "tax_number": "91350100M000100Y44",
            "lines": [{"description": "车床", "amount": "100"}],
        },
        **JSON,
    )
    assert bad.status_code == 400 and "tax_number" in bad.json()
    made = alice.post(
        "/api/v1/invoices/",
        {
            "receivable": receivable,
            "kind": "special",
            "title": "甲",
            "tax_number": "91350100M000100Y43",
            "lines": [{"description": "车床", "amount": "100"}],
        },
        **JSON,
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert alice.post(f"/api/v1/invoices/{pk}/issue/", {"invoice_number": "1"}, **JSON).status_code == 403
    issued = fay.post(f"/api/v1/invoices/{pk}/issue/", {"invoice_number": "04400123"}, **JSON)
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    over = alice.post(
        "/api/v1/invoices/",
        {"receivable": receivable, "title": "甲", "lines": [{"description": "车床", "amount": str(order.total)}]},
        **JSON,
    )
    assert over.status_code == 409 and over.json()["code"] == "over_invoice"
    line = OrderLine.objects.get(order=order)
    too_many = alice.post(
        "/api/v1/deliveries/",
        {
            "order": order.pk,
            "shipped_on": timezone.localdate().isoformat(),
            "lines": [{"order_line": line.pk, "quantity": "4"}],
        },
        **JSON,
    )
    assert too_many.status_code == 400 and "lines.0.quantity" in too_many.json()
    note = alice.post(
        "/api/v1/deliveries/",
        {
            "order": order.pk,
            "shipped_on": timezone.localdate().isoformat(),
            "carrier": "顺丰",
            "lines": [{"order_line": line.pk, "quantity": "3"}],
        },
        **JSON,
    )
    assert note.status_code == 201, note.content
    dpk = note.json()["id"]
    assert alice.post(f"/api/v1/deliveries/{dpk}/ship/").json()["status"] == "shipped"
    assert alice.post(f"/api/v1/deliveries/{dpk}/receive/", {"receiver": "张三"}, **JSON).json()["status"] == "received"
    assert alice.get(f"/api/v1/orders/{order.pk}/").json()["status"] == "delivered"


# --- the scope matrix ---------------------------------------------------------------------------------------


@pytest.fixture
def group(two_units: TwoUnits) -> TwoUnits:
    """Alice (unit A) and Bella (unit B) sell; Carl sells in A too; Ada and Ben run their unit's finance desk
    (unit admins); Fay is the group's finance; Bob approves contracts in A."""
    world = two_units
    grant(world.bob, "sales_manager")
    grant(world.root)
    world.carl = grant(make_user("carl", "卡尔", world.beijing, manager=world.bob), "salesperson")  # type: ignore[attr-defined]
    world.fay = grant(make_user("fay", "菲", world.head_office), "group_management")  # type: ignore[attr-defined]
    boss_b = grant(make_user("boris", "鲍里斯", world.hangzhou), "unit_head")
    User.objects.filter(pk=world.bella.pk).update(manager=boss_b)
    world.bella.refresh_from_db()
    world.boris = boss_b  # type: ignore[attr-defined]
    for unit, person in ((world.unit, world.fay), (world.unit_b, world.ben)):  # type: ignore[attr-defined]
        approvals.approval_flow_save(
            actor=world.root, unit=unit, record_type=services.RECEIPT_APPROVAL, steps=[{"kind": "user", "user": person}]
        )
    return world


def _money_of(world: Any, seller: User, approver: User) -> Receivable:
    from tests.sales.contracting import signed
    from tests.sales.quoting import customer

    from .conftest import fresh_name

    row = signed(seller, approver, customer(seller, fresh_name()), amount=Decimal("1000"))
    receivable = services.receivable_open(actor=seller, contract=row)
    services.plan_create(actor=seller, receivable=receivable, data={"due_on": timezone.localdate(), "amount": "500"})
    return receivable


def test_the_scope_matrix_over_two_units(group: Any) -> None:
    alices = _money_of(group, group.alice, group.bob)
    carls = _money_of(group, group.carl, group.bob)
    bellas = _money_of(group, group.bella, group.boris)
    everyone = {alices.pk, carls.pk, bellas.pk}
    seen = {
        "alice": {alices.pk},
        "carl": {carls.pk},
        "bella": {bellas.pk},
        "ada": {alices.pk, carls.pk},
        "ben": {bellas.pk},
        "fay": everyone,
        "gina": everyone,
    }
    for name, expected in seen.items():
        client = client_for(getattr(group, name))
        rows = client.get("/api/v1/receivables/").json()["results"]
        assert {row["id"] for row in rows} == expected, name
        plans = client.get("/api/v1/payment-plans/").json()["results"]
        assert {row["receivable"] for row in plans} == expected, name
        ageing = client.get("/api/v1/receivables/ageing/?by=record").json()
        assert {row["id"] for row in ageing["results"]} == expected, name
        for other in everyone - expected:
            assert client.get(f"/api/v1/receivables/{other}/").status_code == 404, name
    # a receipt of Bella's: Ben (her unit's finance desk) approves it; Alice cannot even see it
    bella = client_for(group.bella)
    made = bella.post(
        "/api/v1/receipts/",
        {"receivable": bellas.pk, "amount": "500", "method": "cash", "received_on": timezone.localdate().isoformat()},
        **JSON,
    )
    pk = made.json()["id"]
    bella.post(f"/api/v1/receipts/{pk}/submit/")
    assert client_for(group.alice).get(f"/api/v1/receipts/{pk}/").status_code == 404
    assert client_for(group.ada).post(f"/api/v1/receipts/{pk}/approve/", {}, **JSON).status_code == 404
    assert client_for(group.ben).post(f"/api/v1/receipts/{pk}/approve/", {}, **JSON).status_code == 200
    # Alice cannot put a receipt on Bella's receivable
    foreign = client_for(group.alice).post(
        "/api/v1/receipts/",
        {"receivable": bellas.pk, "amount": "1", "method": "cash", "received_on": timezone.localdate().isoformat()},
        **JSON,
    )
    assert foreign.status_code == 400 and "receivable" in foreign.json()


def test_anonymous_callers_are_refused(db: None) -> None:
    from django.test import Client

    for url in (
        "/api/v1/receivables/",
        "/api/v1/receipts/",
        "/api/v1/invoices/",
        "/api/v1/deliveries/",
        "/api/v1/payment-plans/",
        "/api/v1/receivables/ageing/",
    ):
        assert Client().get(url).status_code in (401, 403)
