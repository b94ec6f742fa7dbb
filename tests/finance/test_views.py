"""Money pages: the receivables report (totals, filters, drill-down, export, a fixed number of queries), a
receivable with its plans, the receipt form and finance's approval, invoices, delivery notes, the 360 tab."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from guanxi.finance.models import Delivery, Invoice, PaymentPlan, Receipt, ReceiptStatus, Receivable
from guanxi.sales.orders.models import OrderLine, OrderStatus
from tests.conftest import World, client_for

from .conftest import order_of, pay, plan, receivable_of


def test_the_report_has_totals_filters_drill_down_and_a_fixed_number_of_queries(
    money: World, django_assert_max_num_queries: object
) -> None:
    today = timezone.localdate()
    for n in range(6):
        receivable = receivable_of(money, amount=str(1000 * (n + 1)))
        plan(money, receivable, today - timedelta(days=20 * n + 1), "500")
    fay = client_for(money.fay)  # type: ignore[attr-defined]
    fay.get(reverse("finance:receivables"))
    with django_assert_max_num_queries(22):  # type: ignore[operator]
        page = fay.get(reverse("finance:receivables"))
    assert page.status_code == 200
    totals = page.context["totals"]
    assert totals["contracted"] == Decimal(21000) and totals["overdue"] == Decimal(3000)
    assert [row.outstanding for row in page.context["rows"]][:2] == [Decimal(6000), Decimal(5000)]
    overdue = fay.get(reverse("finance:receivables"), {"overdue": "on", "by": "record"})
    assert len(overdue.context["rows"]) == 6
    first = page.context["rows"][0]
    drill = fay.get(reverse("finance:receivables"), {"customer": first.customer_id, "by": "record"})
    assert [row.customer_id for row in drill.context["rows"]] == [first.customer_id]
    detail = fay.get(reverse("finance:receivable", args=[drill.context["rows"][0].key]))
    assert detail.status_code == 200 and len(detail.context["plans"]) == 1
    bad = fay.get(reverse("finance:receivables"), {"as_of": "not-a-date"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 200 and "请输入有效的日期。" in bad.content.decode()  # said on the field
    exported = fay.get(reverse("finance:receivables_export"))
    sheet = CalamineWorkbook.from_filelike(BytesIO(exported.content)).get_sheet_by_index(0).to_python()
    values = [row for row in sheet if row and isinstance(row[1], (int, float))]
    assert len(values) == 6 and sorted(row[1] for row in values)[-1] == 6000


def test_an_earlier_day_adds_three_statements_to_the_page_and_three_to_the_totals(money: World) -> None:
    today = timezone.localdate()
    for n in range(3):
        receivable = receivable_of(money, amount="1000")
        plan(money, receivable, today - timedelta(days=40 * n), "500")
        pay(money, receivable, "200", on=today - timedelta(days=10 * n))
    fay = client_for(money.fay)  # type: ignore[attr-defined]
    counts = []
    for day in (today, today - timedelta(days=30)):
        fay.get(reverse("finance:receivables"), {"as_of": day.isoformat(), "by": "record"})
        with CaptureQueriesContext(connection) as queries:
            page = fay.get(reverse("finance:receivables"), {"as_of": day.isoformat(), "by": "record"})
        assert page.status_code == 200 and len(page.context["rows"]) == 3
        counts.append(len(queries))
    # what moved since the day (receipts later, receipts reversed since, invoices later), for the rows and the
    # totals; the buckets as of the day stay one statement each
    assert counts[1] == counts[0] + 6


def test_a_receipt_entered_on_the_page_approved_by_finance_turns_the_plan_received(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    due = plan(money, receivable, timezone.localdate(), "1000")
    alice = client_for(money.alice)
    bad = alice.post(
        reverse("finance:receipt_create", args=[receivable.pk]),
        {"received_on": timezone.localdate().isoformat(), "amount": "1.001", "method": "transfer"},
    )
    assert bad.status_code == 200 and bad.context["form"].errors["amount"] and not Receipt.objects.exists()
    made = alice.post(
        reverse("finance:receipt_create", args=[receivable.pk]),
        {"received_on": timezone.localdate().isoformat(), "amount": "1000", "method": "transfer", "submit": "1"},
    )
    receipt = Receipt.objects.get()
    assert made.status_code == 302 and receipt.status == ReceiptStatus.PENDING
    fay = client_for(money.fay)  # type: ignore[attr-defined]
    page = fay.get(receipt.get_absolute_url())
    assert page.context["may_decide"] and not page.context["may_reverse"]
    fay.post(reverse("finance:receipt_decide", args=[receipt.pk]), {"decision": "approve"})
    assert PaymentPlan.objects.get(pk=due.pk).status == "received"
    tab = alice.get(reverse("finance:customer_tab", args=[receivable.customer_id]))
    assert tab.context["totals"]["received"] == Decimal(1000) and tab.context["totals"]["outstanding"] == 0
    assert b'data-testid="balance-outstanding"' in tab.content


def test_lists_answer_with_a_fixed_number_of_queries(money: World, django_assert_max_num_queries: object) -> None:
    for _n in range(3):
        pay(money, receivable_of(money), "100")
    alice = client_for(money.alice)
    for name in ("finance:receipts", "finance:invoices", "finance:deliveries"):
        alice.get(reverse(name))
        with django_assert_max_num_queries(20):  # type: ignore[operator]
            assert alice.get(reverse(name)).status_code == 200


def test_an_invoice_is_requested_with_the_customers_billing_data_and_issued(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    alice, fay = client_for(money.alice), client_for(money.fay)  # type: ignore[attr-defined]
    form = alice.get(reverse("finance:invoice_create", args=[receivable.pk]))
    assert form.context["form"].initial["title"] == receivable.customer.name
    data = {
        "kind": "normal",
        "title": "甲公司",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        "lines-0-description": "设备",
        "lines-0-amount": "1000.01",
        "lines-0-quantity": "1",
    }
    over = alice.post(reverse("finance:invoice_create", args=[receivable.pk]), data)
    assert over.status_code == 200 and not Invoice.objects.exists()
    data["lines-0-amount"] = "1000"
    assert alice.post(reverse("finance:invoice_create", args=[receivable.pk]), data).status_code == 302
    invoice = Invoice.objects.get()
    fay.post(reverse("finance:invoice_issue", args=[invoice.pk]), {"invoice_number": "04400001"})
    assert Receivable.objects.get(pk=receivable.pk).invoiced == Decimal(1000)


def test_a_delivery_note_is_prepared_shipped_and_received_on_the_pages(money: World) -> None:
    order = order_of(money, quantity=4)
    line = OrderLine.objects.get(order=order)
    alice = client_for(money.alice)
    url = reverse("finance:delivery_create", args=[order.pk])
    too_many = alice.post(url, {"shipped_on": timezone.localdate().isoformat(), f"line-{line.pk}": "5"})
    assert too_many.status_code == 200 and not Delivery.objects.exists()
    alice.post(url, {"shipped_on": timezone.localdate().isoformat(), f"line-{line.pk}": "4", "carrier": "顺丰"})
    delivery = Delivery.objects.get()
    alice.post(reverse("finance:delivery_ship", args=[delivery.pk]))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    alice.post(reverse("finance:delivery_receive", args=[delivery.pk]), {"receiver": "张三"})
    assert Delivery.objects.get().status == "received"


def test_another_salespersons_money_answers_404(money: World) -> None:
    receivable = receivable_of(money)
    receipt = pay(money, receivable, "100")
    charlie = client_for(money.charlie)
    for url in (
        reverse("finance:receivable", args=[receivable.pk]),
        receipt.get_absolute_url(),
        reverse("finance:receipt_create", args=[receivable.pk]),
    ):
        assert charlie.get(url).status_code == 404
    assert charlie.get(reverse("finance:receivables")).context["rows"] == []


def test_a_draft_receipt_is_edited_on_its_page_and_a_stale_or_decided_one_is_refused(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    alice = client_for(money.alice)
    alice.post(
        reverse("finance:receipt_create", args=[receivable.pk]),
        {"received_on": timezone.localdate().isoformat(), "amount": "300", "method": "transfer"},
    )
    receipt = Receipt.objects.get()
    url = reverse("finance:receipt_edit", args=[receipt.pk])
    form = alice.get(url).context["form"]
    assert form.initial["amount"] == Decimal(300) and form.initial["version"] == receipt.version
    fields = {"received_on": timezone.localdate().isoformat(), "method": "cash", "version": receipt.version}
    too_much = alice.post(url, {**fields, "amount": "1000.001"})
    assert too_much.status_code == 200 and too_much.context["form"].errors["amount"]
    saved = alice.post(url, {**fields, "amount": "450", "submit": "1"})
    receipt.refresh_from_db()
    assert saved.status_code == 302 and receipt.amount == Decimal(450) and receipt.method == "cash"
    assert receipt.status == ReceiptStatus.PENDING  # saved and submitted
    stale = alice.post(url, {**fields, "amount": "500"})  # the old version, and no longer a draft
    assert stale.status_code == 200 and stale.context["form"].errors
    assert Receipt.objects.get().amount == Decimal(450)
    assert client_for(money.charlie).get(url).status_code == 404


def test_a_contract_and_an_order_show_their_money_on_their_own_pages(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    plan(money, receivable, timezone.localdate(), "1000")
    pay(money, receivable, "400")
    alice = client_for(money.alice)
    contract = receivable.contract
    assert contract is not None
    assert b'id="panel-money"' in alice.get(contract.get_absolute_url()).content
    panel = alice.get(reverse("finance:money_panel", args=["sales.contract", contract.pk]))
    assert panel.context["receivable"] == receivable and len(panel.context["plans"]) == 1
    assert b'data-testid="money-outstanding"' in panel.content and "600.00" in panel.content.decode()
    order = order_of(money)  # confirmed, no receivable yet: the way in opens it
    panel = alice.get(reverse("finance:money_panel", args=["sales.order", order.pk]))
    assert panel.context["receivable"] is None and panel.context["open_url"]
    assert panel.context["order"] == order  # deliverable: a delivery note can be made from here
    assert alice.get(panel.context["open_url"]).status_code == 302 and Receivable.objects.filter(order=order).exists()
    outsider = client_for(money.charlie)
    assert outsider.get(reverse("finance:money_panel", args=["sales.order", order.pk])).status_code == 404
    assert alice.get(reverse("finance:money_panel", args=["customers.customer", order.pk])).status_code == 404
