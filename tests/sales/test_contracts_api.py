"""The contracts and orders endpoints: the scope matrix with two units, every action, and bad input."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import Order
from tests.conftest import TwoUnits

from .contracting import approve, contract
from .quoting import customer, product


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(client: Customer, **data: object) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "customer": client.pk, "title": "年度维保合同", "amount": "50000.00", "start_on": str(today),
        "end_on": str(today + timedelta(days=365)), **data,
    }  # fmt: skip


def test_a_contract_through_the_api_from_draft_to_signed_wins_the_customer(two_units: TwoUnits) -> None:
    client = customer(two_units.alice)
    alice = api(two_units.alice)
    made = alice.post("/api/v1/contracts/", body(client, number="HT-A-1"), format="json")
    assert made.status_code == 201, made.json()
    data = made.json()
    assert data["status"] == "draft" and data["number"] == "HT-A-1"
    pk = data["id"]
    assert alice.post(f"/api/v1/contracts/{pk}/sign/").status_code == 409
    assert alice.post(f"/api/v1/contracts/{pk}/submit/").json()["status"] == "pending"
    assert alice.post(f"/api/v1/contracts/{pk}/withdraw/").json()["status"] == "draft"
    assert alice.post(f"/api/v1/contracts/{pk}/submit/").json()["status"] == "pending"
    approve(two_units.bob, Contract.objects.get(pk=pk))
    day = timezone.localdate() - timedelta(days=2)
    signed = alice.post(f"/api/v1/contracts/{pk}/sign/", {"signed_on": str(day)}, format="json")
    assert signed.status_code == 200 and signed.json()["signed_on"] == str(day)
    client.refresh_from_db()
    assert client.status == Lifecycle.WON and timezone.localtime(client.last_order_at).date() == day
    # a signed contract is locked
    locked = alice.patch(
        f"/api/v1/contracts/{pk}/", {"amount": "1.00", "version": signed.json()["version"]}, format="json"
    )
    assert locked.status_code == 400 and locked.json()["code"] == "not_editable"
    # voiding: reason required, then approval
    assert alice.post(f"/api/v1/contracts/{pk}/void/", {"reason": ""}, format="json").status_code == 400
    asked = alice.post(f"/api/v1/contracts/{pk}/void/", {"reason": "客户取消"}, format="json")
    assert asked.json()["void_pending"] is True
    approve(two_units.bob, Contract.objects.get(pk=pk), contract_services.CONTRACT_VOID)
    assert alice.get(f"/api/v1/contracts/{pk}/").json()["status"] == "voided"
    client.refresh_from_db()
    assert client.status == Lifecycle.POTENTIAL
    copy = alice.post(f"/api/v1/contracts/{pk}/copy/")
    assert copy.status_code == 201 and copy.json()["copied_from"] == pk and copy.json()["status"] == "draft"


def test_bad_input_is_refused_by_field_and_a_duplicate_number_with_409(two_units: TwoUnits) -> None:
    client = customer(two_units.alice)
    alice = api(two_units.alice)
    today = timezone.localdate()
    bad = alice.post("/api/v1/contracts/", body(client, amount="0", end_on=str(today)), format="json")
    assert bad.status_code == 400 and set(bad.json()) >= {"amount", "end_on"}
    assert alice.post("/api/v1/contracts/", body(client, number="HT-9"), format="json").status_code == 201
    duplicate = alice.post("/api/v1/contracts/", body(client, number="HT-9"), format="json")
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate_number"
    pk = Contract.objects.get(number="HT-9").pk
    stale = alice.patch(f"/api/v1/contracts/{pk}/", {"title": "新", "version": 99}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    other = customer(two_units.alice, "另一家公司")
    made = alice.post("/api/v1/contracts/", body(other), format="json").json()
    renewal = alice.post(f"/api/v1/contracts/{made['id']}/renew/")
    assert renewal.status_code == 409  # a draft is not renewed
    assert Contract.objects.count() == 2


def test_the_other_unit_neither_sees_nor_acts_on_contracts_and_orders(two_units: TwoUnits) -> None:
    client = customer(two_units.alice)
    lathe = product(two_units.ada, "A-1")
    alice, bella = api(two_units.alice), api(two_units.bella)
    pk = alice.post("/api/v1/contracts/", body(client), format="json").json()["id"]
    order = alice.post(
        "/api/v1/orders/", {"customer": client.pk, "lines": [{"product": lathe.pk, "quantity": "2"}]}, format="json"
    )
    assert order.status_code == 201, order.json()
    order_pk = order.json()["id"]
    assert bella.get("/api/v1/contracts/").json()["count"] == 0
    assert bella.get("/api/v1/orders/").json()["count"] == 0
    assert bella.get(f"/api/v1/contracts/{pk}/").status_code == 404
    assert bella.post(f"/api/v1/contracts/{pk}/submit/").status_code == 404
    assert bella.get(f"/api/v1/orders/{order_pk}/").status_code == 404
    assert bella.post(f"/api/v1/orders/{order_pk}/confirm/").status_code == 404
    # Bella cannot contract Alice's customer either
    refused = bella.post("/api/v1/contracts/", body(client), format="json")
    assert refused.status_code == 400 and "customer" in refused.json()
    assert alice.get("/api/v1/contracts/").json()["count"] == 1
    assert api(two_units.charlie).get("/api/v1/contracts/").status_code == 403  # holds no role


def test_orders_through_the_api_confirm_cancel_and_the_contracts_limit(two_units: TwoUnits) -> None:
    client = customer(two_units.alice)
    lathe = product(two_units.ada, "A-1")
    alice = api(two_units.alice)
    made = alice.post(
        "/api/v1/contracts/", body(client, lines=[{"product": lathe.pk, "quantity": "5"}]), format="json"
    ).json()
    alice.post(f"/api/v1/contracts/{made['id']}/submit/")
    approve(two_units.bob, Contract.objects.get(pk=made["id"]))
    alice.post(f"/api/v1/contracts/{made['id']}/sign/")
    over = alice.post(
        "/api/v1/orders/",
        {"customer": client.pk, "contract": made["id"], "lines": [{"product": lathe.pk, "quantity": "6"}]},
        format="json",
    )
    assert over.status_code == 400 and "lines.0.quantity" in over.json()
    assert Order.objects.count() == 0
    order = alice.post("/api/v1/orders/", {"customer": client.pk, "contract": made["id"]}, format="json").json()
    assert order["lines"][0]["quantity"] == "5.00"
    confirmed = alice.post(f"/api/v1/orders/{order['id']}/confirm/").json()
    assert confirmed["status"] == "confirmed" and confirmed["billing"]["name"] == client.name
    assert alice.post(f"/api/v1/orders/{order['id']}/cancel/", {}, format="json").status_code == 400  # no reason
    cancelled = alice.post(f"/api/v1/orders/{order['id']}/cancel/", {"reason": "改单"}, format="json").json()
    assert cancelled["status"] == "cancelled"
    client.refresh_from_db()
    assert client.status == Lifecycle.WON  # the signed contract still counts


def test_files_are_attached_through_the_api_checked_and_only_within_the_unit(two_units: TwoUnits) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    row = contract(two_units.alice, customer(two_units.alice))
    alice = api(two_units.alice)
    scan = SimpleUploadedFile("合同扫描件.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", content_type="application/pdf")
    annex = SimpleUploadedFile("附件.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 24, content_type="image/png")
    added = alice.post(f"/api/v1/contracts/{row.pk}/attach/", {"files": [scan, annex]})
    assert added.status_code == 201, added.json()
    listed = added.json()["attachments"]
    assert sorted(a["name"] for a in listed) == ["合同扫描件.pdf", "附件.png"]
    first = next(a for a in listed if a["name"] == "合同扫描件.pdf")
    assert first["content_type"] == "application/pdf" and first["url"] == f"/sales/contracts/attachments/{first['id']}/"
    assert alice.get(f"/api/v1/contracts/{row.pk}/").json()["attachments"] == listed
    # a program named like a document is refused, and nothing of the set is kept
    disguised = SimpleUploadedFile("报价.pdf", b"MZ\x90\x00" + b"\0" * 60, content_type="application/pdf")
    good = SimpleUploadedFile("另一份.pdf", b"%PDF-1.4\n%\xe2\xe3\n", content_type="application/pdf")
    refused = alice.post(f"/api/v1/contracts/{row.pk}/attach/", {"files": [good, disguised]})
    assert refused.status_code == 400 and refused.json()["code"] == "file_content"
    assert row.attachments.count() == 2
    # another unit does not see the contract at all
    other = api(two_units.bella).post(f"/api/v1/contracts/{row.pk}/attach/", {"files": [scan]})
    assert other.status_code == 404 and row.attachments.count() == 2
