"""What came back for each campaign, kept as data (``CampaignResult``, one row per campaign and attribution
model) so that the list reads stored figures instead of working out attribution for every campaign on every
view. The list and the campaign page read the same rows (``selectors.stored_results``), so their figures
agree.

A row is refreshed:

- when a response is recorded (``response_record`` marks the campaigns of everyone it names stale in its
  transaction; a stale or missing row is computed afresh when read, so the figures never lag a response);
- by the sweep ``marketing_results`` every minute: the campaigns touched by the customers and leads whose
  opportunities or leads changed since it last looked (their ``updated_at``), and the stale rows;
- by the full rebuild ``marketing_results_rebuild`` every night (and by hand: ``guanxi jobs run
  marketing_results_rebuild``), which also catches changes that leave ``updated_at`` alone (a deletion)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from guanxi.core.jobs import job
from guanxi.leads.models import Lead
from guanxi.sales.models import Opportunity

from .models import Campaign, CampaignResponse, CampaignResult, ResultsWatermark
from .selectors import MODELS, results_for, touched_by

CHUNK = 1000  # campaigns refreshed per transaction
MARGIN = timedelta(minutes=2)  # a change committed a little after its updated_at is still read


def campaigns_touching(*, customers: Iterable[int] = (), leads: Iterable[int] = ()) -> set[int]:
    """The campaigns whose results may change when these customers' or leads' touches or deals change."""
    customers, leads = [pk for pk in set(customers) if pk], [pk for pk in set(leads) if pk]
    if not customers and not leads:
        return set()
    found: set[int] = set()
    for start in range(0, max(len(customers), len(leads)), CHUNK):
        some_customers, some_leads = customers[start : start + CHUNK], leads[start : start + CHUNK]
        touching = (
            Q(customer_id__in=some_customers) | Q(lead__customer_id__in=some_customers) | Q(lead_id__in=some_leads)
        )
        found |= set(CampaignResponse.objects.filter(touching).values_list("campaign_id", flat=True).distinct())
    return found


def mark_stale(campaigns: Iterable[int]) -> None:
    campaigns = list(campaigns)
    for start in range(0, len(campaigns), CHUNK):
        CampaignResult.objects.filter(campaign_id__in=campaigns[start : start + CHUNK], stale=False).update(stale=True)


def refresh(campaigns: Iterable[int]) -> int:
    """Work out and store the campaigns' results under both models; returns how many campaigns."""
    campaigns = sorted(set(campaigns))
    for start in range(0, len(campaigns), CHUNK):
        _refresh(campaigns[start : start + CHUNK])
    return len(campaigns)


@transaction.atomic
def _refresh(ids: list[int]) -> None:
    # the rows are locked first: a response recorded meanwhile marks them stale after this commits, not before
    list(CampaignResult.objects.filter(campaign_id__in=ids).select_for_update().values_list("pk", flat=True))
    now = timezone.now()
    touched = touched_by(ids)
    rows = [
        CampaignResult(
            campaign_id=pk,
            model=model,
            leads=result.leads,
            opportunities=result.opportunities,
            won=result.won,
            won_amount=result.won_amount,
            stale=False,
            refreshed_at=now,
        )
        for model in MODELS
        for pk, result in results_for(ids, model, touched).items()
    ]
    CampaignResult.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["campaign", "model"],
        update_fields=["leads", "opportunities", "won", "won_amount", "stale", "refreshed_at"],
        batch_size=500,
    )


@job("marketing_results")
def refresh_changed(at: datetime) -> str:
    """The campaigns touched by opportunities and leads changed since the last look, and the stale rows."""
    with transaction.atomic():
        mark = ResultsWatermark.objects.select_for_update().first()
        if mark is None:
            ResultsWatermark.objects.create(checked_until=at)
            return rebuild(at)
        since = mark.checked_until - MARGIN
        deals = Opportunity.all_objects.filter(updated_at__gte=since, updated_at__lte=at)
        leads = Lead.all_objects.filter(updated_at__gte=since, updated_at__lte=at)
        lead_rows = list(leads.values_list("pk", "customer_id"))
        campaigns = campaigns_touching(
            customers=[*deals.values_list("customer_id", flat=True), *(customer for _pk, customer in lead_rows)],
            leads=[pk for pk, _customer in lead_rows],
        )
        campaigns |= set(CampaignResult.objects.filter(stale=True).values_list("campaign_id", flat=True))
        mark.checked_until = max(mark.checked_until, at)
        mark.save(update_fields=["checked_until"])
        return f"{refresh(campaigns)} campaigns' results refreshed"


@job("marketing_results_rebuild")
def rebuild(at: datetime) -> str:
    """Every campaign's results worked out again (the nightly safety net)."""
    CampaignResult.objects.exclude(campaign__in=Campaign.objects.all()).delete()  # deleted campaigns
    return f"{refresh(Campaign.objects.values_list('pk', flat=True))} campaigns' results rebuilt"
