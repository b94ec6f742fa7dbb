"""Marketing (SPEC §11). Targets from the marketing issue: a send to 200,000 recipients planned (audience
resolved, opt-outs, caps and duplicates applied) in ≤ 20 s; delivered to the outbox provider at ≥ 500
messages a second (here one worker's batch of 5,000 in ≤ 10 s); the campaign page with its ROI ≤ 200 ms
p95 among 1,000 campaigns. Jobs run in a transaction that is rolled back, so runs compare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from guanxi.marketing.campaigns.models import Campaign, CampaignResponse
from guanxi.marketing.messages import sending
from guanxi.marketing.messages.models import Delivery, Message, MessageTemplate

from .dataset_marketing import BIG
from .harness import NotBuilt, Picks, Probe, case, has_text, url

PLAN_MS, DELIVER_MS, PAGE_MS = 20_000, 10_000, 200
DELIVER_BATCH = 5000


class _Undo(Exception):
    pass


def _rolled_back(job: Callable[[], Any]) -> Any:
    try:
        with transaction.atomic():
            raise _Undo(job())
    except _Undo as undo:
        return undo.args[0]


def _big() -> tuple[Campaign, MessageTemplate]:
    campaign = Campaign.objects.filter(name=BIG).first()
    template = MessageTemplate.objects.filter(name="基准短信").first()
    if campaign is None or template is None:
        raise NotBuilt("the marketing dataset (tests/bench/dataset_marketing.py)")
    return campaign, template


def _message(campaign: Campaign, template: MessageTemplate) -> Message:
    return Message.objects.create(
        business_unit_id=campaign.business_unit_id, campaign=campaign, template=template, channel="sms",
        owner_id=campaign.owner_id,
    )  # fmt: skip


@case("campaign page with ROI (1,000 campaigns)", target_ms=PAGE_MS, group="marketing")
def campaign_page(picks: Picks) -> Probe:
    busiest = CampaignResponse.objects.values("campaign").order_by("campaign").first()
    if busiest is None:
        raise NotBuilt("campaign responses")
    campaign = Campaign.objects.get(pk=busiest["campaign"])
    return Probe(picks.admin, url("marketing:campaign", campaign.pk), check=has_text("campaign-results"))


@case("campaign list with totals (1,000 campaigns)", target_ms=300, group="marketing")
def campaign_list(picks: Picks) -> Probe:
    return Probe(picks.admin, url("marketing:campaigns"), check=has_text("campaign-totals"))


@case("plan a send to the big campaign's members", target_ms=PLAN_MS, group="marketing")
def plan_send(picks: Picks) -> Probe:
    campaign, template = _big()
    members = campaign.members.count()

    def run(n: int) -> str | None:
        def job() -> int:
            message = _message(campaign, template)
            return sending.plan(message.pk, at=timezone.now().replace(hour=4))  # planned in daytime UTC

        planned = _rolled_back(job)
        return None if 0 < planned <= members else f"planned {planned} of {members} members"

    return Probe(picks.admin, f"plan ({members:,} members)", run=run, repeat=1)


@case("deliver 5,000 SMS to the outbox", target_ms=DELIVER_MS, group="marketing")
def deliver_outbox(picks: Picks) -> Probe:
    campaign, template = _big()

    def run(n: int) -> str | None:
        def job() -> str:
            message = _message(campaign, template)
            at = timezone.now()
            rows = list(campaign.members.order_by("pk").values_list("pk", "mobile")[:DELIVER_BATCH])
            Delivery.objects.bulk_create(
                Delivery(
                    message=message,
                    campaign=campaign,
                    template=template,
                    member_id=pk,
                    channel="sms",
                    business_unit_id=campaign.business_unit_id,
                    person=f"{mobile}#{n}",
                    due_at=at,
                )
                for pk, mobile in rows
            )
            Message.objects.filter(pk=message.pk).update(status="sending")
            total = 0
            while batch := sending._claim(at):
                total += sending._send(batch, at.replace(hour=4))[0]
            return f"{total} {len(rows)}"

        sent, wanted = map(int, str(_rolled_back(job)).split())
        return None if sent == wanted else f"sent {sent} of {wanted}"

    return Probe(picks.admin, f"deliver ({DELIVER_BATCH:,} SMS)", run=run, repeat=1)
