"""Reads of campaigns through the scope gate, and what came back (SPEC §11.1, "we spent this much; what was
the return?").

Attribution, stated on the page as it is computed here:

- **first touch**: a lead belongs to the campaign of its earliest response; an opportunity to the campaign
  of its customer's earliest response at or before the moment the opportunity was opened;
- **last touch**: the same with the latest response (for an opportunity, the latest before it was opened).

A customer's responses are those naming the customer, its contacts, or a lead converted into it. Won amount
is the amount of the attributed opportunities that were won; ROI = (won − actual cost) ÷ actual cost; cost
per lead = actual cost ÷ attributed leads. The figures count every result of a visible campaign; the lists
of leads and opportunities show only those the reader may see."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import chain
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.customers.models import Contact, Customer
from guanxi.leads.models import OPEN_STATUSES, Lead
from guanxi.org.models import User
from guanxi.sales.models import Opportunity, Status

from .models import (
    TYPE_DICTIONARY,
    Campaign,
    CampaignMember,
    CampaignResponse,
    CampaignResult,
    CampaignStatus,
    MemberKind,
    ResponseKind,
)

MODELS = ("first", "last")


@dataclass
class Results:
    leads: int = 0
    opportunities: int = 0
    won: int = 0
    won_amount: Decimal = field(default_factory=lambda: Decimal(0))


def roi(won: Decimal, cost: Decimal) -> Decimal | None:
    """Return on investment in per cent; None when nothing was spent."""
    if not cost:
        return None
    return ((won - cost) / cost * 100).quantize(Decimal("0.1"))


def per_lead(cost: Decimal, leads: int) -> Decimal | None:
    return (cost / leads).quantize(Decimal("0.01")) if leads else None


def _lead_touch(model: str) -> Subquery:
    order = ("at", "pk") if model == "first" else ("-at", "-pk")
    touches = CampaignResponse.objects.filter(lead_id=OuterRef("pk")).order_by(*order)
    return Subquery(touches.values("campaign_id")[:1])


Touch = tuple[datetime, int, int]  # (at, response, campaign)
Deal = tuple[int, int, datetime, str, Decimal]  # (opportunity, customer, opened, status, amount)
CHUNK = 1000  # customer ids per query: well below SQLite's limit on parameters


@dataclass
class Touched:
    """The customers the campaigns' responses name (directly or through a lead converted into them): each one's
    responses to any campaign in time order, and their opportunities."""

    touches: dict[int, list[Touch]]
    deals: list[Deal]


def touched_by(ids: list[int]) -> Touched:
    """A few indexed reads per thousand touched customers; attribution is then worked out here, in one pass
    (a correlated subquery per opportunity took seconds with a thousand campaigns)."""
    responses = CampaignResponse.objects.filter(campaign_id__in=ids)
    customers = set(responses.filter(customer_id__isnull=False).values_list("customer_id", flat=True))
    customers |= set(responses.filter(lead__customer_id__isnull=False).values_list("lead__customer_id", flat=True))
    ordered = sorted(customers)
    touches: dict[int, list[Touch]] = defaultdict(list)
    deals: list[Deal] = []
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        direct = CampaignResponse.objects.filter(customer_id__in=chunk)
        through_leads = CampaignResponse.objects.filter(lead__customer_id__in=chunk)
        for customer, at, pk, campaign in chain(
            direct.values_list("customer_id", "at", "pk", "campaign_id"),
            through_leads.values_list("lead__customer_id", "at", "pk", "campaign_id"),
        ):
            touches[customer].append((at, pk, campaign))
        opportunities = Opportunity.objects.filter(customer_id__in=chunk)
        deals += opportunities.values_list("pk", "customer_id", "created_at", "status", "amount")
    for found in touches.values():
        found.sort()
    return Touched(touches, deals)


def _attributed_opportunities(touched: Touched, ids: list[int], model: str) -> list[tuple[int, int, str, Decimal]]:
    """(opportunity, campaign, status, amount) of each opportunity attributed to one of the campaigns: its
    customer's first (or last) touch at or before the opportunity was opened."""
    times = {customer: [touch[0] for touch in found] for customer, found in touched.touches.items()}
    wanted, attributed = set(ids), []
    for pk, customer, opened, status, amount in touched.deals:
        before = bisect_right(times.get(customer, []), opened)
        if before:
            campaign = touched.touches[customer][0 if model == "first" else before - 1][2]
            if campaign in wanted:
                attributed.append((pk, campaign, status, amount or Decimal(0)))
    return attributed


def attributed_leads(ids: list[int], model: str) -> Any:
    touched = CampaignResponse.objects.filter(campaign_id__in=ids, lead_id__isnull=False).values("lead_id")
    return Lead.objects.filter(pk__in=touched).annotate(attributed=_lead_touch(model)).filter(attributed__in=ids)


def _attributed_leads(ids: list[int], model: str) -> list[int]:
    """The campaign of each lead attributed to one of the campaigns (its first or last response): every
    response of the leads the campaigns touched, one read, ordered here."""
    touched = CampaignResponse.objects.filter(campaign_id__in=ids, lead_id__isnull=False).values("lead_id")
    # "not a deleted lead" reads the few deleted ones by their index; joining the live ones scanned every lead
    deleted = Lead.all_objects.filter(pk=OuterRef("lead_id"), deleted_at__isnull=False)
    responses = CampaignResponse.objects.filter(lead_id__in=touched).exclude(Exists(deleted))
    chosen: dict[int, Touch] = {}
    for lead, *touch in responses.values_list("lead_id", "at", "pk", "campaign_id"):
        current = chosen.get(lead)
        if current is None or (tuple(touch) < current if model == "first" else tuple(touch) > current):
            chosen[lead] = tuple(touch)  # type: ignore[assignment]
    wanted = set(ids)
    return [campaign for _at, _pk, campaign in chosen.values() if campaign in wanted]


def results_for(ids: Iterable[int], model: str, touched: Touched | None = None) -> dict[int, Results]:
    """Each campaign's attributed leads, opportunities and won amount: a handful of queries, whatever the
    number of campaigns."""
    ids = list(ids)
    found = {pk: Results() for pk in ids}
    if not ids:
        return found
    for campaign in _attributed_leads(ids, model):
        found[campaign].leads += 1
    for _pk, campaign, status, amount in _attributed_opportunities(touched or touched_by(ids), ids, model):
        result = found[campaign]
        result.opportunities += 1
        if status == Status.WON:
            result.won += 1
            result.won_amount += amount
    return found


def stored_results(ids: Iterable[int], model: str) -> dict[int, Results]:
    """Each campaign's results: its stored row when fresh, else computed now (a new campaign, a stale row)."""
    ids = list(ids)
    found: dict[int, Results] = {}
    rows = CampaignResult.objects.filter(campaign_id__in=ids, model=model, stale=False)
    for campaign, leads, opportunities, won, amount in rows.values_list(
        "campaign_id", "leads", "opportunities", "won", "won_amount"
    ):
        found[campaign] = Results(leads, opportunities, won, amount)
    missing = [pk for pk in ids if pk not in found]
    return found | results_for(missing, model) if missing else found


def campaign_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Campaign]:
    rows = Campaign.objects.visible_to(actor).select_related("owner")
    filters = filters or {}
    for name in ("status", "kind", "owner"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("q"):
        rows = rows.filter(Q(name__icontains=filters["q"]) | Q(number=filters["q"]))
    if filters.get("year"):
        rows = rows.filter(starts_on__year=filters["year"])
    return rows.order_by("-starts_on", "-pk")


def list_results(rows: QuerySet[Campaign], model: str) -> dict[int, Results]:
    """What came back for each campaign the list finds (the first 5,000): the totals row and the page's rows
    read the same figures, as a campaign's results do not depend on which others are counted with it."""
    return stored_results(rows.order_by().values_list("pk", flat=True)[:5000], model)


def list_totals(rows: QuerySet[Campaign], results: dict[int, Results]) -> dict[str, Any]:
    """The totals row of the list: budget and actual cost of every campaign it finds, and what came back."""
    sums = rows.order_by().aggregate(count=Count("pk"), budget=Sum("budget"), cost=Sum("actual_cost"))
    leads = sum(result.leads for result in results.values())
    won = sum((result.won_amount for result in results.values()), Decimal(0))
    cost = sums["cost"] or Decimal(0)
    return {
        "count": sums["count"], "budget": sums["budget"] or Decimal(0), "cost": cost, "leads": leads,
        "opportunities": sum(result.opportunities for result in results.values()), "won": won,
        "roi": roi(won, cost), "per_lead": per_lead(cost, leads),
    }  # fmt: skip


def label_rows(campaigns: list[Campaign], model: str, results: dict[int, Results] | None = None) -> None:
    """Type labels and results for a page of the list (from ``results`` where it has them, else stored ones)."""
    labels = dictionary_labels(TYPE_DICTIONARY)
    results = results or {}
    results = results | stored_results([campaign.pk for campaign in campaigns if campaign.pk not in results], model)
    for campaign in campaigns:
        campaign.kind_label = labels.get(campaign.kind, campaign.kind)  # type: ignore[attr-defined]
        result = results[campaign.pk]
        campaign.results = result  # type: ignore[attr-defined]
        campaign.roi = roi(result.won_amount, campaign.actual_cost)  # type: ignore[attr-defined]
        campaign.per_lead = per_lead(campaign.actual_cost, result.leads)  # type: ignore[attr-defined]


def responses_by_kind(campaign: Campaign) -> list[tuple[str, str, int]]:
    counts = dict(campaign.responses.values("kind").annotate(n=Count("pk")).order_by().values_list("kind", "n"))
    return [(code, str(label), counts.get(code, 0)) for code, label in ResponseKind.choices]


def campaign_report(*, actor: User, campaign: Campaign) -> dict[str, Any]:
    """The campaign page's figures under both models (the stored results the list reads), the chart's data,
    and the reader's visible leads and opportunities (first touch)."""
    cost = campaign.actual_cost
    touched = touched_by([campaign.pk])
    figures: dict[str, dict[str, Any]] = {}
    for model in MODELS:
        result = stored_results([campaign.pk], model)[campaign.pk]
        figures[model] = {
            "leads": result.leads, "opportunities": result.opportunities, "won": result.won,
            "won_amount": result.won_amount, "roi": roi(result.won_amount, cost),
            "per_lead": per_lead(cost, result.leads),
        }  # fmt: skip
    leads = attributed_leads([campaign.pk], "first").filter(pk__in=Lead.objects.visible_to(actor).values("pk"))
    attributed = [pk for pk, *_rest in _attributed_opportunities(touched, [campaign.pk], "first")]
    opportunities = Opportunity.objects.visible_to(actor).filter(pk__in=attributed)
    chart = {
        "categories": [
            str(label) for label in (_("Budget"), _("Actual cost"), _("Won (first touch)"), _("Won (last touch)"))
        ],
        "values": [
            float(campaign.budget),
            float(cost),
            float(figures["first"]["won_amount"]),
            float(figures["last"]["won_amount"]),
        ],
    }
    return {
        "figures": figures,
        "chart": chart,
        "leads": list(leads.select_related("owner").order_by("-created_at")[:20]),
        "opportunities": list(opportunities.select_related("customer", "owner").order_by("-created_at")[:20]),
        "responses": responses_by_kind(campaign),
        "members": campaign.members.count(),
    }


OPEN = [CampaignStatus.PLANNED, CampaignStatus.ACTIVE]


# --- the member picker ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    kind: str
    pk: int
    name: str
    detail: str  # a contact's customer, a lead's company, a customer's number
    member: bool  # already a member of the campaign

    @property
    def kind_label(self) -> str:
        return str(MemberKind(self.kind).label)


def member_candidates(*, actor: User, campaign: Campaign, query: str, limit: int = 8) -> list[Candidate]:
    """Customers, contacts and open leads the actor can see whose name (or a lead's company) holds the words
    typed, up to ``limit`` of each, marked when already members."""
    text = " ".join(query.split())[:50]
    if not text:
        return []
    customers = list(Customer.objects.visible_to(actor).filter(name__icontains=text).order_by("name", "pk")[:limit])
    contacts = list(
        Contact.objects.visible_to(actor)
        .filter(name__icontains=text)
        .select_related("customer")
        .order_by("name", "pk")[:limit]
    )
    leads = list(
        Lead.objects.visible_to(actor)
        .filter(Q(name__icontains=text) | Q(company__icontains=text), status__in=OPEN_STATUSES)
        .order_by("name", "pk")[:limit]
    )
    members = CampaignMember.objects.filter(campaign=campaign)
    taken_customers = set(
        members.filter(kind=MemberKind.CUSTOMER, customer__in=[c.pk for c in customers]).values_list(
            "customer_id", flat=True
        )
    )
    taken_contacts = set(members.filter(contact__in=[c.pk for c in contacts]).values_list("contact_id", flat=True))
    taken_leads = set(members.filter(lead__in=[lead.pk for lead in leads]).values_list("lead_id", flat=True))
    return [
        *(Candidate(MemberKind.CUSTOMER, c.pk, c.name, c.number, c.pk in taken_customers) for c in customers),
        *(Candidate(MemberKind.CONTACT, c.pk, c.name, c.customer.name, c.pk in taken_contacts) for c in contacts),
        *(Candidate(MemberKind.LEAD, lead.pk, lead.name, lead.company, lead.pk in taken_leads) for lead in leads),
    ]
