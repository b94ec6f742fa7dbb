"""The pipelines a unit uses and the stages an opportunity starts and closes in."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError

from ..models import (
    Pipeline,
    Stage,
)

# --- pipelines ----------------------------------------------------------------------------------------


def pipelines_for_unit(unit_id: int | None) -> list[Pipeline]:
    from django.db.models import F, Q

    rows = Pipeline.objects.filter(Q(business_unit__isnull=True) | Q(business_unit_id=unit_id), is_active=True)
    return list(rows.order_by("-is_default", F("business_unit").asc(nulls_last=True), "sort_order", "pk"))


def default_pipeline(unit_id: int | None) -> Pipeline:
    pipelines = pipelines_for_unit(unit_id)
    if not pipelines:
        raise DomainError(_("No sales pipeline is set up; ask an administrator to create one."), field="pipeline")
    return pipelines[0]


def first_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("sort_order", "pk").first()
    if stage is None:
        raise DomainError(
            _("The pipeline “%(name)s” has no open stage.") % {"name": pipeline.shown_name}, field="stage"
        )
    return stage


def closing_stage(pipeline: Pipeline, kind: str) -> Stage:
    stage = pipeline.stages.filter(kind=kind).order_by("sort_order", "pk").first()
    if stage is None:
        raise DomainError(
            _("The pipeline “%(name)s” has no closing stage for this outcome.") % {"name": pipeline.shown_name}
        )
    return stage
