"""The campaigns' stored results (``results.py``) against a fresh computation of attribution: after each of a
series of changes, once the sweep has run, the stored rows equal what ``results_for`` works out; a new
response shows at once (its campaigns' rows are marked stale and computed afresh when read); the list and
the campaign page read the same figures."""

from datetime import date, timedelta

from django.utils import timezone

from guanxi.core.jobs import run_job
from guanxi.marketing.campaigns import selectors, services
from guanxi.marketing.campaigns.models import Campaign, CampaignResult
from guanxi.marketing.campaigns.selectors import Results
from guanxi.sales.services import opportunity_lose, opportunity_win
from tests.conftest import TwoUnits
from tests.sales.conftest import open_opportunity

from .conftest import campaign, customer, lead


def _stored(ids: list[int], model: str) -> dict[int, Results]:
    rows = CampaignResult.objects.filter(campaign_id__in=ids, model=model)
    assert not rows.filter(stale=True).exists()
    return {
        row.campaign_id: Results(row.leads, row.opportunities, row.won, row.won_amount) for row in rows.order_by("pk")
    }


def _assert_stored_equals_fresh(ids: list[int]) -> None:
    run_job("marketing_results", at=timezone.now())
    for model in selectors.MODELS:
        assert _stored(ids, model) == selectors.results_for(ids, model)


def test_the_stored_results_equal_a_fresh_computation_after_each_change(units: TwoUnits) -> None:
    alice = units.alice
    fair, mailing = campaign(alice), campaign(alice, "秋季邮件推广", kind="mailing")
    services.campaign_cost_add(
        actor=alice, campaign=fair, data={"item": "展位", "spent_on": date.today(), "amount": "10000"}
    )
    ids = [fair.pk, mailing.pk]
    huaxin = customer(alice, "上海华信科技有限公司", "13900000001")
    mingda = customer(alice, "上海明达机械有限公司", "13900000002")
    prospect = lead(alice, "刘洋", "13900000003", "苏州恒力")
    _assert_stored_equals_fresh(ids)  # the first run rebuilds every campaign: nothing came back yet
    assert _stored(ids, "first")[fair.pk] == Results()

    earlier = timezone.now() - timedelta(days=3)
    services.response_record(campaign=fair, kind="attended", customer_id=huaxin.pk, at=earlier)
    services.response_record(campaign=fair, kind="registered", lead_id=prospect.pk, at=earlier)
    # shown before the sweep runs: the rows are stale, so they are worked out when read
    assert CampaignResult.objects.filter(campaign=fair, stale=True).count() == 2
    assert selectors.stored_results(ids, "first")[fair.pk].leads == 1
    _assert_stored_equals_fresh(ids)

    first = open_opportunity(alice, huaxin, name="一期", amount="50000")
    _assert_stored_equals_fresh(ids)
    assert _stored(ids, "first")[fair.pk].opportunities == 1

    services.response_record(campaign=mailing, kind="clicked", customer_id=huaxin.pk, at=earlier + timedelta(days=1))
    services.response_record(campaign=mailing, kind="clicked", lead_id=prospect.pk, at=earlier + timedelta(days=1))
    _assert_stored_equals_fresh(ids)
    assert (_stored(ids, "last")[mailing.pk].leads, _stored(ids, "last")[fair.pk].leads) == (1, 0)

    opportunity_win(actor=alice, opportunity=first)
    second = open_opportunity(alice, huaxin, name="二期", amount="80000")
    _assert_stored_equals_fresh(ids)
    assert _stored(ids, "first")[fair.pk].won_amount == 50000

    services.response_record(campaign=mailing, kind="replied", customer_id=mingda.pk, at=earlier)
    open_opportunity(alice, mingda, name="明达", amount="9000")
    opportunity_lose(actor=alice, opportunity=second, reason="price")
    _assert_stored_equals_fresh(ids)
    assert _stored(ids, "first")[mailing.pk].opportunities == 1

    # the nightly rebuild gives the same figures
    run_job("marketing_results_rebuild", at=timezone.now())
    for model in selectors.MODELS:
        assert _stored(ids, model) == selectors.results_for(ids, model)

    # the list's rows and the campaign page show the same figures
    rows = list(Campaign.objects.filter(pk__in=ids))
    for model in selectors.MODELS:
        selectors.label_rows(rows, model)
        for row in rows:
            figures = selectors.campaign_report(actor=alice, campaign=row)["figures"][model]
            shown = row.results
            assert (figures["leads"], figures["opportunities"], figures["won_amount"]) == (
                shown.leads,
                shown.opportunities,
                shown.won_amount,
            )
