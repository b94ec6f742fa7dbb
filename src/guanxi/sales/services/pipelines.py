"""Pipelines and their stages (SPEC §6.2): the ones a unit uses, the stages an opportunity starts and closes in,
and the administrators' editor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.units import config_unit_check, config_unit_for_new
from guanxi.core.errors import DomainError
from guanxi.org.models import User

from ..models import Opportunity, Pipeline, Stage, StageChange
from .common import REQUIRABLE_FIELDS

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


# --- the editor -------------------------------------------------------------------------------------------

CONFIGURE = "pipelines.configure"
STAGE_FIELDS = ["name", "code", "kind", "probability", "required_fields", "needs_approval", "is_active", "sort_order"]
PIPELINE_FIELDS = ["name", "code", "is_default", "is_active", "sort_order"]


@transaction.atomic
def pipeline_save(
    *,
    actor: User,
    pipeline: Pipeline | None,
    data: Mapping[str, Any],
    stages: Sequence[tuple[Stage | None, Mapping[str, Any]]],
    delete: Sequence[Stage] = (),
) -> Pipeline:
    """Create or change a pipeline and its stages in one go. A pipeline keeps at least one open stage and
    exactly one active won and one active lost stage; a stage that opportunities have been in cannot be
    deleted — deactivate it instead. A new pipeline is the actor's unit's (group-wide when an all-units
    administrator creates it); a group-wide one is changed only with the all-units scope (SPEC §1.1)."""
    if pipeline is None:
        target = Pipeline(business_unit_id=config_unit_for_new(actor=actor, code=CONFIGURE))
    else:
        config_unit_check(actor=actor, code=CONFIGURE, unit_id=pipeline.business_unit_id)
        target = pipeline
    before = snapshot(target, PIPELINE_FIELDS) if pipeline else {}
    for name in PIPELINE_FIELDS:
        if name in data:
            setattr(target, name, data[name])
    target.name = _kept_name(target, (target.name or "").strip())
    target.code = slugify(target.code or "") or slugify(target.name, allow_unicode=False) or ""
    errors: dict[str, list[str]] = {}
    if not target.name:
        errors["name"] = [_("This field is required.")]
    if not target.code:
        errors.setdefault("code", []).append(_("Give a code of letters, digits and dashes, e.g. project."))
    elif Pipeline.objects.filter(code=target.code).exclude(pk=target.pk).exists():
        errors.setdefault("code", []).append(_("Another pipeline has this code."))
    deleting = {stage.pk for stage in delete if stage.pk}
    for stage in delete:
        if stage.pk and (
            Opportunity.all_objects.filter(stage=stage).exists() or StageChange.objects.filter(to_stage=stage).exists()
        ):
            errors.setdefault("stages", []).append(
                _("The stage “%(name)s” has opportunities; deactivate it instead.") % {"name": stage.name}
            )
    rows: list[Stage] = []
    for position, (existing, values) in enumerate(stages):
        if existing is not None and existing.pk in deleting:
            continue
        row = existing or Stage()
        if existing is not None:
            stored_kind = Stage.objects.filter(pk=existing.pk).values_list("kind", flat=True).first()
            changed = stored_kind is not None and values.get("kind", stored_kind) != stored_kind
            if changed and Opportunity.all_objects.filter(stage=existing).exists():
                errors.setdefault("stages", []).append(
                    _("The stage “%(name)s” has opportunities; its kind cannot change.") % {"name": existing.name}
                )
            if not values.get("is_active", True) and Opportunity.objects.filter(stage=existing).exists():
                errors.setdefault("stages", []).append(
                    _("Move the opportunities out of the stage “%(name)s” before deactivating it.")
                    % {"name": existing.name}
                )
        for name in STAGE_FIELDS:
            if name in values:
                setattr(row, name, values[name])
        row.name = _kept_name(row, (row.name or "").strip())
        row.code = slugify(row.code or "") or f"stage-{position + 1}"
        row.required_fields = [field for field in row.required_fields or [] if field in REQUIRABLE_FIELDS]
        if not row.name:
            errors.setdefault("stages", []).append(_("Every stage needs a name."))
        if not 0 <= int(row.probability or 0) <= 100:
            errors.setdefault("stages", []).append(_("A probability is between 0 and 100."))
        if row.kind != Stage.Kind.OPEN:
            row.required_fields, row.needs_approval = [], False
        rows.append(row)
    codes = [row.code for row in rows]
    if len(codes) != len(set(codes)):
        errors.setdefault("stages", []).append(_("Two stages of a pipeline cannot share a code."))
    active = [row for row in rows if row.is_active]
    kinds = [row.kind for row in active]
    if Stage.Kind.OPEN not in kinds:
        errors.setdefault("stages", []).append(_("A pipeline needs at least one active open stage."))
    if kinds.count(Stage.Kind.WON) != 1 or kinds.count(Stage.Kind.LOST) != 1:
        errors.setdefault("stages", []).append(_("A pipeline needs exactly one active won and one active lost stage."))
    if errors:
        raise ValidationError(errors)
    if target.is_default:  # one default per unit; a unit's own default comes before the group-wide one
        Pipeline.objects.exclude(pk=target.pk).filter(is_default=True, business_unit_id=target.business_unit_id).update(
            is_default=False
        )
    target.save()
    Stage.objects.filter(pk__in=deleting, pipeline=target).delete()
    for row in rows:
        row.pipeline = target
    # codes are unique per pipeline: free them before saving the new order
    for row in rows:
        if row.pk:
            Stage.objects.filter(pk=row.pk).update(code=f"~{row.pk}")
    for row in rows:
        row.save()
    audit_log(
        actor=actor,
        action=Action.UPDATE if pipeline else Action.CREATE,
        obj=target,
        changes={
            **diff(before, snapshot(target, PIPELINE_FIELDS)),
            "stages": [None, [f"{row.name} ({row.kind}, {row.probability}%)" for row in rows]],
        },
    )
    return target


def _kept_name(row: Pipeline | Stage, submitted: str) -> str:
    """A form sends back the name it showed: unchanged, a shipped name stays shipped. The stored row is read
    again, as the form already wrote the submitted values onto this one."""
    if row.pk is None:
        return submitted
    stored = type(row).objects.get(pk=row.pk)
    return stored.name if submitted == stored.shown_name else submitted


# --- competitors ----------------------------------------------------------------------------------------
