from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.sales import services
from guanxi.sales.models import Competitor, Opportunity, StageChange, Status
from tests.conftest import World
from tests.customers.test_services import register

from .conftest import open_opportunity, stage


@pytest.mark.django_db
def test_shipped_pipelines_have_open_stages_then_a_won_and_a_lost_stage() -> None:
    from guanxi.sales.models import Pipeline

    kinds = {
        pipeline.code: [stage.kind for stage in pipeline.stages.all()]
        for pipeline in Pipeline.objects.prefetch_related("stages")
    }
    assert kinds["project"] == ["open"] * 5 + ["won", "lost"]
    assert kinds["dealership"] == ["open"] * 4 + ["won", "lost"]
    assert Pipeline.objects.get(is_default=True).code == "project"


def test_opening_an_opportunity_starts_in_the_first_stage_and_moves_the_customer_to_opportunity(sales: World) -> None:
    customer = register(sales.alice, "上海华信科技有限公司")
    opportunity = services.opportunity_create(
        actor=sales.alice,
        customer=customer,
        data={"name": "ERP 项目", "expected_close_date": timezone.localdate() + timedelta(days=30)},
        lines=[
            {"description": "服务器", "quantity": 2, "unit_price": "15000"},
            {"description": "实施", "unit_price": 8000},
        ],
    )
    assert opportunity.number.startswith("SJ")
    assert (opportunity.stage, opportunity.probability, opportunity.owner) == (stage("contact"), 10, sales.alice)
    assert opportunity.amount == Decimal("38000.00")  # the lines' total when no amount is given
    assert [line.amount for line in opportunity.lines.all()] == [Decimal("30000.00"), Decimal("8000.00")]
    customer.refresh_from_db()
    assert customer.status == "opportunity"
    history = list(opportunity.stage_changes.all())
    assert [(change.kind, change.to_stage.code, change.left_at) for change in history] == [("create", "contact", None)]
    assert AuditEntry.objects.filter(object_type="sales.opportunity", action="create").count() == 1


def test_a_won_customer_stays_won_when_a_new_opportunity_opens(sales: World) -> None:
    customer = register(sales.alice)
    services.opportunity_win(actor=sales.alice, opportunity=open_opportunity(sales.alice, customer))
    open_opportunity(sales.alice, customer, "二期")
    customer.refresh_from_db()
    assert customer.status == "won"


def test_an_opportunity_needs_a_name_and_sane_numbers(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(ValidationError) as refusal:
        services.opportunity_create(
            actor=sales.alice, customer=customer, data={"name": " ", "amount": Decimal(-1), "probability": 120}
        )
    assert set(refusal.value.message_dict) >= {"name", "amount", "probability"}
    assert not Opportunity.objects.exists()
    customer.refresh_from_db()
    assert customer.status == "potential"  # nothing half-saved


def test_a_customer_outside_the_scope_or_in_the_pool_gets_no_opportunity(sales: World) -> None:
    theirs = register(sales.charlie, "北京某公司")
    with pytest.raises(NotPermitted):
        open_opportunity(sales.alice, theirs)
    Customer.objects.filter(pk=theirs.pk).update(owner=None, status="pool")
    with pytest.raises(DomainError, match="Claim the customer"):
        open_opportunity(sales.root, Customer.objects.get(pk=theirs.pk))


def test_a_salesperson_without_the_permission_opens_nothing(world: World) -> None:
    from tests.conftest import grant

    grant(world.alice, "salesperson")
    customer = register(world.alice)
    grant(world.alice)  # no roles any more
    with pytest.raises(NotPermitted):
        open_opportunity(world.alice, customer)


def test_the_source_lead_is_remembered_and_named_in_the_audit(sales: World) -> None:
    class Lead:
        pk = 42

    opportunity = services.opportunity_create(
        actor=sales.alice, customer=register(sales.alice), data={"name": "线索转化"}, source_lead=Lead()
    )
    assert opportunity.source_lead_id == 42
    entry = AuditEntry.objects.get(object_type="sales.opportunity", action="create")
    assert "42" in entry.note


# --- stage moves ----------------------------------------------------------------------------------------


def test_a_move_is_refused_naming_the_fields_the_stage_requires(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    with pytest.raises(services.StageRequirementsMissing) as refusal:
        services.opportunity_move(actor=sales.alice, opportunity=opportunity, stage=stage("proposal"))
    assert refusal.value.fields == ["amount", "expected_close_date"]
    assert "amount, expected close date" in str(refusal.value.message)
    assert "Proposal / quote" in str(refusal.value.message)  # the reader's language
    opportunity.refresh_from_db()
    assert opportunity.stage == stage("contact")
    assert opportunity.stage_changes.count() == 1


def test_a_move_sets_the_stage_probability_and_records_time_in_each_stage(sales: World) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        opportunity = open_opportunity(
            sales.alice, amount=Decimal(50000), expected_close_date=start.date() + timedelta(days=20)
        )
    with time_machine.travel(start + timedelta(days=3), tick=False):
        services.opportunity_move(actor=sales.alice, opportunity=opportunity, stage=stage("proposal"))
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.probability) == (stage("proposal"), 40)
    first, second = opportunity.stage_changes.order_by("at")
    assert first.left_at == second.at and first.duration == timedelta(days=3)
    assert (second.from_stage, second.to_stage, second.by, second.left_at) == (
        stage("contact"),
        stage("proposal"),
        sales.alice,
        None,
    )
    assert opportunity.weighted_amount == Decimal("20000.00")


def test_moves_stay_within_the_pipeline_and_never_onto_a_closing_stage(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    with pytest.raises(DomainError):
        services.opportunity_move(actor=sales.alice, opportunity=opportunity, stage=stage("test_drive", "dealership"))
    with pytest.raises(DomainError) as refusal:
        services.opportunity_move(actor=sales.alice, opportunity=opportunity, stage=stage("won"))
    assert refusal.value.code == "closing_stage"


def test_a_stage_needing_approval_waits_for_the_manager(sales: World) -> None:
    from guanxi.core.models import Notification

    sales.shanghai.lead = sales.bob
    sales.shanghai.save()
    target = stage("negotiation")
    target.needs_approval = True
    target.save()
    opportunity = open_opportunity(sales.alice, amount=Decimal(1000), expected_close_date=timezone.localdate())
    services.opportunity_move(actor=sales.alice, opportunity=opportunity, stage=target)
    opportunity.refresh_from_db()
    assert (opportunity.stage.code, opportunity.pending_stage) == ("contact", target)
    assert Notification.objects.filter(recipient=sales.bob, kind="opportunity_approval").exists()
    with pytest.raises(NotPermitted):
        services.opportunity_decide_move(actor=sales.alice, opportunity=opportunity, approve=True)
    services.opportunity_decide_move(actor=sales.bob, opportunity=opportunity, approve=True)
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.probability, opportunity.pending_stage) == (target, 80, None)


def test_a_collaborator_may_move_but_an_outsider_cannot_see_it(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    with pytest.raises(NotPermitted):
        services.opportunity_move(actor=sales.charlie, opportunity=opportunity, stage=stage("needs"))
    services.opportunity_collaborators_set(actor=sales.alice, opportunity=opportunity, users=[sales.bob])
    assert opportunity in Opportunity.objects.visible_to(sales.bob)


# --- win, lose, reopen ----------------------------------------------------------------------------------


def test_winning_makes_the_customer_won(sales: World) -> None:
    customer = register(sales.alice)
    opportunity = open_opportunity(sales.alice, customer)
    services.opportunity_win(actor=sales.alice, opportunity=opportunity, amount=Decimal(99000))
    opportunity.refresh_from_db()
    customer.refresh_from_db()
    assert (opportunity.status, opportunity.stage.code, opportunity.probability) == ("won", "won", 100)
    assert opportunity.amount == Decimal(99000) and opportunity.closed_at is not None
    assert customer.status == "won"


def test_losing_the_last_open_opportunity_returns_the_customer_to_potential(sales: World) -> None:
    customer = register(sales.alice)
    first, second = open_opportunity(sales.alice, customer), open_opportunity(sales.alice, customer, "二期")
    rival = Competitor.objects.create(business_unit=sales.unit, name="友商科技")
    services.opportunity_lose(actor=sales.alice, opportunity=first, reason="price", competitor=rival, note="贵了 5%")
    customer.refresh_from_db()
    assert customer.status == "opportunity"  # one is still open
    services.opportunity_lose(actor=sales.alice, opportunity=second, reason="budget")
    customer.refresh_from_db()
    assert customer.status == "potential"
    first.refresh_from_db()
    assert (first.status, first.loss_reason, first.winning_competitor, first.probability) == ("lost", "price", rival, 0)
    assert rival in first.competitors.all()


def test_a_loss_needs_a_reason_from_the_dictionary(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    for reason in ("", "no-such-reason"):
        with pytest.raises(DomainError) as refusal:
            services.opportunity_lose(actor=sales.alice, opportunity=opportunity, reason=reason)
        assert refusal.value.field == "reason"
    opportunity.refresh_from_db()
    assert opportunity.status == Status.OPEN


def test_reopening_returns_to_the_stage_it_was_closed_from(sales: World) -> None:
    customer = register(sales.alice)
    opportunity = open_opportunity(sales.alice, customer, amount=Decimal(10), expected_close_date=timezone.localdate())
    services.opportunity_move(actor=sales.alice, opportunity=opportunity, stage=stage("proposal"))
    services.opportunity_lose(actor=sales.alice, opportunity=opportunity, reason="timing")
    services.opportunity_reopen(actor=sales.alice, opportunity=opportunity, note="客户重启项目")
    opportunity.refresh_from_db()
    customer.refresh_from_db()
    assert (opportunity.status, opportunity.stage.code, opportunity.probability) == ("open", "proposal", 40)
    assert (opportunity.loss_reason, opportunity.closed_at) == ("", None)
    assert customer.status == "opportunity"
    kinds = list(opportunity.stage_changes.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["create", "move", "lose", "reopen"]
    assert StageChange.objects.filter(opportunity=opportunity, left_at__isnull=True).count() == 1
    with pytest.raises(DomainError):
        services.opportunity_reopen(actor=sales.alice, opportunity=opportunity)


def test_deleting_the_last_open_opportunity_closes_it_for_the_customer(sales: World) -> None:
    from tests.conftest import grant

    grant(sales.bob, "unit_head")
    customer = register(sales.alice)
    opportunity = open_opportunity(sales.alice, customer)
    services.opportunity_delete(actor=sales.bob, opportunity=opportunity)
    customer.refresh_from_db()
    assert customer.status == "potential"
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()


# --- the mandatory plan (SPEC §4.3) ---------------------------------------------------------------------


def test_a_new_opportunity_gets_a_plan_due_within_48_hours_for_its_owner(sales: World) -> None:
    from guanxi.activities.services import open_plans_of

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        opportunity = open_opportunity(sales.alice)
    plan = open_plans_of(related=opportunity).get()
    assert (plan.owner, plan.customer, plan.due_at) == (sales.alice, opportunity.customer, now + timedelta(hours=48))


def test_the_compliance_report_lists_open_opportunities_without_an_open_plan(sales: World) -> None:
    from guanxi.activities.compliance import compliance_run
    from guanxi.activities.services import open_plans_of, plan_cancel

    open_opportunity(sales.alice, name="有计划")
    bare = open_opportunity(sales.alice, name="没计划")
    plan_cancel(actor=sales.alice, plan=open_plans_of(related=bare).get())
    services.opportunity_lose(actor=sales.alice, opportunity=open_opportunity(sales.alice, name="已输"), reason="price")
    (result,) = compliance_run(actor=sales.bob, day=timezone.localdate(), codes=["opportunities_without_plan"])
    labels = [row.label for row in result.rows]
    assert any("没计划" in label for label in labels)
    assert not any("有计划" in label for label in labels)
    (charlies,) = compliance_run(actor=sales.charlie, day=timezone.localdate(), codes=["opportunities_without_plan"])
    assert charlies.rows == []


def test_a_leaving_salesperson_hands_over_open_opportunities_and_keeps_closed_ones(sales: World) -> None:
    from guanxi.org.services import user_leave
    from tests.conftest import grant

    grant(sales.root, "system_admin")
    open_one = open_opportunity(sales.alice, name="进行中")
    closed = open_opportunity(sales.alice, name="已输")
    services.opportunity_lose(actor=sales.alice, opportunity=closed, reason="price")
    user_leave(actor=sales.root, user=sales.alice, successor=sales.bob)
    open_one.refresh_from_db()
    closed.refresh_from_db()
    assert (open_one.owner, closed.owner) == (sales.bob, sales.alice)  # closed history stays as it was


def test_a_collaborator_reopening_plans_the_follow_up_for_themself(sales: World) -> None:
    from guanxi.activities.services import open_plans_of, plan_cancel

    opportunity = open_opportunity(sales.alice)
    services.opportunity_collaborators_set(actor=sales.alice, opportunity=opportunity, users=[sales.charlie])
    services.opportunity_lose(actor=sales.alice, opportunity=opportunity, reason="price")
    for plan in open_plans_of(related=opportunity):
        plan_cancel(actor=sales.alice, plan=plan)
    services.opportunity_reopen(actor=sales.charlie, opportunity=opportunity)
    assert open_plans_of(related=opportunity).get().owner == sales.charlie


def test_completing_an_open_opportunitys_last_plan_plans_the_next_at_the_proposed_time(sales: World) -> None:
    from guanxi.activities.selectors import next_plan_proposal
    from guanxi.activities.services import open_plans_of, plan_complete

    opportunity = open_opportunity(sales.alice)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        done = plan_complete(actor=sales.alice, plan=open_plans_of(related=opportunity).get())
    following = open_plans_of(related=opportunity).get()
    assert following.pk != done.pk
    assert (following.owner, following.customer, following.origin) == (sales.alice, opportunity.customer, "mandatory")
    assert following.due_at == next_plan_proposal(customer=opportunity.customer, at=now)


def test_a_follow_up_fulfilling_the_last_plan_plans_what_the_user_chose_or_else_the_proposal(sales: World) -> None:
    from guanxi.activities.services import followup_create, open_plans_of

    chosen = open_opportunity(sales.alice, name="一期")
    due = timezone.now() + timedelta(days=3)
    followup_create(
        actor=sales.alice, content="电话沟通", plan=open_plans_of(related=chosen).get(),
        next_step="带方案上门", next_contact_at=due,
    )  # fmt: skip
    assert list(open_plans_of(related=chosen).values_list("subject", "due_at", "origin")) == [
        ("带方案上门", due, "next")
    ]
    unchosen = open_opportunity(sales.alice, register(sales.alice, "北京万朋机械有限公司", contact={}), name="二期")
    followup_create(actor=sales.alice, content="电话沟通", plan=open_plans_of(related=unchosen).get())
    assert open_plans_of(related=unchosen).count() == 1


def test_a_closed_opportunitys_last_plan_completes_without_a_next_one(sales: World) -> None:
    from guanxi.activities.services import open_plans_of, plan_complete

    opportunity = open_opportunity(sales.alice)
    plan = open_plans_of(related=opportunity).get()
    services.opportunity_lose(actor=sales.alice, opportunity=opportunity, reason="price")
    if plan.status == "open":  # the loss may already have closed it
        plan_complete(actor=sales.alice, plan=plan)
    assert not open_plans_of(related=opportunity).exists()
