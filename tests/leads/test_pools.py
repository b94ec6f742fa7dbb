"""Lead pools (线索池): leads wait there with no owner, are claimed first come first served within the caps,
return by hand or when untouched (a controlled clock), and move between pools in bulk, all or nothing."""

from datetime import datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.errors import DomainError
from guanxi.core.jobs import run_job
from guanxi.core.models import ParameterValue
from guanxi.leads import services
from guanxi.leads import tasks as lead_tasks
from guanxi.leads.models import AssignmentRule, Lead, LeadPool, LeadPoolEvent, LeadStatus
from guanxi.leads.pools import rules
from guanxi.leads.pools import services as pools
from tests.conftest import client_for
from tests.leads.conftest import Sales

pytestmark = pytest.mark.django_db
assert lead_tasks  # importing the tasks registers the job

MOBILES = count(13911110000)
START = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_fixed_timezone(480))


def parameter(world: Sales, code: str, value: object) -> None:
    ParameterValue.objects.update_or_create(business_unit=world.unit, code=code, defaults={"value": value})


def unit_pool(world: Sales, **fields: object) -> LeadPool:
    return pools.lead_pool_save(actor=world.root, pool=None, data={"name": "线索公海", **fields})


def pooled(world: Sales, pool: LeadPool, name: str = "王小明", **data: object) -> Lead:
    values = {"name": name, "mobile": str(next(MOBILES)), "company": f"{name}的公司", **data}
    return services.lead_create(actor=world.root, data=values, pool=pool)


def test_a_lead_created_in_a_pool_has_no_owner_and_anyone_there_claims_it(sales: Sales) -> None:
    pool = unit_pool(sales)
    lead = pooled(sales, pool)
    assert (lead.owner_id, lead.pool_id) == (None, pool.pk)
    assert list(rules.pooled_leads(sales.alice)) == [lead]
    claimed = pools.lead_claim(actor=sales.alice, lead=lead)
    assert claimed.owner == sales.alice
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.owner_id, fresh.pool_id, fresh.pooled_at) == (sales.alice.pk, pool.pk, None)
    assert fresh.expires_at is not None  # the unit's 15 days run
    with pytest.raises(DomainError) as lost:
        pools.lead_claim(actor=sales.dora, lead=lead)
    assert lost.value.code == "already_claimed"
    assert "李爱丽" in str(lost.value.message)


def test_a_failed_leads_pool_is_not_claimed_from_but_a_manager_reassigns_it_in_bulk(sales: Sales) -> None:
    failed = unit_pool(sales, name="失败线索", is_failed=True)
    leads = [pooled(sales, failed, f"客户{index}") for index in range(3)]
    assert not rules.pooled_leads(sales.alice).exists()  # salespeople do not see it
    with pytest.raises(DomainError):
        pools.lead_claim(actor=sales.alice, lead=leads[0])
    done = pools.leads_pool_assign(actor=sales.bob, pool=failed, ids=[lead.pk for lead in leads], owner=sales.dora)
    assert done == 3
    assert set(Lead.objects.filter(owner=sales.dora).values_list("pk", flat=True)) == {lead.pk for lead in leads}
    assert LeadPoolEvent.objects.filter(kind="assign", user=sales.dora).count() == 3


def test_the_daily_cap_holding_limit_and_cool_down_have_their_own_values(sales: Sales) -> None:
    pool = unit_pool(sales)
    parameter(sales, "leads.pool_daily_claims", 2)
    leads = [pooled(sales, pool, f"客户{index}") for index in range(4)]
    pools.leads_claim(actor=sales.alice, leads=leads[:2])
    with pytest.raises(DomainError) as capped:
        pools.lead_claim(actor=sales.alice, lead=leads[2])
    assert capped.value.code == "claim_limit"
    # Dora holds one open lead already; the holding limit of the lead pools is 1
    services.lead_create(actor=sales.dora, data={"name": "自己的", "mobile": "13955550000"})
    parameter(sales, "leads.pool_holding_limit", 1)
    with pytest.raises(DomainError) as held:
        pools.lead_claim(actor=sales.dora, lead=leads[2])
    assert held.value.code == "holding_limit"
    # cool-down: Alice gave one back and cannot take it again at once
    parameter(sales, "leads.pool_daily_claims", 10)
    parameter(sales, "leads.pool_holding_limit", 10)
    pools.lead_return(actor=sales.alice, lead=Lead.objects.get(pk=leads[0].pk), reason="联系不上")
    with pytest.raises(DomainError) as cooling:
        pools.lead_claim(actor=sales.alice, lead=Lead.objects.get(pk=leads[0].pk))
    assert cooling.value.code == "cooling_down"
    assert pools.lead_claim(actor=sales.dora, lead=Lead.objects.get(pk=leads[0].pk)).owner == sales.dora


def test_a_batch_claim_past_the_cap_claims_nothing(sales: Sales) -> None:
    pool = unit_pool(sales)
    parameter(sales, "leads.pool_daily_claims", 2)
    leads = [pooled(sales, pool, f"客户{index}") for index in range(3)]
    with pytest.raises(DomainError):
        pools.leads_claim(actor=sales.alice, leads=leads)
    assert not Lead.objects.filter(owner=sales.alice).exists()


def test_a_claim_reads_its_rules_in_three_statements_then_writes(sales: Sales) -> None:
    """After the claimer's row is locked, one statement reads what the rules need (the leads still claimable,
    the day's claims, the cool-down, the holdings) beside the parameters; then each lead is one conditional
    UPDATE, one pool event and one audit entry."""
    pool = unit_pool(sales)
    leads = pools.leads_selected(sales.alice, [pooled(sales, pool, f"客户{index}").pk for index in range(3)])
    with CaptureQueriesContext(connection) as one:
        pools.leads_claim(actor=sales.alice, leads=leads[:1])
    with CaptureQueriesContext(connection) as three:
        pools.leads_claim(actor=sales.alice, leads=leads[1:])

    def statements(captured: CaptureQueriesContext) -> list[str]:
        return [query["sql"] for query in captured.captured_queries if "SAVEPOINT" not in query["sql"]]

    assert len(statements(one)) == 3 + 3
    assert len(statements(three)) == 3 + 2 * 3
    assert statements(one)[0].endswith("FOR NO KEY UPDATE") or connection.vendor != "postgresql"
    assert set(Lead.objects.filter(owner=sales.alice).values_list("pk", flat=True)) == {lead.pk for lead in leads}


def test_returning_by_hand_needs_a_reason_and_may_choose_the_pool(sales: Sales) -> None:
    pool = unit_pool(sales)
    other = pools.lead_pool_save(actor=sales.root, pool=None, data={"name": "上海线索池", "department": sales.shanghai})
    lead = services.lead_create(actor=sales.alice, data={"name": "自己的", "mobile": "13955550000"})
    with pytest.raises(DomainError) as empty:
        pools.lead_return(actor=sales.alice, lead=lead, reason=" ")
    assert empty.value.field == "reason"
    with pytest.raises(DomainError):
        pools.lead_return(actor=sales.dora, lead=lead, reason="不要了")  # not hers
    pools.lead_return(actor=sales.alice, lead=lead, reason="不需要了")
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.owner_id, fresh.pool_id) == (None, other.pk)  # the most specific: her department's
    event = LeadPoolEvent.objects.get(kind="return")
    assert (event.user_id, event.reason) == (sales.alice.pk, "不需要了")
    pools.lead_claim(actor=sales.dora, lead=fresh)
    pools.lead_return(actor=sales.dora, lead=Lead.objects.get(pk=lead.pk), reason="换个池", pool=pool)
    assert Lead.objects.get(pk=lead.pk).pool_id == pool.pk


def test_an_untouched_claimed_lead_returns_when_its_days_run_out(sales: Sales) -> None:
    pool = unit_pool(sales, reclaim_days=3)
    with time_machine.travel(START, tick=False):
        lead = pooled(sales, pool)
        pools.lead_claim(actor=sales.alice, lead=lead)
        touched = pooled(sales, pool, "李四")
        pools.lead_claim(actor=sales.alice, lead=touched)
    with time_machine.travel(START + timedelta(days=2), tick=False):
        services.lead_followup_record(
            actor=sales.alice, lead=Lead.objects.get(pk=touched.pk), content="电话沟通", channel="phone"
        )
    assert run_job("reclaim_leads", at=START + timedelta(days=3, hours=23)).startswith("0 ")  # day 3: still held
    assert run_job("reclaim_leads", at=START + timedelta(days=4)).startswith("1 ")
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.owner_id, fresh.pool_id, fresh.expires_at) == (None, pool.pk, None)
    assert LeadPoolEvent.objects.filter(kind="reclaim", user=sales.alice, lead=lead).exists()
    assert Lead.objects.get(pk=touched.pk).owner_id == sales.alice.pk  # its follow-up restarted the clock
    assert run_job("reclaim_leads", at=START + timedelta(days=4)).startswith("0 ")  # a re-run finds nothing
    assert run_job("reclaim_leads", at=START + timedelta(days=6)).startswith("1 ")
    assert sales.alice.notifications.filter(kind="lead_pool").count() == 2


def test_a_closed_lead_never_returns(sales: Sales) -> None:
    pool = unit_pool(sales, reclaim_days=1)
    with time_machine.travel(START, tick=False):
        lead = pooled(sales, pool)
        pools.lead_claim(actor=sales.alice, lead=lead)
    services.lead_set_status(
        actor=sales.alice, lead=Lead.objects.get(pk=lead.pk), status=LeadStatus.INVALID, reason="空号"
    )
    assert run_job("reclaim_leads", at=START + timedelta(days=30)).startswith("0 ")


def test_moving_leads_between_pools_is_all_or_nothing_audited_and_told(sales: Sales) -> None:
    source = unit_pool(sales)
    target = pools.lead_pool_save(
        actor=sales.root, pool=None, data={"name": "上海线索池", "department": sales.shanghai}
    )
    leads = [pooled(sales, source, f"客户{index}") for index in range(3)]
    pools.lead_claim(actor=sales.alice, lead=leads[2])  # no longer in the pool
    with pytest.raises(DomainError) as refused:
        pools.leads_move(actor=sales.bob, pool=source, ids=[lead.pk for lead in leads], target=target)
    assert refused.value.code == "not_in_pool"
    assert Lead.objects.filter(pool=source, owner__isnull=True).count() == 2  # nothing moved
    with pytest.raises(DomainError):
        pools.leads_move(actor=sales.alice, pool=source, ids=[leads[0].pk], target=target)  # not a manager
    moved = pools.leads_move(actor=sales.bob, pool=source, ids=None, target=target)
    assert moved == 2
    assert set(Lead.objects.filter(pool=target).values_list("pk", flat=True)) == {leads[0].pk, leads[1].pk}
    assert LeadPoolEvent.objects.filter(kind="move").count() == 2
    from guanxi.core.models import AuditEntry

    assert AuditEntry.objects.filter(note="move").count() == 2
    assert sales.dora.notifications.filter(kind="lead_pool").exists()  # she could claim them there


def test_an_assignment_rule_that_finds_nobody_falls_back_to_the_pool(sales: Sales) -> None:
    pool = pools.lead_pool_save(actor=sales.root, pool=None, data={"name": "上海线索池", "department": sales.shanghai})
    AssignmentRule.objects.create(
        business_unit=sales.unit, name="上海", kind="round_robin", department=sales.beijing, sources=["web"]
    )
    nobody = services.lead_create(
        actor=sales.alice, data={"name": "无规则", "mobile": "13966660000"}, by_rules=True
    )  # no rule matches: the most specific pool of her department
    assert Lead.objects.get(pk=nobody.pk).pool_id == pool.pk
    assert Lead.objects.get(pk=nobody.pk).owner_id is None


def test_other_units_pools_are_refused(two_units: object) -> None:
    world = two_units
    from guanxi.org.models import Role

    grant_role = Role.objects.get(code="unit_admin")
    assert grant_role
    pool_b = pools.lead_pool_save(actor=world.ben, pool=None, data={"name": "杭州线索池"})  # type: ignore[attr-defined]
    with pytest.raises(DomainError):
        services.lead_create(actor=world.alice, data={"name": "x", "mobile": "13900000000"}, pool=pool_b)  # type: ignore[attr-defined]
    assert not rules.pools_visible(world.alice).filter(pk=pool_b.pk).exists()  # type: ignore[attr-defined]


def test_the_pool_page_lists_masked_leads_and_claims(sales: Sales) -> None:
    pool = unit_pool(sales)
    lead = pooled(sales, pool, mobile="13912345678")
    page = client_for(sales.alice).get(f"/leads/pools/{pool.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and lead.company in html
    assert "13912345678" not in html and "139****5678" in html
    detail = client_for(sales.alice).get(f"/leads/{lead.pk}/").content.decode()
    assert "13912345678" not in detail and 'data-testid="claim"' in detail
    claimed = client_for(sales.alice).post(f"/leads/{lead.pk}/claim/")
    assert claimed.status_code == 302
    assert Lead.objects.get(pk=lead.pk).owner_id == sales.alice.pk
    assert "13912345678" in client_for(sales.alice).get(f"/leads/{lead.pk}/").content.decode()
    back = client_for(sales.alice).post(f"/leads/{lead.pk}/return/", {"reason": "不需要"})
    assert back.status_code == 302
    assert Lead.objects.get(pk=lead.pk).owner_id is None


def test_the_pool_bar_claims_the_selected_leads_of_its_own_pool_only(sales: Sales) -> None:
    pool = unit_pool(sales)
    other = pools.lead_pool_save(actor=sales.root, pool=None, data={"name": "展会线索"})
    here, there = pooled(sales, pool, "张三"), pooled(sales, other, "李四")
    client = client_for(sales.alice)
    refused = client.post(f"/leads/pools/{pool.pk}/act/", {"action": "claim", "ids": [here.pk, there.pk]})
    assert [m.message for m in get_messages(refused.wsgi_request)] == ["部分所选线索已不在线索池中，本次未做任何操作。"]
    assert not Lead.objects.filter(owner=sales.alice).exists()  # all or nothing
    done = client.post(f"/leads/pools/{pool.pk}/act/", {"action": "claim", "ids": [here.pk]})
    assert [m.message for m in get_messages(done.wsgi_request)][-1] == "已处理 1 条线索。"
    assert list(Lead.objects.filter(owner=sales.alice)) == [here]
    assert client.post(f"/leads/pools/{pool.pk}/act/", {"action": "wave", "ids": [there.pk]}).status_code == 302
    assert Lead.objects.get(pk=there.pk).owner_id is None  # an action the bar has not: nothing done


def test_the_pool_settings_page_makes_a_pool(sales: Sales) -> None:
    client = client_for(sales.root)
    assert client.post("/leads/settings/pools/new/", {"name": ""}).status_code == 200
    done = client.post("/leads/settings/pools/new/", {"name": "失败线索", "is_failed": "on"})
    assert done.status_code == 302
    assert LeadPool.objects.get().is_failed
    assert "失败线索" in client.get("/leads/settings/pools/").content.decode()
    assert client_for(sales.alice).get("/leads/settings/pools/").status_code == 403


def test_a_lead_pools_days_may_differ_by_product_line(sales: Sales) -> None:
    pool = unit_pool(sales, reclaim_days=10, line_rules={"printer": 3})
    with time_machine.travel(START, tick=False):
        printer = pooled(sales, pool, "打印机线索", product_line="printer")
        other = pooled(sales, pool, "电脑线索", product_line="computer")
        pools.leads_claim(actor=sales.alice, leads=[printer, other])
    assert Lead.objects.get(pk=printer.pk).expires_at == START + timedelta(days=4)
    assert Lead.objects.get(pk=other.pk).expires_at == START + timedelta(days=11)
    assert (
        rules.rule_explained(Lead.objects.select_related("pool").get(pk=printer.pk))
        == "Printers line: 3 days untouched"
    )
    with pytest.raises(DomainError) as unknown:
        pools.lead_pool_save(actor=sales.root, pool=pool, data={"name": "x", "line_rules": {"boats": 3}})
    assert unknown.value.field == "line_rules"
