"""Funnel and conversion (SPEC §12.5): the opportunities of a pipeline by stage with how far they got;
wins and losses by result, reason and competitor; leads by source."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from guanxi.leads.models import Channel as LeadChannel
from guanxi.leads.models import Lead, LeadStatus
from guanxi.org.models import User
from guanxi.sales import selectors as sales_selectors
from guanxi.sales.models import Competitor, Opportunity, Pipeline, Stage, StageChange, Status

from ..framework import (
    Dimension,
    ExtraFilter,
    Filters,
    Measure,
    Period,
    Report,
    Row,
    rate,
    register_report,
)
from . import labels

OPPORTUNITY_LIST = {"owner": "owner"}


def _pipeline_field(actor: User) -> forms.ModelChoiceField[Pipeline]:
    return forms.ModelChoiceField(
        sales_selectors.pipelines_visible(actor=actor), label=_("Pipeline"), required=False, empty_label=None
    )


def _default_pipeline(actor: User) -> Pipeline | None:
    return sales_selectors.pipeline_for(actor=actor)


PIPELINE = ExtraFilter(
    "pipeline", _pipeline_field, lambda rows, value: rows.filter(pipeline=value), "pipeline", initial=_default_pipeline
)


def _stage_labels(pipeline: Pipeline | None) -> dict[Any, str]:
    if pipeline is None:
        return {}
    stages = Stage.objects.filter(pipeline=pipeline).order_by("sort_order", "pk")
    return {stage.pk: stage.shown_name for stage in stages}


def funnel_rows(report: Report, rows: QuerySet[Any], filters: Filters, period: Period | None) -> list[Row]:
    """Each stage of the pipeline in order: the opportunities in it now (count, amount), how many reached it
    and the conversion from the stage before. An open opportunity reached the stages up to the one it is in,
    a won one every stage, a lost one those up to the stage it was lost from (its last stage change). Two
    GROUP BYs over indexed columns, whatever the number of opportunities."""
    pipeline = filters.extra.get("pipeline")
    if pipeline is None:
        return []
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("sort_order", "pk"))
    order = {stage.pk: stage.sort_order for stage in stages}
    now = {
        line["stage"]: line
        for line in rows.order_by().values("stage").annotate(count=Count("pk"), amount=Sum("amount"))
    }
    lost_from: dict[int, int] = {}
    lost = StageChange.objects.filter(
        kind=StageChange.Kind.LOSE, left_at__isnull=True, opportunity__in=rows.filter(status=Status.LOST).values("pk")
    )
    for line in lost.order_by().values("from_stage").annotate(count=Count("opportunity")):
        position = order.get(line["from_stage"])
        if position is not None:
            lost_from[position] = lost_from.get(position, 0) + line["count"]
    # time in stage: the finished stays (entered, then left) of these opportunities, averaged per stage
    stays = StageChange.objects.filter(opportunity__in=rows.values("pk"), left_at__isnull=False)
    stay = ExpressionWrapper(F("left_at") - F("at"), output_field=DurationField())
    days = {
        line["to_stage"]: Decimal(line["average"].total_seconds() / 86400).quantize(Decimal("0.1"))
        for line in stays.order_by().values("to_stage").annotate(average=Avg(stay))
        if line["average"] is not None
    }
    won = sum(now[stage.pk]["count"] for stage in stages if stage.kind == Stage.Kind.WON and stage.pk in now)
    furthest = dict(lost_from)  # sort order of the furthest stage → how many got no further
    for stage in stages:
        if stage.kind == Stage.Kind.OPEN and stage.pk in now:
            furthest[stage.sort_order] = furthest.get(stage.sort_order, 0) + now[stage.pk]["count"]
    answer: list[Row] = []
    before: int | None = None
    for stage in stages:
        reached: int | None
        if stage.kind == Stage.Kind.LOST:
            reached = None
        elif stage.kind == Stage.Kind.WON:
            reached = won
        else:
            reached = won + sum(count for position, count in furthest.items() if position >= stage.sort_order)
        figures = now.get(stage.pk, {})
        values: dict[str, Any] = {
            "count": figures.get("count", 0),
            "amount": figures.get("amount") or Decimal("0"),
            "reached": reached,
            "conversion": None,
            "days": days.get(stage.pk),
        }
        if reached is not None and before:
            values["conversion"] = (Decimal(reached) * 100 / Decimal(before)).quantize(Decimal("0.1"))
        if reached is not None:
            before = reached
        answer.append(Row(stage.pk, stage.shown_name, values))
    return answer


FUNNEL = Report(
    name="funnel",
    title=_("Sales funnel"),
    description=_(
        "Opportunities created in the period, by stage: how many are in each stage now and their amount, how many "
        "reached it, the conversion from the stage before, and how many days they stayed in it on average."
    ),
    model=Opportunity,
    module="opportunities",
    period_field="created_at",
    dimensions=(Dimension("stage", _("Stage"), "stage", list_param="stage"),),
    measures=(
        Measure("count", _("Opportunities now in the stage"), Count("pk")),
        Measure("amount", _("Amount now in the stage"), Sum("amount"), kind="money"),
        Measure("reached", _("Reached the stage"), derive=lambda values: values.get("reached")),
        Measure("conversion", _("Conversion from the stage before"), kind="percent", derive=lambda values: None),
        Measure("days", _("Average days in the stage"), kind="decimal", derive=lambda values: values.get("days")),
    ),
    group="sales",
    chart="funnel",
    chart_measures=("reached",),
    default_period="year",
    extra_filters=(PIPELINE,),
    list_url="sales:list",
    list_params={"date_from": "created_from", "date_to": "created_to", **OPPORTUNITY_LIST},
    compute=funnel_rows,
    order=10,
)


def _closed(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.filter(status__in=[Status.WON, Status.LOST])


def _competitors(keys: list[Any]) -> dict[Any, str]:
    return dict(Competitor.all_objects.filter(pk__in=keys).values_list("pk", "name"))


WIN_LOSS = Report(
    name="win_loss",
    title=_("Wins and losses"),
    description=_("Opportunities closed in the period: won and lost, by result, owner or source, and the win rate."),
    model=Opportunity,
    module="opportunities",
    period_field="closed_at",
    dimensions=(
        Dimension("status", _("Result"), "status", labels.choices(Status), list_param="status"),
        Dimension("owner", _("Owner"), "owner", labels.people, list_param="owner"),
        Dimension("source", _("Source"), "source", labels.dictionary("customer_source"), list_param="source"),
        Dimension(
            "stage_pipeline",
            _("Pipeline"),
            "pipeline",
            lambda keys: dict(Pipeline.objects.filter(pk__in=keys).values_list("pk", "name")),
            list_param="pipeline",
        ),
    ),
    measures=(
        Measure("count", _("Closed"), Count("pk")),
        Measure("won", _("Won"), Count("pk", filter=Q(status=Status.WON))),
        Measure("lost", _("Lost"), Count("pk", filter=Q(status=Status.LOST))),
        Measure("won_amount", _("Amount won"), Sum("amount", filter=Q(status=Status.WON)), kind="money"),
        Measure("win_rate", _("Win rate"), kind="percent", derive=rate("won", "count")),
    ),
    group="sales",
    chart="bar",
    base=_closed,
    list_url="sales:list",
    list_params={"date_from": "closed_from", "date_to": "closed_to", **OPPORTUNITY_LIST},
    list_fixed={"status": "closed"},
    order=20,
)


def _lost(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.filter(status=Status.LOST)


LOSSES = Report(
    name="losses",
    title=_("Lost opportunities by reason and competitor"),
    description=_("Opportunities lost in the period, by the reason given or the competitor who won them."),
    model=Opportunity,
    module="opportunities",
    period_field="closed_at",
    dimensions=(
        Dimension(
            "reason", _("Loss reason"), "loss_reason", labels.dictionary("loss_reason"), list_param="loss_reason"
        ),
        Dimension("competitor", _("Winning competitor"), "winning_competitor", _competitors, list_param="competitor"),
        Dimension("owner", _("Owner"), "owner", labels.people, list_param="owner"),
    ),
    measures=(
        Measure("count", _("Lost"), Count("pk")),
        Measure("amount", _("Amount lost"), Sum("amount"), kind="money"),
    ),
    group="sales",
    chart="pareto",
    base=_lost,
    list_url="sales:list",
    list_params={"date_from": "closed_from", "date_to": "closed_to", **OPPORTUNITY_LIST},
    list_fixed={"status": Status.LOST},
    order=30,
)


LEAD_SOURCES = Report(
    name="lead_sources",
    title=_("Lead sources"),
    description=_(
        "Leads created in the period by source or channel: how many, how many became customers, how many were invalid."
    ),
    model=Lead,
    module="leads",
    period_field="created_at",
    dimensions=(
        Dimension("source", _("Source"), "source", labels.dictionary("customer_source"), list_param="source"),
        Dimension("channel", _("Channel"), "channel", labels.choices(LeadChannel), list_param="channel"),
        Dimension("owner", _("Owner"), "owner", labels.people, list_param="owner"),
        Dimension("day", _("Day"), day=True),
    ),
    measures=(
        Measure("count", _("Leads"), Count("pk")),
        Measure("converted", _("Converted"), Count("pk", filter=Q(status=LeadStatus.CONVERTED))),
        Measure("invalid", _("Invalid"), Count("pk", filter=Q(status=LeadStatus.INVALID))),
        Measure("conversion", _("Conversion rate"), kind="percent", derive=rate("converted", "count")),
    ),
    group="sales",
    chart="bar",
    list_url="leads:list",
    list_params={"date_from": "created_from", "date_to": "created_to", "owner": "owner"},
    order=40,
)


def lead_response_rows(report: Report, rows: QuerySet[Any], filters: Filters, period: Period | None) -> list[Row]:
    """Leads created in the period, per owner: how many, how many were followed up, and the average hours from
    the lead's creation to its first follow-up (a follow-up recorded about the lead)."""
    from django.contrib.contenttypes.models import ContentType

    from guanxi.activities.models import FollowUp

    first = Subquery(
        FollowUp.objects.filter(related_type=ContentType.objects.get_for_model(Lead), related_id=OuterRef("pk"))
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    figures: dict[Any, dict[str, Any]] = {}
    for owner, created, answered in rows.order_by().annotate(first=first).values_list("owner", "created_at", "first"):
        line = figures.setdefault(owner, {"count": 0, "responded": 0, "hours": Decimal(0)})
        line["count"] += 1
        if answered is not None:
            line["responded"] += 1
            line["hours"] += Decimal(max((answered - created).total_seconds(), 0)) / 3600
    names = labels.people([owner for owner in figures if owner is not None])
    answer = []
    for owner, line in figures.items():
        hours = (line.pop("hours") / line["responded"]).quantize(Decimal("0.1")) if line["responded"] else None
        values = {**line, "response_rate": rate("responded", "count")(line), "hours": hours}
        answer.append(Row(owner, names.get(owner) or str(_("Not assigned")), values))
    return sorted(answer, key=lambda row: (-row.values["count"], row.label))


LEAD_RESPONSE = Report(
    name="lead_response",
    title=_("Lead response time"),
    description=_(
        "Leads created in the period, per owner: how many were followed up and the average hours from a lead's "
        "arrival to its first follow-up."
    ),
    model=Lead,
    module="leads",
    period_field="created_at",
    dimensions=(Dimension("owner", _("Owner"), "owner", labels.people, list_param="owner"),),
    measures=(
        Measure("count", _("Leads"), Count("pk")),
        Measure("responded", _("Followed up"), Count("pk")),
        Measure("response_rate", _("Followed-up rate"), kind="percent", derive=rate("responded", "count")),
        Measure("hours", _("Average hours to the first follow-up"), kind="decimal"),
    ),
    group="activity",
    chart="bar",
    chart_measures=("hours",),
    compute=lead_response_rows,
    list_url="leads:list",
    list_params={"date_from": "created_from", "date_to": "created_to", "owner": "owner"},
    order=85,
)


def register() -> None:
    for report in (FUNNEL, WIN_LOSS, LOSSES, LEAD_SOURCES, LEAD_RESPONSE):
        register_report(report)
