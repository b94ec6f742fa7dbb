"""The contract and order pages: list scenes, filters and export, the form, the detail's actions, the 360
tabs and the opportunity page."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from guanxi.customers.models import Lifecycle
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.contracts.models import Contract, ContractStatus
from guanxi.sales.orders import services as order_services
from guanxi.sales.orders.models import Order
from tests.conftest import TwoUnits, World, client_for, grant

from .conftest import open_opportunity
from .contracting import approve, contract, signed
from .quoting import customer, product


@pytest.fixture
def shop(sales: World) -> World:
    grant(sales.root)
    return sales


def test_the_list_scenes_and_filters(shop: World, client: Client) -> None:
    today = timezone.localdate()
    buyer = customer(shop.alice)
    ending = signed(shop.alice, shop.bob, buyer, start_on=today - timedelta(days=200), end_on=today + timedelta(days=7))
    draft = contract(shop.alice, customer(shop.alice, "草稿客户"), title="草稿合同")
    client.force_login(shop.alice)
    page = client.get("/sales/contracts/").content.decode()
    assert ending.number in page and draft.number in page
    page = client.get("/sales/contracts/?scene=expiring").content.decode()
    assert ending.number in page and draft.number not in page
    page = client.get("/sales/contracts/?scene=signed_month").content.decode()
    assert ending.signed_on is not None and (ending.number in page) == (ending.signed_on.month == today.month)
    page = client.get("/sales/contracts/?status=draft").content.decode()
    assert draft.number in page and ending.number not in page
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/sales/contracts/?scene=mine").status_code == 200
    assert len(queries) <= 14


def test_the_export_is_an_xlsx_of_the_list(shop: World, client: Client) -> None:
    grant(shop.bob, "sales_manager")
    row = contract(shop.alice, customer(shop.alice))
    client.force_login(shop.bob)
    response = client.get("/sales/contracts/export/")
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[1][0] == row.number and str(rows[1][4]) in (str(row.amount), str(float(row.amount)))


def test_the_order_export_is_the_list_with_its_scene_and_filters(shop: World, client: Client) -> None:
    import html
    import re

    from guanxi.core.models import AuditEntry

    grant(shop.bob, "sales_manager")
    lathe = product(shop.root)
    first, second = customer(shop.alice, "东方机床"), customer(shop.alice, "西部精工")
    made = [
        order_services.order_create(actor=shop.alice, customer=buyer, data={}, lines=[{"product": lathe.pk}])
        for buyer in (first, second, first)
    ]
    order_services.order_confirm(actor=shop.alice, order=made[1])
    client.force_login(shop.bob)
    counts: dict[str, int] = {}
    for query in ("", "scene=open", "status=draft", "q=东方", "scene=mine", "scene=open&q=东方"):
        page = client.get(f"/sales/orders/?{query}").content.decode()
        listed = re.findall(r'href="/sales/orders/\d+/">([^<]+)</a>', page)
        button = re.search(r'href="(/sales/orders/export/[^"]*)" class="btn" data-testid="order-export"', page)
        assert button is not None
        response = client.get(html.unescape(button[1]))  # the list's own export button
        assert response.status_code == 200 and response["Content-Disposition"] == 'attachment; filename="orders.xlsx"'
        sheet = CalamineWorkbook.from_filelike(BytesIO(response.content)).get_sheet_by_index(0).to_python()
        assert [str(row[0]) for row in sheet[1:]] == listed, query
        counts[query] = len(listed)
    assert counts == {"": 3, "scene=open": 1, "status=draft": 2, "q=东方": 2, "scene=mine": 0, "scene=open&q=东方": 0}
    everything = client.get("/sales/orders/export/?format=csv").content.decode("utf-8-sig")
    assert all(order.number in everything for order in made) and "西部精工" in everything
    assert AuditEntry.objects.filter(action="export", object_type="sales.order").count() == 7
    client.force_login(shop.alice)  # a salesperson may not export
    assert 'data-testid="order-export"' not in client.get("/sales/orders/").content.decode()
    assert client.get("/sales/orders/export/").status_code == 403


def test_from_a_quote_page_to_a_signed_contract_and_the_customer_tabs(shop: World, client: Client) -> None:
    buyer = customer(shop.alice)
    opportunity = open_opportunity(shop.alice, buyer)
    client.force_login(shop.alice)
    today = timezone.localdate()
    form = {
        "opportunity": opportunity.pk, "number": "", "title": "采购合同", "amount": "0", "start_on": str(today),
        "end_on": str(today - timedelta(days=1)), "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0",
    }  # fmt: skip
    page = client.post(f"/sales/contracts/new/?customer={buyer.pk}", form).content.decode()
    assert "结束日期必须晚于开始日期。" in page and Contract.objects.count() == 0
    form.update(amount="9000", end_on=str(today + timedelta(days=90)))
    response = client.post(f"/sales/contracts/new/?customer={buyer.pk}", form)
    assert response.status_code == 302, response.context["form"].errors
    row = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/contracts/{row.pk}/"
    client.post(f"/sales/contracts/{row.pk}/submit/")
    approve(shop.bob, row)
    client.post(f"/sales/contracts/{row.pk}/sign/", {"signed_on": str(today)})
    row.refresh_from_db()
    buyer.refresh_from_db()
    assert row.status == ContractStatus.SIGNED and buyer.status == Lifecycle.WON
    detail = client.get(f"/sales/contracts/{row.pk}/").content.decode()
    assert "续签" in detail and "申请作废" in detail
    tab = client.get(f"/sales/customers/{buyer.pk}/contracts/").content.decode()
    assert row.number in tab
    assert "customer-quotes" in client.get(f"/sales/customers/{buyer.pk}/quotes/").content.decode()
    customer_page = client.get(f"/customers/{buyer.pk}/?tab=contracts").content.decode()
    assert f"/sales/customers/{buyer.pk}/contracts/" in customer_page
    opportunity_page = client.get(f"/sales/opportunities/{opportunity.pk}/").content.decode()
    assert row.number in opportunity_page


def test_an_order_from_a_contract_page_is_confirmed_on_its_page(shop: World, client: Client) -> None:
    buyer = customer(shop.alice)
    lathe = product(shop.root)
    row = signed(shop.alice, shop.bob, buyer)
    client.force_login(shop.alice)
    form = {
        "ordered_on": str(timezone.localdate()), "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-product": lathe.pk, "lines-0-quantity": "2",
    }  # fmt: skip
    response = client.post(f"/sales/orders/new/?contract={row.pk}", form)
    order = Order.objects.get()
    assert response.status_code == 302 and order.contract_id == row.pk
    client.post(f"/sales/orders/{order.pk}/confirm/")
    order.refresh_from_db()
    assert order.status == "confirmed"
    page = client.get(f"/sales/orders/{order.pk}/").content.decode()
    assert order.number in page and "取消订单" in page
    assert order.number in client.get("/sales/orders/").content.decode()
    assert order.number in client.get(f"/sales/customers/{buyer.pk}/orders/").content.decode()
    other = order_services.order_create(actor=shop.alice, customer=buyer, data={}, lines=[{"product": lathe.pk}])
    grant(shop.alice, "salesperson", "unit_head")  # deletes orders
    client.post(f"/sales/orders/{other.pk}/delete/")
    assert not Order.objects.filter(pk=other.pk).exists()


def test_an_outsider_gets_404(shop: World, client: Client) -> None:
    row = contract(shop.alice, customer(shop.alice))
    client.force_login(shop.charlie)
    grant(shop.charlie, "salesperson")
    assert client.get(f"/sales/contracts/{row.pk}/").status_code == 404
    assert client.post(f"/sales/contracts/{row.pk}/submit/").status_code == 404


def test_a_signed_scan_is_attached_checked_and_read_only_within_scope(shop: World, client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    row = signed(shop.alice, shop.bob, customer(shop.alice))
    client.force_login(shop.alice)
    pdf = SimpleUploadedFile("合同扫描件.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", content_type="application/pdf")
    client.post(f"/sales/contracts/{row.pk}/attachments/", {"attachments": [pdf]})
    fake = SimpleUploadedFile("附件.pdf", b"MZ\x90\x00" + b"\0" * 60, content_type="application/pdf")
    page = client.post(f"/sales/contracts/{row.pk}/attachments/", {"attachments": [fake]}, follow=True)
    assert "附件.pdf" in page.content.decode() and row.attachments.count() == 1  # the renamed program refused
    attachment = row.attachments.get()
    assert attachment.name == "合同扫描件.pdf" and attachment.content_type == "application/pdf"
    download = client.get(f"/sales/contracts/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    grant(shop.charlie, "salesperson")
    client.force_login(shop.charlie)
    assert client.get(f"/sales/contracts/attachments/{attachment.pk}/").status_code == 404


def test_only_the_submitter_is_offered_withdraw_and_a_void_request_reads_in_each_readers_language(
    shop: World,
) -> None:
    row = signed(shop.alice, shop.bob, customer(shop.alice))
    contract_services.contract_void(actor=shop.alice, contract=row, reason="客户取消采购")
    withdraw = f"/sales/contracts/{row.pk}/withdraw/"
    assert withdraw in client_for(shop.alice).get(f"/sales/contracts/{row.pk}/").content.decode()
    page = client_for(shop.bob).get(f"/sales/contracts/{row.pk}/").content.decode()
    assert withdraw not in page  # the approver decides; only the submitter takes a request back
    english = client_for(shop.bob, HTTP_ACCEPT_LANGUAGE="en").get("/approvals/").content.decode()
    assert "Voiding a contract" in english and "作废" not in english and "客户取消采购" in english
    assert "合同作废" in client_for(shop.bob, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/approvals/").content.decode()


def test_the_customer_picker_offers_what_the_search_finds_within_scope(two_units: TwoUnits) -> None:
    w = two_units
    mine = customer(w.alice, "华锐食品有限公司")
    customer(grant(w.charlie, "salesperson"), "华锐电子有限公司")  # a colleague's: outside a salesperson's scope
    found = client_for(w.alice).get("/customers/picker/", {"q": "华锐"}).json()["results"]
    assert [row["number"] for row in found] == [mine.number] and found[0]["name"] == mine.name
    assert client_for(w.alice).get("/customers/picker/", {"q": ""}).json() == {"results": []}
    assert client_for(w.ben).get("/customers/picker/", {"q": "华锐"}).json() == {"results": []}  # the other unit
