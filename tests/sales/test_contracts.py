from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.jobs import run_job
from guanxi.core.models import AuditEntry, Notification
from guanxi.customers.models import Customer, Lifecycle
from guanxi.sales import tasks  # noqa: F401 (registers the contracts_daily job)
from guanxi.sales.contracts import services
from guanxi.sales.contracts.models import Contract, ContractStatus
from guanxi.sales.quotes import services as quote_services
from guanxi.workflows import services as approvals
from guanxi.workflows.services import pending_request_for
from tests.conftest import TwoUnits, World, grant

from .conftest import open_opportunity
from .contracting import approve, contract, signed, terms
from .quoting import customer, product, quote


@pytest.fixture
def shop(sales: World) -> World:
    grant(sales.root)
    return sales


def test_a_contract_from_a_quote_copies_its_lines_and_total(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    q = quote(shop.alice, client, {"product": lathe.pk, "quantity": "2"})
    quote_services.quote_submit(actor=shop.alice, quote=q)  # within the floor: approved at once
    row = services.contract_create(actor=shop.alice, customer=client, quote=q, data=terms(amount=None))
    assert row.number.startswith("HT") and row.status == ContractStatus.DRAFT
    assert row.amount == q.total == Decimal("2260.00")
    assert [(line.product_id, line.quantity, line.amount) for line in row.lines.all()] == [
        (lathe.pk, Decimal("2.00"), Decimal("1130.00") * 2)
    ]


def test_a_quote_of_another_customer_or_still_a_draft_is_refused(shop: World) -> None:
    lathe = product(shop.root)
    mine, other = customer(shop.alice), customer(shop.alice, "另一家公司")
    q = quote(shop.alice, other, {"product": lathe.pk})
    with pytest.raises(ValidationError) as refused:
        services.contract_create(actor=shop.alice, customer=mine, quote=q, data=terms())
    assert refused.value.message_dict["quote"] == ["Choose a quote of this customer."]
    with pytest.raises(ValidationError) as refused:
        services.contract_create(actor=shop.alice, customer=other, quote=q, data=terms())
    assert "quote" in refused.value.message_dict  # a draft quote
    assert Contract.all_objects.count() == 0


def test_bad_dates_and_amount_are_refused_by_field_and_nothing_is_saved(shop: World) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        contract(shop.alice, customer(shop.alice), amount="0", end_on=today - timedelta(days=1))
    assert set(refused.value.message_dict) == {"amount", "end_on"}
    with pytest.raises(ValidationError) as refused:
        contract(shop.alice, customer(shop.alice, "第二家公司"), amount="-5", end_on=today, title="")
    assert set(refused.value.message_dict) == {"amount", "end_on", "title"}
    assert Contract.all_objects.count() == 0


def test_a_typed_number_is_unique_within_the_unit(two_units: TwoUnits) -> None:
    grant(two_units.bella, "salesperson")
    contract(two_units.alice, customer(two_units.alice), number="HT-2026-001")
    with pytest.raises(Conflict) as refused:
        contract(two_units.alice, customer(two_units.alice, "第二家公司"), number=" HT-2026-001 ")
    assert refused.value.code == "duplicate_number"
    # another unit may use the same number
    theirs = contract(two_units.bella, customer(two_units.bella, "杭州客户有限公司"), number="HT-2026-001")
    assert theirs.number == "HT-2026-001"


def test_every_transition_from_draft_to_completed(shop: World) -> None:
    client = customer(shop.alice)
    row = contract(shop.alice, client)
    with pytest.raises(Conflict):
        services.contract_sign(actor=shop.alice, contract=row)  # not approved yet
    row = services.contract_submit(actor=shop.alice, contract=row)
    assert row.status == ContractStatus.PENDING
    with pytest.raises(Conflict):
        services.contract_submit(actor=shop.alice, contract=row)
    approve(shop.bob, row)  # Alice's manager
    row.refresh_from_db()
    assert row.status == ContractStatus.APPROVED
    with pytest.raises(DomainError):
        services.contract_sign(actor=shop.alice, contract=row, signed_on=timezone.localdate() + timedelta(days=1))
    row = services.contract_sign(actor=shop.alice, contract=row)
    assert row.status == ContractStatus.SIGNED and row.signed_on == timezone.localdate()
    run_job("contracts_daily")
    row.refresh_from_db()
    assert row.status == ContractStatus.IN_PROGRESS
    with pytest.raises(DomainError):
        services.contract_close(actor=shop.alice, contract=row, terminate=True)  # no reason
    row = services.contract_close(actor=shop.alice, contract=row)
    assert row.status == ContractStatus.COMPLETED
    with pytest.raises(Conflict):
        services.contract_close(actor=shop.alice, contract=row, terminate=True, reason="客户违约")


def test_a_signed_contract_cannot_be_edited_a_draft_can_with_its_version(shop: World) -> None:
    row = contract(shop.alice, customer(shop.alice))
    with pytest.raises(Conflict) as stale:
        services.contract_update(actor=shop.alice, contract=row, version=row.version + 5, data={"title": "新"})
    assert stale.value.code == "stale_version"
    row = services.contract_update(actor=shop.alice, contract=row, version=row.version, data={"title": "修订的合同"})
    assert Contract.objects.get(pk=row.pk).title == "修订的合同"
    with pytest.raises(ValidationError):
        services.contract_update(actor=shop.alice, contract=row, version=row.version, data={"end_on": row.start_on})
    services.contract_submit(actor=shop.alice, contract=row)
    approve(shop.bob, row)
    row = services.contract_sign(actor=shop.alice, contract=row)
    with pytest.raises(DomainError) as refused:
        services.contract_update(actor=shop.alice, contract=row, version=row.version, data={"amount": "1"})
    assert refused.value.code == "not_editable"
    assert Contract.objects.get(pk=row.pk).amount == Decimal("11300.00")


def test_rejected_and_withdrawn_contracts_go_back_to_draft_and_do_not_win_the_customer(shop: World) -> None:
    client = customer(shop.alice)
    row = contract(shop.alice, client)
    services.contract_submit(actor=shop.alice, contract=row)
    request = pending_request_for(record_type=services.CONTRACT_APPROVAL, obj=row)
    assert request is not None
    approvals.approval_decide(actor=shop.bob, request=request, approve=False, comment="金额不对")
    row.refresh_from_db()
    assert row.status == ContractStatus.DRAFT
    services.contract_submit(actor=shop.alice, contract=row)
    row = services.contract_withdraw(actor=shop.alice, contract=row)
    assert row.status == ContractStatus.DRAFT
    client.refresh_from_db()
    assert client.status != Lifecycle.WON and client.last_order_at is None


def test_signing_the_first_contract_wins_the_customer_as_of_the_signed_date(shop: World) -> None:
    client = customer(shop.alice)
    open_opportunity(shop.alice, client)
    client.refresh_from_db()
    assert client.status == Lifecycle.OPPORTUNITY
    day = timezone.localdate() - timedelta(days=3)
    row = signed(shop.alice, shop.bob, client, on=day)
    client.refresh_from_db()
    assert client.status == Lifecycle.WON
    assert timezone.localtime(client.last_order_at).date() == day
    entry = AuditEntry.objects.filter(object_id=str(client.pk), action=AuditEntry.Action.LIFECYCLE).latest("pk")
    assert entry.changes["status"] == [Lifecycle.OPPORTUNITY, Lifecycle.WON]
    assert entry.note == f"contract_signed {row.number} {day.isoformat()}"
    # a second signing leaves the won customer alone
    signed(shop.alice, shop.bob, client, on=day + timedelta(days=1))
    assert AuditEntry.objects.filter(object_id=str(client.pk), action=AuditEntry.Action.LIFECYCLE).count() == 2


def test_voiding_needs_a_reason_and_an_approval_and_undoes_the_only_deal(shop: World) -> None:
    client = customer(shop.alice)
    open_opportunity(shop.alice, client)
    row = signed(shop.alice, shop.bob, client)
    with pytest.raises(DomainError) as refused:
        services.contract_void(actor=shop.alice, contract=row, reason=" ")
    assert refused.value.field == "reason"
    services.contract_void(actor=shop.alice, contract=row, reason="客户取消采购")
    with pytest.raises(Conflict):
        services.contract_void(actor=shop.alice, contract=row, reason="再来一次")
    row.refresh_from_db()
    assert row.status == ContractStatus.SIGNED and row.void_pending
    # rejected: it runs on
    request = pending_request_for(record_type=services.CONTRACT_VOID, obj=row)
    assert request is not None
    approvals.approval_decide(actor=shop.bob, request=request, approve=False)
    row.refresh_from_db()
    assert row.status == ContractStatus.SIGNED and not row.void_pending
    services.contract_void(actor=shop.alice, contract=row, reason="客户取消采购")
    approve(shop.bob, row, services.CONTRACT_VOID)
    row.refresh_from_db()
    client.refresh_from_db()
    assert row.status == ContractStatus.VOIDED and row.void_reason == "客户取消采购"
    # the only deal is gone: back to an opportunity customer (its opportunity is still open)
    assert client.status == Lifecycle.OPPORTUNITY and client.last_order_at is None


def test_voiding_one_of_two_contracts_keeps_the_customer_won(shop: World) -> None:
    client = customer(shop.alice)
    first = signed(shop.alice, shop.bob, client)
    signed(shop.alice, shop.bob, client)
    services.contract_void(actor=shop.alice, contract=first, reason="重复录入")
    approve(shop.bob, first, services.CONTRACT_VOID)
    client.refresh_from_db()
    assert client.status == Lifecycle.WON


def test_a_voided_contract_is_copied_to_a_new_draft_and_a_running_one_renewed(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    row = services.contract_create(
        actor=shop.alice, customer=client, data=terms(), lines=[{"product": lathe.pk, "quantity": 3}]
    )
    services.contract_submit(actor=shop.alice, contract=row)
    approve(shop.bob, row)
    services.contract_sign(actor=shop.alice, contract=row)
    with pytest.raises(Conflict):
        services.contract_copy(actor=shop.alice, contract=row)
    renewal = services.contract_renew(actor=shop.alice, contract=row)
    assert renewal.renews_id == row.pk and renewal.status == ContractStatus.DRAFT
    assert renewal.start_on == row.end_on + timedelta(days=1)
    assert renewal.end_on - renewal.start_on == row.end_on - row.start_on
    assert renewal.lines.get().quantity == 3
    services.contract_void(actor=shop.alice, contract=row, reason="条款有误")
    approve(shop.bob, row, services.CONTRACT_VOID)
    copy = services.contract_copy(actor=shop.alice, contract=row)
    assert copy.copied_from_id == row.pk and copy.status == ContractStatus.DRAFT and copy.number != row.number
    with pytest.raises(Conflict):
        services.contract_renew(actor=shop.alice, contract=row)


def test_a_flow_with_an_amount_threshold_lets_small_contracts_through(shop: World) -> None:
    approvals.approval_flow_save(
        actor=shop.root,
        unit=shop.unit,
        record_type=services.CONTRACT_APPROVAL,
        steps=[{"kind": "manager", "levels": 1, "min_amount": Decimal("50000")}],
    )
    small = contract(shop.alice, customer(shop.alice))
    small = services.contract_submit(actor=shop.alice, contract=small)
    assert small.status == ContractStatus.APPROVED
    big = contract(shop.alice, customer(shop.alice, "大客户有限公司"), amount="80000")
    big = services.contract_submit(actor=shop.alice, contract=big)
    assert big.status == ContractStatus.PENDING


def test_the_expiry_reminder_reaches_the_owner_once(shop: World) -> None:
    today = timezone.localdate()
    client = customer(shop.alice)
    soon = signed(shop.alice, shop.bob, client, start_on=today - timedelta(days=300), end_on=today + timedelta(days=30))
    later = signed(shop.alice, shop.bob, client, start_on=today, end_on=today + timedelta(days=31))
    assert run_job("contracts_daily") == "started 2, reminded 1"
    assert run_job("contracts_daily") == "started 0, reminded 0"
    notes = Notification.objects.filter(recipient=shop.alice, kind="contract_expiring")
    assert notes.count() == 1 and soon.number in str(notes.get().title)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert run_job("contracts_daily") == "started 0, reminded 1"
    assert Contract.objects.get(pk=later.pk).reminded_at is not None
    assert notes.count() == 2


def test_another_units_customer_and_an_outsider_are_refused(two_units: TwoUnits) -> None:
    theirs = customer(two_units.bella, "杭州客户有限公司")
    with pytest.raises(DomainError):
        contract(two_units.alice, theirs)
    mine = contract(two_units.alice, customer(two_units.alice))
    with pytest.raises(NotPermitted):
        services.contract_submit(actor=two_units.bella, contract=mine)
    assert not Contract.objects.visible_to(two_units.bella).filter(pk=mine.pk).exists()


def test_only_a_draft_is_deleted(shop: World) -> None:
    grant(shop.alice, "unit_head")
    row = signed(shop.alice, shop.bob, customer(shop.alice))
    with pytest.raises(Conflict):
        services.contract_delete(actor=shop.alice, contract=row)
    draft = contract(shop.alice, customer(shop.alice, "草稿客户"))
    services.contract_delete(actor=shop.alice, contract=draft)
    assert not Contract.objects.filter(pk=draft.pk).exists()
    assert Customer.objects.filter(pk=row.customer_id).exists()


def test_without_an_agreed_amount_the_contract_is_worth_its_lines(shop: World) -> None:
    lathe = product(shop.root)
    row = services.contract_create(
        actor=shop.alice,
        customer=customer(shop.alice),
        data=terms(amount=None),
        lines=[{"product": lathe.pk, "quantity": 2}],
    )
    assert row.amount == Decimal("2260.00")
    with pytest.raises(ValidationError) as refused:
        contract(shop.alice, customer(shop.alice, "无明细客户"), amount=None)
    assert "amount" in refused.value.message_dict


def test_the_contract_end_rule_is_off_by_default_and_returns_a_lapsed_won_customer(shop: World) -> None:
    from guanxi.core.models import ParameterValue
    from guanxi.pool.models import PoolEvent

    today = timezone.localdate()
    lapsed = customer(shop.alice)
    signed(shop.alice, shop.bob, lapsed, start_on=today - timedelta(days=400), end_on=today - timedelta(days=35))
    renewing = customer(shop.alice, "续签中客户")
    old = signed(
        shop.alice, shop.bob, renewing, start_on=today - timedelta(days=400), end_on=today - timedelta(days=35)
    )
    services.contract_renew(actor=shop.alice, contract=old)  # a new one in the making
    recent = customer(shop.alice, "近期到期客户")
    signed(shop.alice, shop.bob, recent, start_on=today - timedelta(days=400), end_on=today - timedelta(days=20))
    assert run_job("contracts_daily").endswith("reminded 0")  # off by default: nobody returns
    ParameterValue.objects.create(business_unit=shop.unit, code="pool.contract_end_days", value=30)
    assert run_job("contracts_daily").endswith("returned 1")
    lapsed.refresh_from_db()
    assert lapsed.owner_id is None and lapsed.status == Lifecycle.POOL
    assert PoolEvent.objects.get(customer=lapsed).reason == "contract_ended"
    assert Customer.objects.get(pk=renewing.pk).status == Lifecycle.WON
    assert Customer.objects.get(pk=recent.pk).status == Lifecycle.WON
    # with a controlled clock, the recent one lapses too; the lapsed one is not returned twice
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        assert run_job("contracts_daily").endswith("returned 1")
    assert Customer.objects.get(pk=recent.pk).owner_id is None
