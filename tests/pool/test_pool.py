"""The public pool's rules (SPEC §3.2–3.3), each with a controlled clock where time matters."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.activities.services import plan_create
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.jobs import JOBS, run_job
from guanxi.core.models import AuditEntry, Notification
from guanxi.customers.models import Customer, Lifecycle
from guanxi.customers.services import customer_followed_up, customer_transfer
from guanxi.org.models import User
from guanxi.pool import services as pool
from guanxi.pool import sweep as pool_sweep
from guanxi.pool import tasks
from guanxi.pool.lifecycle import Event, customer_lifecycle_event
from guanxi.pool.models import HoldingLimit, Pool, PoolEvent
from tests.conftest import World, grant, make_department, make_user
from tests.pool.pool_helpers import START, PoolWorld, fresh, in_pool, registered, set_parameter

pytestmark = pytest.mark.django_db
assert "reclaim_pool" in JOBS and tasks  # importing the tasks registers the job


@pytest.fixture
def sales(db: None) -> PoolWorld:
    return PoolWorld()


# --- claim ---------------------------------------------------------------------------------------------------


def test_a_claim_makes_the_customer_the_salespersons_with_its_clocks_started(sales: PoolWorld) -> None:
    customer = in_pool(sales)
    with time_machine.travel(START, tick=False):
        pool.customer_claim(actor=sales.alice, customer=customer)
    customer = fresh(customer)
    assert (customer.owner, customer.status, customer.claimed_at) == (sales.alice, Lifecycle.POTENTIAL, START)
    assert customer.expires_at == START + timedelta(days=31)  # day 30 is still the owner's
    assert customer.pool == pool.unit_pool(sales.unit.pk)
    assert PoolEvent.objects.filter(customer=customer, user=sales.alice, kind="claim").count() == 1
    assert AuditEntry.objects.filter(object_id=str(customer.pk), action="lifecycle").exists()
    assert AuditEntry.objects.filter(object_id=str(customer.pk), action="ownership", note="claim").exists()


def test_a_claimed_customer_cannot_be_claimed_again_and_the_answer_names_the_owner(sales: PoolWorld) -> None:
    customer = in_pool(sales)
    pool.customer_claim(actor=sales.alice, customer=customer)
    with pytest.raises(Conflict) as refusal:
        pool.customer_claim(actor=sales.dave, customer=customer)
    assert refusal.value.code == "already_claimed"
    assert "李爱丽" in str(refusal.value.message)
    assert fresh(customer).owner == sales.alice


def test_pool_customers_are_seen_by_the_units_salespeople_but_not_by_other_units(sales: PoolWorld) -> None:
    customer = in_pool(sales)
    assert pool.pool_customers(sales.alice).filter(pk=customer.pk).exists()
    assert not Customer.objects.visible_to(sales.alice).filter(pk=customer.pk).exists()  # not theirs
    from guanxi.org.models import BusinessUnit

    other_unit = BusinessUnit.objects.create(name="另一家", code="other")
    outsider = grant(make_user("eve", "伊芙", make_department("广州", None, other_unit)), "salesperson")
    assert not pool.pool_customers(outsider).filter(pk=customer.pk).exists()
    with pytest.raises(NotPermitted):
        pool.customer_claim(actor=outsider, customer=customer)


def test_a_department_pool_governs_its_members_and_the_departments_below(sales: PoolWorld) -> None:
    team = make_department("上海一组", sales.shanghai)
    frank = grant(make_user("frank", "弗兰克", team), "salesperson")
    shanghai_pool = Pool.objects.create(
        business_unit=sales.unit, department=sales.shanghai, name="上海公海", no_followup_days=10
    )
    assert pool.governing_pool(frank, sales.unit.pk) == shanghai_pool
    assert pool.governing_pool(sales.charlie, sales.unit.pk) == pool.unit_pool(sales.unit.pk)
    customer = in_pool(sales)
    with time_machine.travel(START, tick=False):
        pool.customer_claim(actor=frank, customer=customer)
    customer = fresh(customer)
    assert (customer.pool, customer.expires_at) == (shanghai_pool, START + timedelta(days=11))
    # a Beijing salesperson does not see the Shanghai pool
    pool.customer_return(actor=frank, customer=customer, reason="no_need")
    assert not pool.pool_customers(sales.charlie).filter(pk=customer.pk).exists()
    assert pool.pool_customers(sales.alice).filter(pk=customer.pk).exists()


# --- limits ----------------------------------------------------------------------------------------------------


def test_the_daily_claim_cap_refuses_clearly_and_resets_at_midnight(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_claims", 2)
    customers = [in_pool(sales, f"上海第{n}机械有限公司") for n in range(4)]
    with time_machine.travel(START, tick=False):
        pool.customer_claim(actor=sales.alice, customer=customers[0])
        pool.customer_claim(actor=sales.alice, customer=customers[1])
        with pytest.raises(DomainError) as refusal:
            pool.customer_claim(actor=sales.alice, customer=customers[2])
    assert refusal.value.code == "claim_limit"
    assert "2 customers a day" in str(refusal.value.message)
    assert fresh(customers[2]).owner is None
    with time_machine.travel(START.replace(hour=23, minute=59), tick=False), pytest.raises(DomainError):
        pool.customer_claim(actor=sales.alice, customer=customers[2])
    with time_machine.travel(START + timedelta(days=1) - timedelta(hours=10), tick=False):  # next midnight
        pool.customer_claim(actor=sales.alice, customer=customers[2])


def test_a_batch_claim_that_would_pass_the_cap_fails_whole(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_claims", 2)
    customers = [in_pool(sales, f"上海第{n}机械有限公司") for n in range(3)]
    with pytest.raises(DomainError) as refusal:
        pool.customers_claim(actor=sales.alice, customers=customers)
    assert refusal.value.code == "claim_limit"
    assert not Customer.objects.filter(owner=sales.alice).exists()
    assert len(pool.customers_claim(actor=sales.alice, customers=customers[:2])) == 2


def test_a_batch_claim_reads_its_pools_rules_once_however_many_customers(sales: PoolWorld) -> None:
    customers = [in_pool(sales, f"上海第{n}机械有限公司") for n in range(4)]

    def pool_reads(batch: list[Customer]) -> int:
        with CaptureQueriesContext(connection) as queries:
            pool.customers_claim(actor=sales.alice, customers=batch)
        return sum('FROM "customers_pool"' in query["sql"] for query in queries)

    assert pool_reads(customers[:1]) == pool_reads(customers[1:])


def test_pool_administrators_are_exempt_from_the_daily_cap(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_claims", 1)
    head = grant(make_user("head", "负责人", sales.head_office), "unit_head")
    for n in range(3):
        pool.customer_claim(actor=head, customer=in_pool(sales, f"上海第{n}机械有限公司"))
    assert Customer.objects.filter(owner=head).count() == 3


def test_the_holding_limit_applies_per_user_then_department_then_unit(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.holding_limit", 3)
    assert pool.limits_of(sales.alice).holding == 3
    HoldingLimit.objects.create(business_unit=sales.unit, department=sales.head_office, holding_limit=5)
    HoldingLimit.objects.create(business_unit=sales.unit, department=sales.shanghai, holding_limit=2)
    assert (pool.limits_of(sales.alice).holding, pool.limits_of(sales.charlie).holding) == (2, 5)
    HoldingLimit.objects.create(business_unit=sales.unit, user=sales.alice, holding_limit=1)
    assert pool.limits_of(sales.alice).holding == 1
    registered(sales.alice, "上海第一机械有限公司")
    with pytest.raises(DomainError) as refusal:
        pool.customer_claim(actor=sales.alice, customer=in_pool(sales))
    assert refusal.value.code == "holding_limit"
    assert "limit is 1" in str(refusal.value.message)


def test_won_customers_count_toward_the_limit_only_when_the_unit_says_so(sales: PoolWorld) -> None:
    HoldingLimit.objects.create(business_unit=sales.unit, user=sales.alice, holding_limit=1)
    won = registered(sales.alice, "上海第一机械有限公司")
    customer_lifecycle_event(customer=won, event=Event.FIRST_ORDER, actor=sales.alice)
    pool.customer_claim(actor=sales.alice, customer=in_pool(sales))
    set_parameter(sales, "pool.won_counts_toward_limit", True)
    with pytest.raises(DomainError) as refusal:
        pool.customer_claim(actor=sales.alice, customer=in_pool(sales, "上海第二机械有限公司"))
    assert refusal.value.code == "holding_limit"


def test_registering_and_transferring_respect_the_holding_limit(sales: PoolWorld) -> None:
    HoldingLimit.objects.create(business_unit=sales.unit, user=sales.alice, holding_limit=1)
    registered(sales.alice, "上海第一机械有限公司")
    with pytest.raises(DomainError) as refusal:
        registered(sales.alice, "上海第二机械有限公司")
    assert refusal.value.code == "holding_limit"
    theirs = registered(sales.dave, "上海第三机械有限公司")
    with pytest.raises(DomainError) as refusal:
        customer_transfer(actor=sales.bob, customer=theirs, owner=sales.alice)
    assert refusal.value.code == "holding_limit"
    assert fresh(theirs).owner == sales.dave


def test_a_transfer_restarts_the_clocks_under_the_new_owners_pool(sales: PoolWorld) -> None:
    with time_machine.travel(START, tick=False):
        customer = registered(sales.dave, "上海第三机械有限公司")
    assert fresh(customer).expires_at == START + timedelta(days=31)
    later = START + timedelta(days=10)
    with time_machine.travel(later, tick=False):
        customer_transfer(actor=sales.bob, customer=customer, owner=sales.alice)
    assert fresh(customer).expires_at == later + timedelta(days=31)


def test_the_cool_down_keeps_a_salesperson_from_reclaiming_until_day_c_has_passed(sales: PoolWorld) -> None:
    customer = in_pool(sales)
    with time_machine.travel(START, tick=False):
        pool.customer_claim(actor=sales.alice, customer=customer)
        pool.customer_return(actor=sales.alice, customer=fresh(customer), reason="no_need", note="预算取消")
    with time_machine.travel(START + timedelta(days=6), tick=False):
        with pytest.raises(DomainError) as refusal:
            pool.customer_claim(actor=sales.alice, customer=fresh(customer))
        assert refusal.value.code == "cooling_down"
        assert "7 days" in str(refusal.value.message)
    with time_machine.travel(START + timedelta(days=7, hours=12), tick=False):  # day 7: still cooling down
        with pytest.raises(DomainError) as refusal:
            pool.customer_claim(actor=sales.alice, customer=fresh(customer))
        assert refusal.value.code == "cooling_down"
    with time_machine.travel(START + timedelta(days=8), tick=False):  # whole days elapsed exceed C, as for reclaim
        pool.customer_claim(actor=sales.alice, customer=fresh(customer))


def test_pages_learn_the_cool_down_from_the_rule_that_refuses_the_claim(sales: PoolWorld) -> None:
    customer, other = in_pool(sales), in_pool(sales, "上海第二机械有限公司")
    with time_machine.travel(START, tick=False):
        pool.customer_claim(actor=sales.alice, customer=customer)
        pool.customer_return(actor=sales.alice, customer=fresh(customer), reason="no_need")
    with time_machine.travel(START + timedelta(days=6), tick=False):
        outlook = pool.claim_outlook(sales.alice, [fresh(customer), other])
        with pytest.raises(DomainError) as refusal:
            pool.customer_claim(actor=sales.alice, customer=fresh(customer))
        assert outlook is not None and outlook.cooling == {customer.pk: str(refusal.value.message)}
        assert pool.claim_outlook(sales.dave, [fresh(customer)]).cooling == {}  # type: ignore[union-attr]
    with time_machine.travel(START + timedelta(days=8), tick=False):
        assert pool.claim_outlook(sales.alice, [fresh(customer)]).cooling == {}  # type: ignore[union-attr]


def test_the_claim_standing_counts_what_the_caps_count(sales: PoolWorld) -> None:
    HoldingLimit.objects.create(business_unit=sales.unit, user=sales.alice, holding_limit=3)
    set_parameter(sales, "pool.daily_claims", 2)
    registered(sales.alice, "上海自有机械有限公司")

    def standing() -> pool.ClaimStanding:
        outlook = pool.claim_outlook(sales.alice, [])
        assert outlook is not None
        return outlook.standing

    assert standing() == pool.ClaimStanding(claimed_today=0, daily_claims=2, held=1, holding_limit=3)
    pool.customer_claim(actor=sales.alice, customer=in_pool(sales))
    assert (standing().claims_left, standing().held) == (1, 2)
    pool.customer_claim(actor=sales.alice, customer=in_pool(sales, "上海第二机械有限公司"))
    assert standing().claims_left == 0
    with pytest.raises(DomainError) as refusal:
        pool.customer_claim(actor=sales.alice, customer=in_pool(sales, "上海第三机械有限公司"))
    assert refusal.value.code == "claim_limit"
    assert pool.claim_outlook(make_user("nobody", "无角色", sales.shanghai), []) is None


# --- return --------------------------------------------------------------------------------------------------


def test_a_return_needs_a_reason_from_the_dictionary_and_is_recorded(sales: PoolWorld) -> None:
    customer = registered(sales.alice)
    with pytest.raises(DomainError) as refusal:
        pool.customer_return(actor=sales.alice, customer=customer, reason="bored")
    assert refusal.value.field == "reason"
    pool.customer_return(actor=sales.alice, customer=customer, reason="unreachable")
    customer = fresh(customer)
    assert (customer.owner, customer.status, customer.expires_at) == (None, Lifecycle.POOL, None)
    assert customer.pooled_at is not None
    event = PoolEvent.objects.get(customer=customer, kind="return")
    assert (event.user, event.reason) == (sales.alice, "unreachable")
    assert AuditEntry.objects.filter(
        object_id=str(customer.pk), action="ownership", note__contains="unreachable"
    ).exists()


def test_only_the_owner_or_their_manager_returns_a_customer(sales: PoolWorld) -> None:
    customer = registered(sales.alice)
    with pytest.raises(NotPermitted):
        pool.customer_return(actor=sales.charlie, customer=customer, reason="no_need")
    pool.customer_return(actor=sales.bob, customer=customer, reason="no_need")
    assert Notification.objects.filter(recipient=sales.alice, kind="pool_returned").count() == 1


# --- assign, lock --------------------------------------------------------------------------------------------


def test_a_manager_assigns_a_pool_customer_within_their_scope(sales: PoolWorld) -> None:
    customer = in_pool(sales)
    with pytest.raises(NotPermitted):
        pool.customer_assign(actor=sales.alice, customer=customer, owner=sales.alice)
    with pytest.raises(DomainError) as refusal:
        pool.customer_assign(actor=sales.bob, customer=customer, owner=sales.charlie)  # Beijing: not Bob's
    assert refusal.value.field == "owner"
    pool.customer_assign(actor=sales.bob, customer=customer, owner=sales.alice, note="老客户介绍")
    customer = fresh(customer)
    assert (customer.owner, customer.status) == (sales.alice, Lifecycle.POTENTIAL)
    assert Notification.objects.filter(recipient=sales.alice, kind="pool_assigned").count() == 1
    with pytest.raises(Conflict) as lost:
        pool.customer_assign(actor=sales.bob, customer=customer, owner=sales.dave)
    assert lost.value.code == "already_claimed"


def test_a_locked_customer_never_returns_and_the_lock_limit_holds(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.lock_limit", 1)
    with time_machine.travel(START, tick=False):
        first = registered(sales.alice, "上海第一机械有限公司")
        second = registered(sales.alice, "上海第二机械有限公司")
    with pytest.raises(NotPermitted):
        pool.customer_lock(actor=sales.alice, customer=first)
    pool.customer_lock(actor=sales.bob, customer=first)
    assert fresh(first).expires_at is None
    with pytest.raises(DomainError) as refusal:
        pool.customer_lock(actor=sales.bob, customer=second)
    assert refusal.value.code == "lock_limit"
    with pytest.raises(DomainError) as locked:
        pool.customer_return(actor=sales.alice, customer=fresh(first), reason="no_need")
    assert locked.value.code == "locked"
    run_job("reclaim_pool", at=START + timedelta(days=200))
    assert fresh(first).owner == sales.alice
    assert fresh(second).owner is None
    unlocked_at = START + timedelta(days=201)
    with time_machine.travel(unlocked_at, tick=False):
        pool.customer_unlock(actor=sales.bob, customer=fresh(first))
    assert fresh(first).expires_at == unlocked_at + timedelta(days=31)


# --- the clocks and the sweep --------------------------------------------------------------------------------


def claimed_at_start(world: World, name: str = "上海华信科技有限公司") -> Customer:
    customer = in_pool(world, name)
    with time_machine.travel(START, tick=False):
        pool.customer_claim(actor=world.alice, customer=customer)
    return fresh(customer)


def test_day_n_is_still_the_owners_and_the_day_after_the_customer_returns(sales: PoolWorld) -> None:
    customer = claimed_at_start(sales)
    summary = run_job("reclaim_pool", at=START + timedelta(days=30, hours=23))
    assert summary.startswith("0 customers returned")
    assert fresh(customer).owner == sales.alice
    summary = run_job("reclaim_pool", at=START + timedelta(days=31))
    assert summary.startswith("1 customers returned")
    customer = fresh(customer)
    assert (customer.owner, customer.status, customer.pool) == (None, Lifecycle.POOL, pool.unit_pool(sales.unit.pk))
    event = PoolEvent.objects.get(customer=customer, kind="reclaim")
    assert (event.user, event.reason) == (sales.alice, "no_followup")
    assert Notification.objects.filter(recipient=sales.alice, kind="pool_reclaimed").count() == 1


def test_a_follow_up_restarts_the_no_follow_up_clock(sales: PoolWorld) -> None:
    customer = claimed_at_start(sales)
    customer_followed_up(customer=customer, at=START + timedelta(days=20))
    assert fresh(customer).expires_at == START + timedelta(days=51)
    run_job("reclaim_pool", at=START + timedelta(days=40))
    assert fresh(customer).owner == sales.alice


def test_the_no_deal_clock_runs_from_the_claim_whatever_the_follow_ups(sales: PoolWorld) -> None:
    customer = claimed_at_start(sales)
    for day in range(20, 100, 20):
        customer_followed_up(customer=customer, at=START + timedelta(days=day))
    assert fresh(customer).expires_at == START + timedelta(days=91)
    run_job("reclaim_pool", at=START + timedelta(days=90, hours=12))
    assert fresh(customer).owner == sales.alice
    run_job("reclaim_pool", at=START + timedelta(days=91))
    assert PoolEvent.objects.get(customer=customer, kind="reclaim").reason == "no_deal"


def test_won_customers_are_exempt_unless_the_unit_says_otherwise(sales: PoolWorld) -> None:
    customer = claimed_at_start(sales)
    customer_lifecycle_event(customer=customer, event=Event.FIRST_ORDER, actor=sales.alice)
    assert fresh(customer).expires_at is None
    run_job("reclaim_pool", at=START + timedelta(days=400))
    assert fresh(customer).owner == sales.alice
    set_parameter(sales, "pool.won_exempt", False)  # the next sweep recomputes the pool's expiry times
    run_job("reclaim_pool", at=START + timedelta(days=400))
    customer = fresh(customer)
    assert (customer.owner, customer.status) == (None, Lifecycle.POOL)


def test_a_changed_parameter_moves_every_expiry_of_the_pool(sales: PoolWorld) -> None:
    customer = claimed_at_start(sales)
    set_parameter(sales, "pool.no_followup_days", 10)
    summary = run_job("reclaim_pool", at=START + timedelta(days=5))
    assert summary.endswith("1 expiry times recomputed")
    assert fresh(customer).expires_at == START + timedelta(days=11)
    assert run_job("reclaim_pool", at=START + timedelta(days=5)).endswith("0 expiry times recomputed")


def test_the_owner_is_warned_k_days_before_and_only_once(sales: PoolWorld) -> None:
    User.objects.filter(pk=sales.alice.pk).update(language="en")  # warned in English
    customer = claimed_at_start(sales)
    run_job("reclaim_pool", at=START + timedelta(days=27, hours=23))
    assert not Notification.objects.filter(kind="pool_expiry_warning").exists()
    run_job("reclaim_pool", at=START + timedelta(days=28))
    run_job("reclaim_pool", at=START + timedelta(days=29))
    warnings = Notification.objects.filter(recipient=sales.alice, kind="pool_expiry_warning")
    assert [row.title for row in warnings] == [
        "上海华信科技有限公司 returns to the pool in 2 days unless you follow up"
    ]
    customer_followed_up(customer=customer, at=START + timedelta(days=29))  # a new expiry: a new warning later
    run_job("reclaim_pool", at=START + timedelta(days=57))
    assert Notification.objects.filter(recipient=sales.alice, kind="pool_expiry_warning").count() == 2


def test_the_sweep_is_idempotent(sales: PoolWorld) -> None:
    User.objects.filter(pk=sales.alice.pk).update(language="en")  # told in English
    customers = [claimed_at_start(sales, f"上海第{n}机械有限公司") for n in range(3)]
    at = START + timedelta(days=31)
    assert run_job("reclaim_pool", at=at).startswith("3 customers returned")
    assert run_job("reclaim_pool", at=at).startswith("0 customers returned")
    assert PoolEvent.objects.filter(kind="reclaim").count() == 3
    told = Notification.objects.get(recipient=sales.alice, kind="pool_reclaimed")  # one message for the run
    assert told.title.startswith("3 of your customers returned to the pool: ")
    assert AuditEntry.objects.filter(action="lifecycle", object_id__in=[str(c.pk) for c in customers]).count() == 6


def test_a_sweep_killed_between_batches_and_rerun_tells_every_owner_exactly_once(
    sales: PoolWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    owners = [grant(make_user(f"seller{n}", f"销售{n}", sales.shanghai), "salesperson") for n in range(5)]
    for n, owner in enumerate(owners):
        customer = in_pool(sales, f"上海第{n}机械有限公司")
        with time_machine.travel(START, tick=False):
            pool.customer_claim(actor=owner, customer=customer)
    monkeypatch.setattr(pool_sweep, "SWEEP_BATCH", 2)
    release = pool_sweep.customers_release_bulk
    batches = iter(range(100))

    def killed_in_the_second_batch(**arguments: object) -> object:
        if next(batches) == 1:
            raise RuntimeError("killed")
        return release(**arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(pool_sweep, "customers_release_bulk", killed_in_the_second_batch)
    with pytest.raises(RuntimeError):
        run_job("reclaim_pool", at=START + timedelta(days=31))
    assert PoolEvent.objects.filter(kind="reclaim").count() == 2  # the first batch committed
    monkeypatch.setattr(pool_sweep, "customers_release_bulk", release)
    assert run_job("reclaim_pool", at=START + timedelta(days=31)).startswith("3 customers returned")
    told = Notification.objects.filter(kind="pool_reclaimed")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(owner.pk for owner in owners)


def test_days_to_expiry_counts_down_from_n_to_zero(sales: PoolWorld) -> None:
    customer = claimed_at_start(sales)
    assert pool.days_to_expiry(customer.expires_at, START) == 30
    assert pool.days_to_expiry(customer.expires_at, START + timedelta(days=1)) == 29
    assert pool.days_to_expiry(customer.expires_at, START + timedelta(days=30, hours=20)) == 0
    assert pool.expiry_label(customer, START) == "30 days"


# --- handover ------------------------------------------------------------------------------------------------


def test_a_departing_salespersons_customers_can_return_to_the_pool(sales: PoolWorld) -> None:
    from guanxi.org.services import user_leave

    admin = grant(make_user("admin2", "管理员", sales.head_office), "unit_admin")
    customers = [registered(sales.alice, f"上海第{n}机械有限公司") for n in range(2)]
    pool.customer_lock(actor=sales.bob, customer=customers[0])
    user_leave(actor=admin, user=User.objects.get(pk=sales.alice.pk), successor=None, customers_to_pool=True)
    for customer in customers:
        customer = fresh(customer)
        assert (customer.owner, customer.status, customer.locked_at) == (None, Lifecycle.POOL, None)
    assert PoolEvent.objects.filter(kind="return", reason="owner_left").count() == 2
    returned = AuditEntry.objects.filter(object_id__in=[str(c.pk) for c in customers], note__endswith="owner_left")
    assert [(entry.actor, entry.changes["owner"]) for entry in returned] == [(admin, [sales.alice.pk, None])] * 2


@pytest.mark.parametrize("count", [3, 12])
def test_a_departing_salespersons_customers_return_in_the_same_few_statements_however_many(
    sales: PoolWorld, count: int
) -> None:
    customers = [registered(sales.alice, f"上海第{n}机械有限公司") for n in range(count)]
    Customer.objects.filter(pk=customers[0].pk).update(deleted_at=START)  # a deleted one is handed over too
    plan = plan_create(actor=sales.alice, subject="回访", due_at=START + timedelta(days=400), customer=customers[1])

    with CaptureQueriesContext(connection) as queries:
        assert pool.customers_to_pool(sales.bob, Customer.all_objects.filter(owner=sales.alice)) == count

    assert len(queries) == 7  # the ids; the batch; its update, audit entries, plans, pool events and outbox events
    assert not Customer.all_objects.filter(owner=sales.alice).exists()
    plan.refresh_from_db()
    assert plan.status == "cancelled"


# --- imports into the pool, bulk return ------------------------------------------------------------------


def test_an_importer_registers_customers_straight_into_a_pool(sales: PoolWorld) -> None:
    from guanxi.customers.services import customer_create

    target = pool.unit_pool(sales.unit.pk)
    with pytest.raises(NotPermitted):
        customer_create(actor=sales.alice, data={"name": "上海导入机械有限公司"}, pool=target)
    customer = customer_create(actor=sales.bob, data={"name": "上海导入机械有限公司"}, pool=target)
    customer = fresh(customer)
    assert (customer.owner, customer.status, customer.pool, customer.expires_at) == (None, Lifecycle.POOL, target, None)
    assert pool.pool_customers(sales.alice).filter(pk=customer.pk).exists()


def test_the_list_returns_several_customers_at_once_with_one_reason(sales: PoolWorld) -> None:
    from guanxi.pool.services import customers_bulk_return

    customers = [registered(sales.alice, f"上海第{n}机械有限公司") for n in range(3)]
    result = customers_bulk_return(actor=sales.alice, ids=[c.pk for c in customers], reason="no_need")
    assert result.done == 3
    assert not Customer.objects.filter(owner=sales.alice).exists()
    assert PoolEvent.objects.filter(kind="return", reason="no_need").count() == 3


def test_the_command_runs_the_sweep_as_of_any_time(sales: PoolWorld) -> None:
    from io import StringIO

    from django.core.management import call_command

    customer = claimed_at_start(sales)
    out = StringIO()
    call_command("jobs", "run", "reclaim_pool", "--at", (START + timedelta(days=31)).isoformat(), stdout=out)
    assert out.getvalue().startswith("1 customers returned to the pool")
    assert fresh(customer).owner is None


# --- what a return leaves behind -------------------------------------------------------------------------


def test_a_customer_returned_by_hand_or_by_the_sweep_keeps_no_open_plan(sales: PoolWorld) -> None:
    from guanxi.activities.models import Plan
    from guanxi.activities.services import plan_create

    by_hand, swept = registered(sales.alice), claimed_at_start(sales, "北京远航贸易有限公司")
    plans = [
        plan_create(actor=sales.alice, subject="回访", due_at=timezone.now() + timedelta(days=1), customer=by_hand),
        plan_create(actor=sales.alice, subject="回访", due_at=START + timedelta(days=40), customer=swept),
    ]
    assert fresh(by_hand).next_followup_at is not None
    pool.customer_return(actor=sales.alice, customer=by_hand, reason="unreachable")
    run_job("reclaim_pool", at=START + timedelta(days=31))
    assert {Plan.objects.get(pk=plan.pk).status for plan in plans} == {Plan.Status.CANCELLED}
    assert (fresh(by_hand).next_followup_at, fresh(swept).next_followup_at) == (None, None)


def test_a_return_from_a_page_loaded_before_a_managers_lock_is_refused_and_the_lock_stays(sales: PoolWorld) -> None:
    customer = registered(sales.alice)
    seen_by_alice = fresh(customer)  # her page, loaded before the lock
    pool.customer_lock(actor=sales.bob, customer=fresh(customer))
    with pytest.raises(DomainError) as refusal:
        pool.customer_return(actor=sales.alice, customer=seen_by_alice, reason="unreachable")
    assert refusal.value.code == "locked"
    customer = fresh(customer)
    assert (customer.owner, customer.locked_at is not None) == (sales.alice, True)
