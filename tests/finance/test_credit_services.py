"""Customer credit: the nightly sweep rates from the payment history (controlled clock), is idempotent, keeps a
manager's override until it is removed; bad input by field; an order above the available credit or of a
customer rated D/E waits for approval (approve → confirmed, reject → draft)."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.core.errors import NotPermitted
from guanxi.core.jobs import run_job
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer, Lifecycle
from guanxi.finance.credit import selectors as credit_selectors
from guanxi.finance.credit import services as credit
from guanxi.finance.credit.models import CreditOverride, CustomerCredit
from guanxi.sales.orders import services as orders
from guanxi.sales.orders.models import Order, OrderStatus
from guanxi.workflows import services as approvals
from guanxi.workflows.services import pending_request_for
from tests.conftest import World
from tests.sales.quoting import customer, product

from .conftest import contract_of, order_of, pay, plan, receivable_of

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 10, tzinfo=SH)
TODAY = NOW.date()


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def rated(customer_id: int) -> CustomerCredit:
    return CustomerCredit.objects.get(pk=customer_id)


def test_the_sweep_rates_from_an_overdue_instalment_and_says_why(money: World, clock: None) -> None:
    receivable = receivable_of(money, amount="10000")
    plan(money, receivable, TODAY - timedelta(days=75), "4000")
    plan(money, receivable, TODAY + timedelta(days=30), "6000")
    run_job("credit_rate", at=NOW)
    row = rated(receivable.customer_id)
    assert (row.rating, row.computed_rating, row.limit) == ("d", "d", Decimal(50000))
    assert row.reasons[0] == {
        "code": "open_overdue", "rating": "d", "days": 75, "amount": "4000.00",
        "d0_30": "0.00", "d31_60": "0.00", "d61_90": "4000.00", "d90": "0.00",
    }  # fmt: skip
    assert [reason["code"] for reason in row.reasons] == ["open_overdue", "overdue_share", "few_orders"]
    assert Customer.objects.get(pk=receivable.customer_id).credit_rating == "d"
    shown = credit_selectors.credit_of(receivable.customer_id)
    assert shown is not None and shown.outstanding == Decimal(10000) and shown.available == Decimal(40000)


def test_paid_late_and_a_reversed_receipt_count_after_the_money_came(money: World, clock: None) -> None:
    receivable = receivable_of(money, amount="10000")
    plan(money, receivable, TODAY - timedelta(days=40), "10000")
    receipt = pay(money, receivable, "10000")
    run_job("credit_rate", at=NOW)
    row = rated(receivable.customer_id)
    assert row.rating == "c" and row.reasons[0] == {"code": "paid_late", "rating": "c", "days": 40, "count": 1}
    from guanxi.finance import services

    services.receipt_reverse(actor=money.fay, receipt=receipt, reason="支票退票")  # type: ignore[attr-defined]
    run_job("credit_rate", at=NOW)
    codes = {reason["code"]: reason["rating"] for reason in rated(receivable.customer_id).reasons}
    assert codes["reversed_receipts"] == "c" and codes["open_overdue"] == "c"  # 40 days overdue again
    assert "paid_late" not in codes


def test_the_sweep_is_idempotent_and_moves_only_with_the_clock(money: World, clock: None) -> None:
    receivable = receivable_of(money, amount="10000")
    plan(money, receivable, TODAY - timedelta(days=60), "1000")  # 10% of the outstanding: the days decide
    first = run_job("credit_rate", at=NOW)
    assert first.endswith("1 credit records changed")
    before = rated(receivable.customer_id)
    assert run_job("credit_rate", at=NOW).endswith(" 0 credit records changed")
    again = rated(receivable.customer_id)
    assert (again.rated_at, again.reasons) == (before.rated_at, before.reasons) and again.rating == "c"
    tomorrow = NOW + timedelta(days=1)  # 61 days overdue: D
    assert run_job("credit_rate", at=tomorrow).endswith("1 credit records changed")
    assert rated(receivable.customer_id).rating == "d"
    assert Customer.objects.get(pk=receivable.customer_id).credit_rating == "d"


def test_an_override_survives_the_sweep_until_it_is_removed(money: World, clock: None) -> None:
    receivable = receivable_of(money, amount="10000")
    plan(money, receivable, TODAY - timedelta(days=75), "10000")
    run_job("credit_rate", at=NOW)
    client = Customer.objects.get(pk=receivable.customer_id)
    override = credit.credit_override_set(
        actor=money.bob, customer=client, rating="B", limit="200000", note="董事长担保，账期已协商"
    )
    run_job("credit_rate", at=NOW + timedelta(days=1))
    row = rated(client.pk)
    assert (row.rating, row.limit, row.computed_rating, row.computed_limit) == ("b", 200000, "d", 50000)
    assert Customer.objects.get(pk=client.pk).credit_rating == "b"
    entry = AuditEntry.objects.filter(object_id=str(client.pk), object_type="customers.customer").latest("pk")
    assert entry.changes["credit_rating"] == ["d", "b"] and entry.note == "董事长担保，账期已协商"
    credit.credit_override_remove(actor=money.bob, override=override, note="已回款")
    row = rated(client.pk)
    assert (row.rating, row.limit) == ("d", 50000)
    assert Customer.objects.get(pk=client.pk).credit_rating == "d"
    kept = CreditOverride.objects.get(pk=override.pk)
    assert kept.removed_by == money.bob and kept.remove_note == "已回款"


def test_a_new_override_replaces_the_one_in_force(money: World) -> None:
    client = customer(money.alice)
    first = credit.credit_override_set(actor=money.bob, customer=client, limit="80000", note="年度框架协议")
    second = credit.credit_override_set(actor=money.bob, customer=client, rating="a", note="集团客户")
    assert CreditOverride.objects.get(pk=first.pk).removed_at is not None
    row = rated(client.pk)
    assert (row.rating, row.limit) == ("a", Decimal(50000))  # the limit is the level's default again
    assert CreditOverride.objects.filter(customer=client, removed_at__isnull=True).get() == second


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"limit": "-1", "note": "x"}, "limit"),
        ({"limit": "abc", "note": "x"}, "limit"),
        ({"limit": "1.005", "note": "x"}, "limit"),
        ({"rating": "f", "note": "x"}, "rating"),
        ({"rating": "a", "note": " "}, "note"),
        ({"note": "只写了原因"}, "rating"),
    ],
)
def test_bad_override_input_is_refused_by_field_and_nothing_is_saved(
    money: World, values: dict[str, str], field: str
) -> None:
    client = customer(money.alice)
    with pytest.raises(ValidationError) as refused:
        credit.credit_override_set(actor=money.bob, customer=client, **values)
    assert field in refused.value.message_dict
    assert not CreditOverride.objects.exists() and not AuditEntry.objects.filter(note="x").exists()


def test_only_who_may_approve_overrides_and_only_in_their_scope(money: World) -> None:
    client = customer(money.alice)
    with pytest.raises(NotPermitted):
        credit.credit_override_set(actor=money.alice, customer=client, rating="a", note="我自己的客户")
    from tests.conftest import grant

    grant(money.charlie, "sales_manager")  # Beijing: Alice's customer is not in his tree
    with pytest.raises(NotPermitted):
        credit.credit_override_set(actor=money.charlie, customer=client, rating="a", note="越权")
    assert not CreditOverride.objects.exists()


# --- orders --------------------------------------------------------------------------------------------------


def draft(world: World, client: Customer, quantity: int, code: str = "P-001") -> Order:
    item = product(world.root, code) if not hasattr(world, code) else getattr(world, code)
    setattr(world, code, item)
    lines = [{"product": item.pk, "quantity": quantity}]
    return orders.order_create(actor=world.alice, customer=client, data={}, lines=lines)


def test_an_order_within_the_available_credit_is_confirmed_at_once(money: World) -> None:
    client = customer(money.alice)
    order = orders.order_confirm(actor=money.alice, order=draft(money, client, 44))  # ¥49,720 of ¥50,000
    assert order.status == OrderStatus.CONFIRMED and rated(client.pk).rating == ""  # no history yet: not rated
    run_job("credit_rate")
    assert rated(client.pk).rating == "b"  # one order: a history, not yet enough for an A


def test_an_order_above_the_available_credit_waits_for_approval_then_is_confirmed(money: World) -> None:
    client = customer(money.alice)
    first = orders.order_confirm(actor=money.alice, order=draft(money, client, 25))  # ¥28,250
    second = orders.order_confirm(actor=money.alice, order=draft(money, client, 25))  # 56,500 in all
    assert (first.status, second.status) == (OrderStatus.CONFIRMED, OrderStatus.PENDING)
    request = pending_request_for(record_type=orders.ORDER_APPROVAL, obj=second)
    assert request is not None and request.title == f"{second.number} {client.name} ¥28,250.00"
    with translation.override("en"):  # stored as figures, worded in each reader's language
        assert request.shown_reasons == [
            "CN¥28,250.00 outstanding plus this order's CN¥28,250.00 is above the credit limit of CN¥50,000.00."
        ]
    with translation.override("zh-hans"):
        assert request.shown_reasons == ["未收金额 ¥28,250.00 加上本订单 ¥28,250.00，超过信用额度 ¥50,000.00。"]
    entry = AuditEntry.objects.filter(object_id=str(second.pk), object_type="sales.order").latest("pk")
    assert entry.changes["holds"][1][0]["outstanding"] == "28250.00"
    approvals.approval_decide(actor=money.bob, request=request, approve=True, comment="老客户，同意")
    assert Order.objects.get(pk=second.pk).status == OrderStatus.CONFIRMED
    assert credit_selectors.credit_of(client.pk).available == Decimal(-6500)  # type: ignore[union-attr]


def test_a_rejected_order_goes_back_to_draft_and_does_not_win_the_customer(money: World) -> None:
    client = customer(money.alice)
    order = orders.order_confirm(actor=money.alice, order=draft(money, client, 50))  # ¥56,500
    assert order.status == OrderStatus.PENDING
    request = pending_request_for(record_type=orders.ORDER_APPROVAL, obj=order)
    approvals.approval_decide(actor=money.bob, request=request, approve=False, comment="先回款")  # type: ignore[arg-type]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DRAFT
    assert Customer.objects.get(pk=client.pk).status != Lifecycle.WON
    again = orders.order_confirm(actor=money.alice, order=Order.objects.get(pk=order.pk))
    assert again.status == OrderStatus.PENDING
    orders.order_withdraw(actor=money.alice, order=again)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DRAFT


def test_a_customer_rated_d_needs_approval_even_for_a_small_order(money: World, clock: None) -> None:
    receivable = receivable_of(money, amount="1000")
    plan(money, receivable, TODAY - timedelta(days=70), "1000")
    run_job("credit_rate", at=NOW)
    client = Customer.objects.get(pk=receivable.customer_id)
    order = orders.order_confirm(actor=money.alice, order=draft(money, client, 1))
    assert order.status == OrderStatus.PENDING
    request = pending_request_for(record_type=orders.ORDER_APPROVAL, obj=order)
    assert request is not None
    with translation.override("en"):
        assert request.shown_reasons == ["The customer's credit rating is D."]
    credit.credit_override_set(actor=money.bob, customer=client, rating="c", note="已承诺本周付清")
    other = orders.order_confirm(actor=money.alice, order=draft(money, client, 1))
    assert other.status == OrderStatus.CONFIRMED


def test_what_a_customer_owes_adds_its_receivables_and_its_deals_without_one(money: World) -> None:
    """The three statements of ``outstanding_of``: a receivable's amount less what was received, a signed
    contract with no receivable yet, a confirmed order with none; by a list of customers and by a range."""
    receivable = receivable_of(money, amount="10000.00")
    contract = contract_of(money, amount="3000.50")  # signed, its receivable not opened yet
    order = order_of(money)
    nobody = customer(money.alice, "没有欠款的客户")
    ids = [receivable.customer_id, contract.customer_id, order.customer_id, nobody.pk]
    expected = {
        receivable.customer_id: Decimal("10000.00"),
        contract.customer_id: Decimal("3000.50"),
        order.customer_id: order.total - order.received_amount,
    }
    assert order.total > 0 and dict(credit_selectors.outstanding_of(ids)) == expected
    assert dict(credit_selectors.outstanding_of([], (min(ids), max(ids) + 1))) == expected
