"""The demo's marketing: an exhibition with its event and check-ins, a mailing and an SMS promotion, each with
attributed leads or deals so that ROI shows real figures; loaded once."""

from io import StringIO

from guanxi.marketing import demo as marketing_demo
from guanxi.marketing.campaigns import selectors
from guanxi.marketing.campaigns.models import Campaign
from guanxi.marketing.events.models import Registration
from guanxi.marketing.messages.models import Delivery, OptOut


def test_three_campaigns_in_both_units_with_results_and_roi(demo: str, db: None) -> None:
    campaigns = {campaign.kind: campaign for campaign in Campaign.objects.select_related("business_unit")}
    assert set(campaigns) == {"exhibition", "mailing", "sms"}
    assert {campaign.business_unit.code for campaign in campaigns.values()} == {"industrial", "auto"}
    assert Registration.objects.filter(status="attended").count() >= 4
    assert Delivery.objects.filter(channel="email", status="sent", opened_at__isnull=False).exists()
    assert Delivery.objects.filter(channel="sms", status="sent").exists()
    assert OptOut.objects.filter(reason="reply").exists()
    for campaign in campaigns.values():
        first = selectors.results_for([campaign.pk], "first")[campaign.pk]
        assert first.won_amount > 0 and campaign.actual_cost > 0, campaign.name
        assert selectors.roi(first.won_amount, campaign.actual_cost) is not None
    assert selectors.results_for([campaigns["exhibition"].pk], "first")[campaigns["exhibition"].pk].leads >= 4
    counts = (Campaign.objects.count(), Delivery.objects.count())
    marketing_demo.load(StringIO())
    assert (Campaign.objects.count(), Delivery.objects.count()) == counts
