from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.jobs import run_job
from guanxi.core.models import Notification, OutboxEvent
from guanxi.finance import selectors, services
from guanxi.finance.models import Allocation, PaymentPlan, PlanStatus, Receipt, ReceiptStatus, Receivable
from guanxi.org.models import User
from guanxi.sales.orders.models import Order, OrderLine, OrderStatus
from tests.conftest import World

from .conftest import contract_of, order_of, pay, plan, receivable_of

TODAY = timezone.localdate


def _plans(receivable: Receivable) -> list[PaymentPlan]:
    return list(PaymentPlan.objects.filter(receivable=receivable).order_by("number"))


# --- plans --------------------------------------------------------------------------------------------------


def test_plans_are_generated_from_the_payment_terms_and_never_sum_above_the_amount(money: World) -> None:
    receivable = receivable_of(money, amount="10000.01", payment_terms="30% 预付，60% 到货验收后，10% 质保金")
    first = date(2026, 1, 31)
    plans = services.plans_generate(actor=money.alice, receivable=receivable, first_due=first, every_months=1)
    assert [p.amount for p in plans] == [Decimal("3000.00"), Decimal("6000.01"), Decimal("1000.00")]
    assert sum(p.amount for p in plans) == Decimal("10000.01")
    assert [p.due_on for p in plans] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    assert Receivable.objects.get(pk=receivable.pk).planned == Decimal("10000.01")
    with pytest.raises(DomainError) as refused:
        plan(money, receivable, first, "0.01")
    assert refused.value.code == "over_plan"


def test_equal_instalments_when_the_terms_name_no_shares_and_the_last_takes_the_rounding(money: World) -> None:
    receivable = receivable_of(money, amount="100.00", payment_terms="货到付款")
    plans = services.plans_generate(actor=money.alice, receivable=receivable, first_due=TODAY(), count=3)
    assert [p.amount for p in plans] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_a_plan_amount_must_be_money(money: World) -> None:
    receivable = receivable_of(money)
    for bad, message in (("0", "more than zero"), ("-5", "more than zero"), ("1.005", "two decimal"), ("x", "amount")):
        with pytest.raises(ValidationError) as refused:
            plan(money, receivable, TODAY(), bad)
        assert message in " ".join(refused.value.message_dict["amount"])
    assert not PaymentPlan.objects.exists() and Receivable.objects.get(pk=receivable.pk).planned == 0


def test_a_plan_with_receipts_can_no_longer_be_edited(money: World) -> None:
    receivable = receivable_of(money)
    first = plan(money, receivable, TODAY(), "4000")
    edited = services.plan_update(actor=money.alice, plan=first, version=first.version, data={"amount": "5000"})
    with pytest.raises(Conflict) as stale:
        services.plan_update(actor=money.alice, plan=first, version=first.version, data={"amount": "4500"})
    assert stale.value.code == "stale_version"
    pay(money, receivable, "100")
    with pytest.raises(Conflict) as refused:
        services.plan_update(actor=money.alice, plan=edited, version=edited.version + 1, data={"amount": "6000"})
    assert refused.value.code == "has_receipts"
    with pytest.raises(Conflict):
        services.plan_delete(actor=money.alice, plan=edited)


# --- receipts and allocation --------------------------------------------------------------------------------


def test_a_receipt_is_allocated_oldest_first_partially_and_the_roll_ups_move(money: World) -> None:
    receivable = receivable_of(money)
    p1 = plan(money, receivable, TODAY() + timedelta(days=30), "3000")
    p2 = plan(money, receivable, TODAY() - timedelta(days=10), "3000")
    p3 = plan(money, receivable, TODAY() + timedelta(days=60), "4000")
    receipt = pay(money, receivable, "4500")
    assert receipt.status == ReceiptStatus.APPROVED
    fresh = {p.pk: p for p in _plans(receivable)}
    assert (fresh[p2.pk].received, fresh[p2.pk].status) == (Decimal("3000"), PlanStatus.RECEIVED)
    assert (fresh[p1.pk].received, fresh[p1.pk].status) == (Decimal("1500"), PlanStatus.PARTIAL)
    assert (fresh[p3.pk].received, fresh[p3.pk].status) == (Decimal("0"), PlanStatus.PENDING)
    assert Receivable.objects.get(pk=receivable.pk).received == Decimal("4500")


def test_a_receipt_goes_to_the_chosen_plans_first(money: World) -> None:
    receivable = receivable_of(money)
    p1 = plan(money, receivable, TODAY(), "3000")
    p2 = plan(money, receivable, TODAY() + timedelta(days=30), "3000")
    pay(money, receivable, "3500", chosen_plans=[p2.pk])
    fresh = {p.pk: p for p in _plans(receivable)}
    assert (fresh[p2.pk].status, fresh[p1.pk].received) == (PlanStatus.RECEIVED, Decimal("500"))


def test_an_over_receipt_is_refused_naming_the_outstanding_amount_and_nothing_moves(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    pay(money, receivable, "600")
    with pytest.raises(ValidationError) as refused:
        services.receipt_create(
            actor=money.alice, receivable=receivable, data={"received_on": TODAY(), "amount": "500", "method": "cash"}
        )
    assert "400.00" in refused.value.message_dict["amount"][0]
    # two drafts that each fit, approved one after the other: the second is refused at approval
    first = services.receipt_create(
        actor=money.alice, receivable=receivable, data={"received_on": TODAY(), "amount": "300", "method": "cash"}
    )
    second = services.receipt_create(
        actor=money.alice, receivable=receivable, data={"received_on": TODAY(), "amount": "300", "method": "cash"}
    )
    services.receipt_submit(actor=money.alice, receipt=first)
    services.receipt_submit(actor=money.alice, receipt=second)
    services.receipt_decide(actor=money.fay, receipt=first, approve=True)  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as over:
        services.receipt_decide(actor=money.fay, receipt=second, approve=True)  # type: ignore[attr-defined]
    assert over.value.code == "over_receipt" and "100.00" in str(over.value.message)
    assert Receipt.objects.get(pk=second.pk).status == ReceiptStatus.PENDING
    assert Receivable.objects.get(pk=receivable.pk).received == Decimal("900")


def test_a_receipt_only_against_a_signed_contract(money: World) -> None:
    from tests.sales.contracting import contract
    from tests.sales.quoting import customer

    draft = contract(money.alice, customer(money.alice))
    with pytest.raises(Conflict) as refused:
        services.receivable_open(actor=money.alice, contract=draft)
    assert refused.value.code == "wrong_status"


def test_reversing_a_receipt_releases_its_allocation(money: World) -> None:
    receivable = receivable_of(money)
    p1 = plan(money, receivable, TODAY(), "3000")
    receipt = pay(money, receivable, "3000")
    assert PaymentPlan.objects.get(pk=p1.pk).status == PlanStatus.RECEIVED
    with pytest.raises(NotPermitted):
        services.receipt_reverse(actor=money.alice, receipt=receipt, reason="退票")
    with pytest.raises(DomainError):
        services.receipt_reverse(actor=money.fay, receipt=receipt, reason=" ")  # type: ignore[attr-defined]
    services.receipt_reverse(actor=money.fay, receipt=receipt, reason="支票退票")  # type: ignore[attr-defined]
    fresh = PaymentPlan.objects.get(pk=p1.pk)
    assert (fresh.received, fresh.status) == (Decimal("0"), PlanStatus.PENDING)
    assert Receivable.objects.get(pk=receivable.pk).received == 0
    assert Allocation.objects.get(receipt=receipt).released_at is not None
    assert Receipt.objects.get(pk=receipt.pk).status == ReceiptStatus.REVERSED
    # the unit's webhooks hear both, in the order they happened
    events = OutboxEvent.objects.filter(record_id=receipt.pk, event__startswith="receipt.").order_by("pk")
    assert [(event.event, event.data["amount"]) for event in events] == [
        ("receipt.approved", "3000.00"),
        ("receipt.reversed", "3000.00"),
    ]


def test_every_allocation_carries_its_receipts_date_and_keeps_it_when_released(money: World) -> None:
    """An allocation copies its receipt's date (an earlier day's report reads it): oldest first over two plans,
    on a chosen plan, approved from the approvals inbox rather than the receipt; a reversal releases the
    allocations and leaves the date as it was."""
    from guanxi.workflows.services import approval_decide, pending_request_for

    receivable = receivable_of(money)
    p1, p2, p3 = (plan(money, receivable, TODAY() + timedelta(days=k * 30), "3000") for k in range(3))
    oldest_first = pay(money, receivable, "4000", on=TODAY() - timedelta(days=12))
    chosen = pay(money, receivable, "1000", on=TODAY() - timedelta(days=3), chosen_plans=[p3.pk])
    inbox = services.receipt_create(
        actor=money.alice, receivable=receivable,
        data={"received_on": TODAY() - timedelta(days=40), "amount": "500", "method": "cash"},
    )  # fmt: skip
    services.receipt_submit(actor=money.alice, receipt=inbox)
    request = pending_request_for(record_type=services.RECEIPT_APPROVAL, obj=inbox)
    assert request is not None
    approval_decide(actor=money.fay, request=request, approve=True)  # type: ignore[attr-defined]
    made = {
        receipt.pk: sorted(Allocation.objects.filter(receipt=receipt).values_list("plan", "received_on"))
        for receipt in (oldest_first, chosen, inbox)
    }
    assert made == {
        oldest_first.pk: [(p1.pk, oldest_first.received_on), (p2.pk, oldest_first.received_on)],
        chosen.pk: [(p3.pk, chosen.received_on)],
        inbox.pk: [(p2.pk, TODAY() - timedelta(days=40))],
    }
    services.receipt_reverse(actor=money.fay, receipt=oldest_first, reason="支票退票")  # type: ignore[attr-defined]
    released = Allocation.objects.filter(receipt=oldest_first)
    assert all(a.released_at is not None and a.received_on == oldest_first.received_on for a in released)
    assert len(released) == 2


def test_a_receipt_on_a_standalone_order_moves_the_orders_roll_up(money: World) -> None:
    order = order_of(money)
    receivable = services.receivable_open(actor=money.alice, order=order)
    assert receivable.amount == order.total
    receipt = pay(money, receivable, "100")
    assert Order.objects.get(pk=order.pk).received_amount == Decimal("100")
    services.receipt_reverse(actor=money.fay, receipt=receipt, reason="误录")  # type: ignore[attr-defined]
    assert Order.objects.get(pk=order.pk).received_amount == 0


def test_a_rejected_receipt_moves_nothing(money: World) -> None:
    receivable = receivable_of(money)
    row = services.receipt_create(
        actor=money.alice, receivable=receivable, data={"received_on": TODAY(), "amount": "100", "method": "cash"}
    )
    services.receipt_submit(actor=money.alice, receipt=row)
    services.receipt_decide(actor=money.fay, receipt=row, approve=False, comment="未到账")  # type: ignore[attr-defined]
    assert Receipt.objects.get(pk=row.pk).status == ReceiptStatus.REJECTED
    assert Receivable.objects.get(pk=receivable.pk).received == 0


def test_without_a_flow_the_units_finance_confirms_receipts_else_the_submitters_manager(money: World) -> None:
    from guanxi.workflows.models import ApprovalFlow
    from guanxi.workflows.services import pending_request_for
    from tests.conftest import grant, make_user

    ApprovalFlow.objects.filter(record_type=services.RECEIPT_APPROVAL).delete()  # the unit has set no flow

    def approvers() -> set[str]:
        row = services.receipt_create(
            actor=money.alice, receivable=receivable_of(money), data={"received_on": TODAY(), "amount": "10",
                                                                      "method": "cash"},
        )  # fmt: skip
        services.receipt_submit(actor=money.alice, receipt=row)
        request = pending_request_for(record_type=services.RECEIPT_APPROVAL, obj=row)
        assert request is not None
        return {task.approver.username for task in request.tasks.all()}

    assert approvers() == {"bob"}  # nobody holds the finance role in the unit yet
    grant(make_user("frank", "范会计", money.head_office), "finance")
    grant(make_user("flora", "北京会计", money.beijing), "finance")  # the same unit: both are asked
    assert approvers() == {"frank", "flora"}


# --- overdue ------------------------------------------------------------------------------------------------


def test_a_plan_is_overdue_from_the_next_morning_reminded_once(money: World) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=shanghai), tick=False):
        receivable = receivable_of(money)
        due = plan(money, receivable, date(2026, 3, 10), "1000")
    run_job("payments_overdue", at=datetime(2026, 3, 10, 23, 59, tzinfo=shanghai))
    assert PaymentPlan.objects.get(pk=due.pk).status == PlanStatus.PENDING
    assert run_job("payments_overdue", at=datetime(2026, 3, 11, 0, 1, tzinfo=shanghai)) == "1 payment plans overdue"
    fresh = PaymentPlan.objects.get(pk=due.pk)
    assert fresh.status == PlanStatus.OVERDUE and fresh.reminded_at is not None
    told = set(Notification.objects.filter(kind="payment_overdue").values_list("recipient__username", flat=True))
    assert told == {"alice", "fay"}
    run_job("payments_overdue", at=datetime(2026, 3, 12, 9, tzinfo=shanghai))
    assert Notification.objects.filter(kind="payment_overdue").count() == 2  # once


def test_a_reminder_names_its_one_plan_and_counts_several(money: World) -> None:
    """Alice's two plans and Charlie's one turn overdue in one sweep: Charlie is told which plan, its
    customer and what is owed; Alice and finance are told how many."""
    from django.utils import translation

    late = TODAY() - timedelta(days=3)
    for receivable in (receivable_of(money), receivable_of(money)):
        plan(money, receivable, late, "1000")
    charlies = receivable_of(money)
    plan(money, charlies, late, "2500")
    Receivable.objects.filter(pk=charlies.pk).update(owner=money.charlie)  # handed over with its plan
    PaymentPlan.objects.filter(receivable=charlies).update(owner=money.charlie)
    assert run_job("payments_overdue") == "3 payment plans overdue"
    with translation.override("en"):
        told = {
            note.recipient.username: note.shown_title
            for note in Notification.objects.filter(kind="payment_overdue").select_related("recipient")
        }
    assert told == {
        "alice": "2 payment plans became overdue",
        "charlie": f"Payment overdue: {charlies.number} instalment 1, {charlies.customer.name}, CN¥2,500.00",
        "fay": "3 payment plans became overdue",
    }


def test_a_partly_paid_overdue_plan_stays_overdue_until_received(money: World) -> None:
    receivable = receivable_of(money)
    due = plan(money, receivable, TODAY() - timedelta(days=3), "1000")
    run_job("payments_overdue")
    pay(money, receivable, "400")
    assert PaymentPlan.objects.get(pk=due.pk).status == PlanStatus.OVERDUE
    pay(money, receivable, "600")
    assert PaymentPlan.objects.get(pk=due.pk).status == PlanStatus.RECEIVED


# --- ageing -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "not_due"),
        (1, "d0_30"),
        (30, "d0_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "d90"),
    ],
)
def test_ageing_buckets_at_their_boundaries(money: World, days: int, bucket: str) -> None:
    receivable = receivable_of(money)
    as_of = date(2026, 6, 30)
    plan(money, receivable, as_of - timedelta(days=days), "1000")
    totals = selectors.ageing_totals(money.alice, as_of=as_of)
    assert totals[bucket] == Decimal("1000")
    assert sum(totals[code] for code, _l, _h in selectors.BUCKETS) == Decimal("1000")
    assert selectors.bucket_of(days) == bucket
    assert totals["overdue"] == (0 if bucket == "not_due" else Decimal("1000"))


def test_ageing_as_of_a_past_day_counts_only_receipts_received_by_then(money: World) -> None:
    receivable = receivable_of(money)
    today = TODAY()
    plan(money, receivable, today - timedelta(days=40), "1000")
    pay(money, receivable, "1000", on=today - timedelta(days=5))
    now = selectors.ageing_totals(money.alice, as_of=today)
    assert now["overdue"] == 0 and now["received"] == Decimal("1000")
    then = selectors.ageing_totals(money.alice, as_of=today - timedelta(days=10))
    assert then["d0_30"] == Decimal("1000") and then["received"] == 0 and then["outstanding"] == Decimal("10000")


def test_a_past_day_counts_what_was_undone_since_and_not_what_came_since(money: World) -> None:
    """As of a past day: a receipt received by then but reversed since still counts (received then, its plan
    paid then); one received since does not; an invoice issued by then and voided since no longer counts (only
    issued invoices do), one issued since does not."""
    today = TODAY()
    receivable = receivable_of(money, amount="6000")
    early, late = plan(money, receivable, today - timedelta(days=40), "2000"), plan(money, receivable, today, "4000")
    bounced = pay(money, receivable, "2000", on=today - timedelta(days=20), chosen_plans=[early.pk])
    pay(money, receivable, "1000", on=today - timedelta(days=2), chosen_plans=[late.pk])
    services.receipt_reverse(actor=money.fay, receipt=bounced, reason="支票退票")  # type: ignore[attr-defined]
    data = {"kind": "normal", "title": "客户有限公司"}
    kept, voided = (
        services.invoice_request(actor=money.alice, receivable=receivable, data=data,
                                 lines=[{"description": "设备", "amount": amount}])
        for amount in ("1500", "700")
    )  # fmt: skip
    services.invoice_issue(actor=money.fay, invoice=kept, invoice_number="04400001",  # type: ignore[attr-defined]
                           issued_on=today - timedelta(days=1))  # fmt: skip
    services.invoice_issue(actor=money.fay, invoice=voided, invoice_number="04400002",  # type: ignore[attr-defined]
                           issued_on=today - timedelta(days=15))  # fmt: skip
    services.invoice_void(actor=money.fay, invoice=voided, reason="抬头错误")  # type: ignore[attr-defined]
    then = today - timedelta(days=10)
    totals = selectors.ageing_totals(money.alice, as_of=then)
    assert (totals["received"], totals["invoiced"], totals["outstanding"]) == (Decimal("2000"), 0, Decimal("4000"))
    assert (totals["d31_60"], totals["not_due"], totals["overdue"]) == (0, Decimal("4000"), 0)
    _page, rows = selectors.ageing_page(money.alice, as_of=then, by="receivable")
    assert [(r.received, r.invoiced, r.d31_60, r.not_due) for r in rows] == [(Decimal("2000"), 0, 0, Decimal("4000"))]
    now = selectors.ageing_totals(money.alice, as_of=today)
    assert (now["received"], now["invoiced"], now["d31_60"], now["not_due"]) == (
        Decimal("1000"), Decimal("1500"), Decimal("2000"), Decimal("3000")
    )  # fmt: skip


def test_the_plans_go_with_their_receivable_when_its_owner_leaves(money: World) -> None:
    """The plans keep their receivable's owner: a hand-over moves the outstanding receivables and their plans
    together (the paid ones stay with the one who left), and the successor's report counts them."""
    from guanxi.org.services import user_leave

    owed, paid = receivable_of(money), receivable_of(money, amount="1000")
    plan(money, owed, TODAY() - timedelta(days=5), "4000")
    plan(money, paid, TODAY(), "1000")
    pay(money, paid, "1000")
    assert set(PaymentPlan.objects.values_list("owner", flat=True)) == {money.alice.pk}
    user_leave(actor=money.root, user=money.alice, successor=money.charlie)
    owners = dict(PaymentPlan.objects.values_list("receivable", "owner"))
    assert owners == {owed.pk: money.charlie.pk, paid.pk: money.alice.pk}
    assert selectors.ageing_totals(money.charlie, as_of=TODAY())["d0_30"] == Decimal("4000")


def test_the_receipts_and_allocations_go_with_their_receivable_when_its_owner_leaves(money: World) -> None:
    """Receipts and allocations keep their receivable's owner too: the hand-over moves them with the outstanding
    receivable (a draft as well; the paid receivable's stay), and the successor's report as of a day before the
    receipt takes it back out."""
    from guanxi.org.services import user_leave

    owed, paid = receivable_of(money), receivable_of(money, amount="1000")
    plan(money, owed, TODAY() - timedelta(days=20), "4000")
    plan(money, paid, TODAY(), "1000")
    pay(money, owed, "1500", on=TODAY() - timedelta(days=2))
    pay(money, paid, "1000")
    draft = services.receipt_create(actor=money.alice, receivable=owed,
                                    data={"received_on": TODAY(), "amount": "100", "method": "cash"})  # fmt: skip
    assert set(Receipt.all_objects.values_list("owner", flat=True)) == {money.alice.pk}
    assert set(Allocation.objects.values_list("owner", flat=True)) == {money.alice.pk}
    user_leave(actor=money.root, user=money.alice, successor=money.charlie)
    moved = {(owed.pk, money.charlie.pk), (paid.pk, money.alice.pk)}
    assert set(Receipt.all_objects.values_list("receivable", "owner")) == moved
    assert Receipt.all_objects.get(pk=draft.pk).owner_id == money.charlie.pk
    assert set(Allocation.objects.values_list("plan__receivable", "owner")) == moved
    then = TODAY() - timedelta(days=5)
    theirs = selectors.ageing_totals(money.charlie, as_of=then)
    assert (theirs["received"], theirs["d0_30"]) == (0, Decimal("4000"))
    assert selectors.ageing_totals(money.charlie, as_of=TODAY())["received"] == Decimal("1500")
    left = selectors.ageing_totals(money.alice, as_of=then)
    assert (left["contracted"], left["received"], left["not_due"]) == (Decimal("1000"), 0, Decimal("1000"))


def test_the_allocations_each_person_sees_are_those_of_the_plans_they_see(money: World) -> None:
    """The totals read the allocations through their own scope (their copy of the plan's owner): for the owner,
    her manager, a colleague in another city and the administrator, the same rows as going through the plans."""
    owed = receivable_of(money)
    plan(money, owed, TODAY() - timedelta(days=3), "4000")
    pay(money, owed, "1500", on=TODAY() - timedelta(days=1))
    seen = {}
    for person in (money.alice, money.bob, money.charlie, money.root):
        seen[person.username] = set(Allocation.objects.visible_to(person).values_list("pk", flat=True))
        plans = PaymentPlan.objects.visible_to(person)
        assert seen[person.username] == set(Allocation.objects.filter(plan__in=plans).values_list("pk", flat=True))
    every = set(Allocation.objects.values_list("pk", flat=True))
    assert seen == {"alice": every, "bob": every, "charlie": set(), "root": every} and every


def test_the_report_per_customer_and_per_contract(money: World) -> None:
    first = receivable_of(money, name="甲公司")
    second = receivable_of(money, name="乙公司", amount="5000")
    plan(money, first, TODAY() - timedelta(days=45), "2000")
    pay(money, second, "1000")
    _page, rows = selectors.ageing_page(money.alice, as_of=TODAY(), by="customer")
    assert [(r.label, r.outstanding) for r in rows] == [("甲公司", Decimal("10000")), ("乙公司", Decimal("4000"))]
    assert rows[0].d31_60 == Decimal("2000")
    _page, records = selectors.ageing_page(money.alice, as_of=TODAY(), by="receivable", filters={"q": "乙"})
    assert [r.receivable.pk for r in records] == [second.pk]  # type: ignore[union-attr]


def test_the_report_per_contract_as_of_a_past_day(money: World) -> None:
    """Each contract its own figures as of that day, the biggest outstanding today first; the totals add up the
    receipts and the allocations of that day."""
    today = TODAY()
    first = receivable_of(money, amount="3000")
    second = receivable_of(money, amount="5000")
    plan(money, first, today - timedelta(days=40), "3000")
    plan(money, second, today - timedelta(days=20), "2000")
    pay(money, first, "3000", on=today - timedelta(days=30))
    pay(money, second, "2000", on=today - timedelta(days=5))
    then = today - timedelta(days=10)
    _page, rows = selectors.ageing_page(money.alice, as_of=then, by="receivable")
    assert [(r.key, r.contracted, r.received, r.outstanding, r.d0_30) for r in rows] == [
        (second.pk, Decimal("5000"), 0, Decimal("5000"), Decimal("2000")),
        (first.pk, Decimal("3000"), Decimal("3000"), 0, 0),
    ]
    totals = selectors.ageing_totals(money.alice, as_of=then)
    assert (totals["contracted"], totals["received"], totals["invoiced"], totals["d0_30"]) == (
        Decimal("8000"), Decimal("3000"), 0, Decimal("2000")
    )  # fmt: skip


def test_an_earlier_day_leaves_out_what_was_signed_or_ordered_after_it(money: World) -> None:
    """A receivable is owed from its contract's signing or its order's date: as of a day before, neither it nor
    its plans and receipts are in any figure, for its salesperson or their manager, filtered or not."""
    today = TODAY()
    old = receivable_of(money, amount="3000")
    plan(money, old, today - timedelta(days=60), "3000")
    new = receivable_of(money, amount="5000", on=today - timedelta(days=20))
    plan(money, new, today - timedelta(days=40), "2000")  # a deposit due before the signing
    plan(money, new, today + timedelta(days=30), "3000")
    pay(money, new, "2000", on=today - timedelta(days=5))
    order = order_of(money)
    ordered = services.receivable_open(actor=money.alice, order=order)
    plan(money, ordered, today - timedelta(days=50), str(ordered.amount))
    assert (new.owed_from, ordered.owed_from) == (today - timedelta(days=20), order.ordered_on)

    def report(actor: User, day: date, **filters: str) -> tuple[dict[str, Decimal], list[int], list[int]]:
        totals = selectors.ageing_totals(actor, as_of=day, filters=filters)
        by_record = selectors.ageing_page(actor, as_of=day, by="receivable", filters=filters)[1]
        by_customer = selectors.ageing_page(actor, as_of=day, by="customer", filters=filters)[1]
        return totals, [row.key for row in by_record], [row.key for row in by_customer]

    for actor in (money.alice, money.bob):
        for filters in ({}, {"q": "有限公司"}):
            totals, records, customers = report(actor, today - timedelta(days=30), **filters)
            assert (records, customers) == ([old.pk], [old.customer_id])
            assert (totals["contracted"], totals["received"], totals["outstanding"]) == (
                Decimal("3000"),
                0,
                Decimal("3000"),
            )
            assert (totals["d0_30"], totals["not_due"], totals["overdue"]) == (Decimal("3000"), 0, Decimal("3000"))
            totals, records, _customers = report(actor, today - timedelta(days=10), **filters)
            assert set(records) == {old.pk, new.pk}
            assert (totals["contracted"], totals["received"]) == (Decimal("8000"), 0)
            assert (totals["d31_60"], totals["d0_30"], totals["not_due"]) == (
                Decimal("3000"), Decimal("2000"), Decimal("3000")
            )  # fmt: skip


def test_overdue_only_as_of_an_earlier_day_means_short_of_what_was_received_by_then(money: World) -> None:
    """Paid in full since the day: overdue then, not now. Paid by the day, the receipt reversed since: not
    overdue then, overdue now."""
    today = TODAY()
    paid_since, bounced = receivable_of(money, amount="1000"), receivable_of(money, amount="1000")
    for receivable in (paid_since, bounced):
        plan(money, receivable, today - timedelta(days=40), "1000")
    pay(money, paid_since, "1000", on=today - timedelta(days=5))
    cheque = pay(money, bounced, "1000", on=today - timedelta(days=20))
    services.receipt_reverse(actor=money.fay, receipt=cheque, reason="支票退票")  # type: ignore[attr-defined]

    def overdue(day: date) -> set[int]:
        return set(selectors.receivables(money.alice, {"overdue": True, "as_of": day}).values_list("pk", flat=True))

    assert overdue(today - timedelta(days=10)) == {paid_since.pk}
    assert overdue(today) == {bounced.pk}


# --- invoices -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("91350100M000100Y43", True),
        ("91350100M000100Y44", False),
        ("110108123456789", True),
        ("11010812345678901", True),
        ("11010812345678901234", True),
        ("1101081234567", False),
        ("91350100m000100y43", True),
        ("9135010OM000100Y43", False),
    ],
)
def test_tax_numbers(number: str, ok: bool) -> None:
    assert (services.tax_number_problem(number.upper()) == "") is ok


def test_a_special_invoice_needs_a_valid_tax_number_and_invoices_stay_within_the_amount(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    data = {"kind": "special", "title": "客户有限公司", "tax_number": ""}
    with pytest.raises(ValidationError) as refused:
        services.invoice_request(
            actor=money.alice, receivable=receivable, data=data, lines=[{"description": "设备", "amount": "600"}]
        )
    assert "tax_number" in refused.value.message_dict
    data["tax_number"] = "91350100M000100Y44"
    with pytest.raises(ValidationError) as wrong:
        services.invoice_request(
            actor=money.alice, receivable=receivable, data=data, lines=[{"description": "设备", "amount": "600"}]
        )
    assert "check character" in wrong.value.message_dict["tax_number"][0]
    data["tax_number"] = "91350100M000100Y43"
    first = services.invoice_request(
        actor=money.alice, receivable=receivable, data=data, lines=[{"description": "设备", "amount": "600"}]
    )
    with pytest.raises(DomainError) as over:
        services.invoice_request(
            actor=money.alice, receivable=receivable, data=data, lines=[{"description": "设备", "amount": "400.01"}]
        )
    assert over.value.code == "over_invoice" and "400.00" in str(over.value.message)
    with pytest.raises(NotPermitted):
        services.invoice_issue(actor=money.alice, invoice=first, invoice_number="04400001")
    services.invoice_issue(actor=money.fay, invoice=first, invoice_number="04400001")  # type: ignore[attr-defined]
    assert Receivable.objects.get(pk=receivable.pk).invoiced == Decimal("600")
    services.invoice_void(actor=money.fay, invoice=first, reason="抬头错误")  # type: ignore[attr-defined]
    assert Receivable.objects.get(pk=receivable.pk).invoiced == 0


def test_an_invoice_on_an_order_moves_the_orders_invoiced_amount(money: World) -> None:
    order = order_of(money)
    receivable = services.receivable_open(actor=money.alice, order=order)
    invoice = services.invoice_request(
        actor=money.alice, receivable=receivable, data={"title": "甲"}, lines=[{"description": "车床", "amount": "500"}]
    )
    services.invoice_issue(actor=money.fay, invoice=invoice, invoice_number="A1")  # type: ignore[attr-defined]
    assert Order.objects.get(pk=order.pk).invoiced_amount == Decimal("500")


# --- deliveries ---------------------------------------------------------------------------------------------


def test_deliveries_are_capped_at_ordered_minus_delivered_and_move_the_order(money: World) -> None:
    order = order_of(money, quantity=5)
    line = OrderLine.objects.get(order=order)
    first = services.delivery_create(
        actor=money.alice, order=order, data={"carrier": "顺丰"}, lines=[{"order_line": line.pk, "quantity": "3"}]
    )
    with pytest.raises(ValidationError) as over:
        services.delivery_create(
            actor=money.alice, order=order, data={}, lines=[{"order_line": line.pk, "quantity": "3"}]
        )
    assert "2" in over.value.message_dict["lines.0.quantity"][0]
    services.delivery_ship(actor=money.alice, delivery=first)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PARTIALLY_DELIVERED
    second = services.delivery_create(
        actor=money.alice, order=order, data={}, lines=[{"order_line": line.pk, "quantity": "2"}]
    )
    services.delivery_ship(actor=money.alice, delivery=second)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    received = services.delivery_receive(actor=money.alice, delivery=second, receiver="张三")
    assert received.status == "received" and received.receiver == "张三"
    with pytest.raises(Conflict):
        services.delivery_ship(actor=money.alice, delivery=second)


def test_an_order_under_a_contract_is_paid_on_the_contract(money: World) -> None:
    contract = contract_of(money)
    order = order_of(money)
    Order.objects.filter(pk=order.pk).update(contract=contract)
    order.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.receivable_open(actor=money.alice, order=order)
    assert refused.value.code == "under_contract"


def test_another_salespersons_money_is_outside_scope(money: World) -> None:
    receivable = receivable_of(money)
    with pytest.raises(NotPermitted):
        services.plan_create(actor=money.charlie, receivable=receivable, data={"due_on": TODAY(), "amount": "1"})
    assert not Receivable.objects.visible_to(money.charlie).exists()
    assert Receivable.objects.visible_to(money.bob).count() == 1  # Alice's manager
    assert Receivable.objects.visible_to(money.fay).count() == 1  # type: ignore[attr-defined]
