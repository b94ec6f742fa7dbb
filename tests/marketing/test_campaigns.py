"""Campaigns: the record, its itemised costs, the audience taken from list filters at launch (overlaps
kept once), members by hand, and attribution of leads, opportunities and won amounts (first and last touch)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.marketing.campaigns import selectors, services
from guanxi.marketing.campaigns.models import CampaignMember, CampaignStatus
from guanxi.sales.services import opportunity_win
from tests.conftest import TwoUnits
from tests.sales.conftest import open_opportunity

from .conftest import campaign, customer, lead


def test_a_campaign_is_numbered_and_its_actual_cost_is_the_sum_of_its_items(units: TwoUnits) -> None:
    fair = campaign(units.alice)
    assert fair.number.startswith("HD") and fair.status == CampaignStatus.PLANNED
    services.campaign_cost_add(
        actor=units.alice, campaign=fair, data={"item": "展位费", "spent_on": date(2026, 1, 5), "amount": "30000"}
    )
    cost = services.campaign_cost_add(
        actor=units.alice, campaign=fair, data={"item": "印刷", "spent_on": date(2026, 1, 6), "amount": "2500.50"}
    )
    fair.refresh_from_db()
    assert fair.actual_cost == Decimal("32500.50")
    services.campaign_cost_delete(actor=units.alice, cost=cost)
    fair.refresh_from_db()
    assert fair.actual_cost == Decimal("30000")


def test_bad_fields_are_refused_by_field_and_nothing_is_saved(units: TwoUnits) -> None:
    with pytest.raises(ValidationError) as refused:
        campaign(units.alice, name=" ", kind="nonsense", ends_on=date(2026, 8, 1), budget="-1")
    assert set(refused.value.message_dict) == {"name", "kind", "ends_on", "budget"}
    fair = campaign(units.alice)
    with pytest.raises(ValidationError) as refused:
        services.campaign_cost_add(
            actor=units.alice, campaign=fair, data={"item": "", "spent_on": date(2099, 1, 1), "amount": "0"}
        )
    assert set(refused.value.message_dict) == {"item", "spent_on", "amount"}
    assert not fair.costs.exists()


def test_the_launch_takes_each_person_once_from_overlapping_filters(units: TwoUnits) -> None:
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001", "zhang@huaxin.cn")
    customer(units.alice, "上海明达机械有限公司", "13900000002")
    lead(units.alice, "刘洋", "13900000003", "苏州恒力")
    fair = campaign(units.alice)
    services.campaign_source_add(actor=units.alice, campaign=fair, kind="customers", label="全部客户", query="")
    services.campaign_source_add(
        actor=units.alice, campaign=fair, kind="customers", label="华信", query="/customers/?q=华信"
    )
    services.campaign_source_add(actor=units.alice, campaign=fair, kind="contacts", label="联系人", query="q=华信")
    services.campaign_source_add(actor=units.alice, campaign=fair, kind="leads", label="线索", query="")
    done = services.campaign_launch(actor=units.alice, campaign=fair)
    assert done["members"] == 3  # 华信's primary contact once, 明达's, and the lead
    member = CampaignMember.objects.get(campaign=fair, customer=huaxin)
    assert (member.email, member.mobile, member.company) == ("zhang@huaxin.cn", "13900000001", "上海华信科技有限公司")
    with pytest.raises(Conflict):
        services.campaign_launch(actor=units.alice, campaign=fair)


def test_an_empty_audience_is_refused_at_launch(units: TwoUnits) -> None:
    fair = campaign(units.alice)
    services.campaign_source_add(actor=units.alice, campaign=fair, kind="customers", label="无", query="q=不存在的公司")
    with pytest.raises(DomainError) as refused:
        services.campaign_launch(actor=units.alice, campaign=fair)
    assert refused.value.code == "empty_audience"
    fair.refresh_from_db()
    assert fair.status == CampaignStatus.PLANNED


def test_the_audience_is_what_the_launcher_may_see(units: TwoUnits) -> None:
    customer(units.bella, "杭州西湖贸易有限公司", "13900000009")
    customer(units.alice, "上海华信科技有限公司", "13900000001")
    fair = campaign(units.alice)
    services.campaign_source_add(actor=units.alice, campaign=fair, kind="customers", label="全部", query="")
    assert services.campaign_launch(actor=units.alice, campaign=fair)["members"] == 1


def test_members_added_by_hand_are_counted_and_outsiders_cannot_touch_the_campaign(units: TwoUnits) -> None:
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001")
    fair = campaign(units.alice)
    done = services.campaign_members_add(
        actor=units.alice, campaign=fair, kind="customer", ids=[huaxin.pk, huaxin.pk, 999999]
    )
    assert done == {"added": 1, "already": 0, "opted_out": 0, "not_found": 1}
    again = services.campaign_members_add(actor=units.alice, campaign=fair, kind="customer", ids=[huaxin.pk])
    assert again["added"] == 0 and again["already"] == 1
    with pytest.raises(NotPermitted):
        services.campaign_members_add(actor=units.bella, campaign=fair, kind="customer", ids=[huaxin.pk])


def test_attribution_first_and_last_touch(units: TwoUnits) -> None:
    """Two campaigns touch the same customer: the fair first, the mailing later. The opportunity opened after
    both belongs to the fair under first touch and to the mailing under last touch; one opened between them
    belongs to the fair under both; the lead touched by both likewise."""
    alice = units.alice
    start = timezone.now() - timedelta(days=30)
    fair, mailing = campaign(alice), campaign(alice, "秋季邮件推广", kind="mailing")
    services.campaign_cost_add(
        actor=alice, campaign=fair, data={"item": "展位", "spent_on": date.today(), "amount": "10000"}
    )
    services.campaign_cost_add(
        actor=alice, campaign=mailing, data={"item": "邮件服务", "spent_on": date.today(), "amount": "2000"}
    )
    huaxin = customer(alice, "上海华信科技有限公司", "13900000001")
    prospect = lead(alice, "刘洋", "13900000003", "苏州恒力")
    services.response_record(campaign=fair, kind="attended", customer_id=huaxin.pk, at=start)
    services.response_record(campaign=fair, kind="registered", lead_id=prospect.pk, at=start)
    with time_machine.travel(start + timedelta(days=1), tick=False):
        between = open_opportunity(alice, huaxin, name="一期", amount="50000")
    services.response_record(campaign=mailing, kind="clicked", customer_id=huaxin.pk, at=start + timedelta(days=2))
    services.response_record(campaign=mailing, kind="clicked", lead_id=prospect.pk, at=start + timedelta(days=2))
    with time_machine.travel(start + timedelta(days=3), tick=False):
        after = open_opportunity(alice, huaxin, name="二期", amount="80000")
    opportunity_win(actor=alice, opportunity=after)
    opportunity_win(actor=alice, opportunity=between)
    first = selectors.results_for([fair.pk, mailing.pk], "first")
    last = selectors.results_for([fair.pk, mailing.pk], "last")
    assert (first[fair.pk].leads, first[fair.pk].opportunities, first[fair.pk].won_amount) == (1, 2, Decimal("130000"))
    assert (first[mailing.pk].leads, first[mailing.pk].opportunities) == (0, 0)
    assert (last[fair.pk].leads, last[fair.pk].opportunities, last[fair.pk].won_amount) == (0, 1, Decimal("50000"))
    assert (last[mailing.pk].leads, last[mailing.pk].opportunities, last[mailing.pk].won_amount) == (
        1,
        1,
        Decimal("80000"),
    )
    fair.refresh_from_db()
    report = selectors.campaign_report(actor=alice, campaign=fair)
    assert report["figures"]["first"]["roi"] == Decimal("1200.0")  # (130000 − 10000) ÷ 10000
    assert report["figures"]["first"]["per_lead"] == Decimal("10000.00")
    assert report["figures"]["last"]["per_lead"] is None


def test_a_lead_sent_through_the_campaigns_web_form_responds_to_it(units: TwoUnits) -> None:
    from guanxi.leads import webforms

    form = webforms.leadform_save(
        actor=units.ada,
        form=None,
        data={
            "name": "展会报名",
            "title": "展会报名",
            "thank_you": "谢谢",
            "fields": ["name", "mobile"],
            "required": ["name", "mobile"],
        },
    )
    fair = campaign(units.alice, web_form=form)
    token = webforms.webform_token(form)
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        new = webforms.webform_submit(
            form=form, data={"name": "王芳", "mobile": "13900000005"}, token=token, ip="10.0.0.1"
        )
    assert new is not None
    assert selectors.results_for([fair.pk], "first")[fair.pk].leads == 1
