"""Conflict cases (撞单, SPEC §3.4): registering a held customer opens a case; a manager decides."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from guanxi.core.auditlog.presentation import note_sentence
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.models import AuditEntry, Notification
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User
from guanxi.pool import conflicts
from guanxi.pool import services as pool
from guanxi.pool.models import ConflictCase, PoolEvent
from tests.pool.pool_helpers import START, PoolWorld, fresh, in_pool, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(db: None) -> PoolWorld:
    return PoolWorld()


def held_and_claimed(sales: PoolWorld) -> tuple[Customer, ConflictCase]:
    """Dave holds 上海华信科技; Alice registers it again by its phone a week later."""
    with time_machine.travel(START, tick=False):
        held = registered(sales.dave, "上海华信科技有限公司", phone="021-68888888")
    with time_machine.travel(START + timedelta(days=7), tick=False), pytest.raises(Conflict) as refusal:
        registered(sales.alice, "华信科技", phone="021 6888 8888")
    assert refusal.value.code == "duplicate_customer"
    assert "owned by 戴**" in str(refusal.value.message)
    assert "A conflict case (No. " in str(refusal.value.message)
    return held, ConflictCase.objects.get()


def test_registering_a_held_customer_opens_one_case_and_creates_no_duplicate(sales: PoolWorld) -> None:
    held, case = held_and_claimed(sales)
    assert Customer.objects.count() == 1
    assert (case.customer, case.holder, case.claimant, case.match) == (held, sales.dave, sales.alice, "phone")
    assert case.attempted["phone"] == "021 6888 8888"
    with pytest.raises(Conflict):  # the same salesperson again: the same case
        registered(sales.alice, "华信科技", phone="021-68888888")
    assert ConflictCase.objects.count() == 1
    assert Notification.objects.filter(recipient=sales.bob, kind="conflict").count() == 1  # their manager
    assert Notification.objects.filter(recipient=sales.dave, kind="conflict").count() == 1  # the holder


def test_the_claimant_adds_evidence_then_withdraws_and_the_holder_keeps_the_customer(sales: PoolWorld) -> None:
    held, case = held_and_claimed(sales)
    with pytest.raises(NotPermitted):
        conflicts.conflict_evidence_add(actor=sales.dave, case=case, text="我先拜访的")
    with pytest.raises(DomainError) as refused:
        conflicts.conflict_evidence_add(actor=sales.alice, case=case, text="  ")
    assert refused.value.field == "text"
    conflicts.conflict_evidence_add(actor=sales.alice, case=case, text="上周三已上门拜访, 有签到记录")
    assert [text for _at, text in fresh_case(case).claimant_statements()] == ["上周三已上门拜访, 有签到记录"]
    assert conflicts.may_withdraw(sales.alice, case) and not conflicts.may_withdraw(sales.bob, case)
    with pytest.raises(NotPermitted):
        conflicts.conflict_withdraw(actor=sales.bob, case=case)
    conflicts.conflict_withdraw(actor=sales.alice, case=case)
    assert fresh_case(case).status == "withdrawn" and fresh(held).owner == sales.dave
    for closed in (
        lambda: conflicts.conflict_withdraw(actor=sales.alice, case=fresh_case(case)),
        lambda: conflicts.conflict_evidence_add(actor=sales.alice, case=fresh_case(case), text="补充"),
        lambda: conflicts.conflict_decide(actor=sales.bob, case=fresh_case(case), decision="give"),
    ):
        with pytest.raises(Conflict):
            closed()
    assert fresh(held).owner == sales.dave


def fresh_case(case: ConflictCase) -> ConflictCase:
    return ConflictCase.objects.get(pk=case.pk)


def test_own_customers_and_pool_customers_are_refused_without_a_case(sales: PoolWorld) -> None:
    registered(sales.alice, "上海华信科技有限公司", phone="021-68888888")
    with pytest.raises(Conflict):
        registered(sales.alice, "华信科技", phone="021-68888888")
    in_pool(sales, "北京京东方机械有限公司", phone="010-66666666")
    with pytest.raises(Conflict) as refusal:
        registered(sales.alice, "京东方机械", phone="010-66666666")
    assert "is in the public pool; claim it there" in str(refusal.value.message)
    assert not ConflictCase.objects.exists()


def test_the_evidence_shows_who_registered_first_and_the_holders_follow_ups(sales: PoolWorld) -> None:
    _held, case = held_and_claimed(sales)
    rows = {row.label: row for row in conflicts.evidence(case)}
    assert rows["Registered"].holder == START
    assert rows["Registered"].claimant == START + timedelta(days=7)
    assert rows["Last follow-up"].claimant is None


def test_modules_add_evidence_through_the_registry(sales: PoolWorld) -> None:
    _held, case = held_and_claimed(sales)
    conflicts.register_evidence(
        "visits", "Visits", lambda *, case, customer, user: 3 if user == case.holder else 0, order=15
    )
    try:
        rows = conflicts.evidence(case)
        assert [row.label for row in rows][:2] == ["Registered", "Visits"]
        assert (rows[1].holder, rows[1].claimant) == (3, 0)
    finally:
        del conflicts.EVIDENCE["visits"]


def test_the_evidence_counts_each_sides_follow_ups_and_open_plans(sales: PoolWorld) -> None:
    from guanxi.activities.services import followup_create, plan_create

    held, case = held_and_claimed(sales)
    for content in ("电话沟通需求", "上门拜访"):
        followup_create(actor=sales.dave, content=content, customer=held)
    plan_create(actor=sales.dave, subject="报价", due_at=timezone.now() + timedelta(days=2), customer=held)
    rows = {row.label: row for row in conflicts.evidence(case)}
    assert (rows["Follow-ups"].holder, rows["Follow-ups"].claimant) == (2, 0)
    assert (rows["Open plans"].holder, rows["Open plans"].claimant) == (1, 0)


def test_keep_leaves_the_customer_with_the_holder_and_tells_both(sales: PoolWorld) -> None:
    held, case = held_and_claimed(sales)
    User.objects.filter(pk__in=[sales.alice.pk, sales.dave.pk]).update(language="en")  # told in English
    with pytest.raises(NotPermitted):
        conflicts.conflict_decide(actor=sales.alice, case=case, decision="keep")
    conflicts.conflict_decide(actor=sales.bob, case=case, decision="keep", note="戴维先报备")
    case.refresh_from_db()
    assert (case.status, case.decision, case.decided_by, case.note) == ("decided", "keep", sales.bob, "戴维先报备")
    assert fresh(held).owner == sales.dave
    for person in (sales.alice, sales.dave):
        assert Notification.objects.filter(recipient=person, kind="conflict", title__contains="decided").exists()
    with pytest.raises(Conflict) as again:
        conflicts.conflict_decide(actor=sales.bob, case=case, decision="pool")
    assert again.value.code == "already_decided"


def test_give_moves_the_customer_to_the_claimant_and_the_holder_cools_down(sales: PoolWorld) -> None:
    held, case = held_and_claimed(sales)
    conflicts.conflict_decide(actor=sales.bob, case=case, decision="give")
    held = fresh(held)
    assert (held.owner, held.status) == (sales.alice, Lifecycle.POTENTIAL)
    assert held.expires_at is not None
    assert PoolEvent.objects.filter(customer=held, user=sales.dave, kind="conflict").exists()
    decided = AuditEntry.objects.get(object_id=str(held.pk), action="ownership")
    with translation.override("zh-hans"):
        assert note_sentence(decided.note, {}) == "撞单已裁决：归报备人"


def test_pool_returns_the_customer_to_the_pool(sales: PoolWorld) -> None:
    held, case = held_and_claimed(sales)
    conflicts.conflict_decide(actor=sales.bob, case=case, decision="pool")
    held = fresh(held)
    assert (held.owner, held.status) == (None, Lifecycle.POOL)
    assert pool.pool_customers(sales.alice).filter(pk=held.pk).exists()


def test_a_case_whose_customer_changed_hands_must_be_decided_again(sales: PoolWorld) -> None:
    held, case = held_and_claimed(sales)
    pool.customer_return(actor=sales.dave, customer=held, reason="no_need")
    with pytest.raises(Conflict):
        conflicts.conflict_decide(actor=sales.bob, case=case, decision="give")
    case.refresh_from_db()
    assert case.status == "open"  # the refusal rolled the decision back


def test_the_inbox_lists_the_cases_of_the_managers_scope(sales: PoolWorld) -> None:
    _held, case = held_and_claimed(sales)
    assert list(conflicts.conflict_inbox(actor=sales.bob)) == [case]
    assert list(conflicts.conflict_inbox(actor=sales.charlie)) == []
    assert list(conflicts.conflict_inbox(actor=sales.alice)) == [case]  # the claimant follows their own


def test_a_customer_given_to_the_claimant_takes_its_open_plans_along(sales: PoolWorld) -> None:
    from guanxi.activities.models import Plan
    from guanxi.activities.services import plan_create

    held, case = held_and_claimed(sales)
    plan = plan_create(actor=sales.dave, subject="回访", due_at=timezone.now() + timedelta(days=2), customer=held)
    conflicts.conflict_decide(actor=sales.bob, case=case, decision="give", note="")
    assert Plan.objects.get(pk=plan.pk).owner == sales.alice
