"""Writes on the sales configuration and shared knowledge: pipelines with their stages (SPEC §6.2, the admin
editor) and competitors (SPEC §6.6). Opportunities themselves are in ``services``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.units import config_unit_check, config_unit_for_new
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.org.models import User

from .models import Competitor, Opportunity, Pipeline, Stage, StageChange
from .selectors import competitors_visible
from .services import REQUIRABLE_FIELDS

CONFIGURE = "pipelines.configure"
STAGE_FIELDS = ["name", "code", "kind", "probability", "required_fields", "needs_approval", "is_active", "sort_order"]
PIPELINE_FIELDS = ["name", "code", "is_default", "is_active", "sort_order"]
COMPETITOR_FIELDS = ["name", "website", "price_level", "strengths", "weaknesses", "remarks"]


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


def _competitor_clean(competitor: Competitor) -> None:
    competitor.name = (competitor.name or "").strip()
    try:
        competitor.full_clean(exclude=["business_unit", "custom"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error


@transaction.atomic
def competitor_create(*, actor: User, data: Mapping[str, Any]) -> Competitor:
    require_perm(actor, "competitors.create")
    unit = actor.business_unit_id
    if unit is None:
        raise DomainError(_("You belong to no business unit; ask an administrator to place you in a department."))
    competitor = Competitor(**{name: value for name, value in data.items() if name in COMPETITOR_FIELDS})
    competitor.business_unit_id, competitor.created_by = unit, actor
    _competitor_clean(competitor)
    if Competitor.objects.filter(business_unit_id=unit, name=competitor.name).exists():
        raise Conflict(_("This competitor is already recorded."), field="name", code="duplicate_competitor")
    try:
        with transaction.atomic():
            competitor.save()
    except IntegrityError as error:
        raise Conflict(_("This competitor is already recorded."), field="name", code="duplicate_competitor") from error
    audit_log(
        actor=actor, action=Action.CREATE, obj=competitor, changes=diff({}, snapshot(competitor, COMPETITOR_FIELDS))
    )
    return competitor


@transaction.atomic
def competitor_update(*, actor: User, competitor: Competitor, version: int, data: Mapping[str, Any]) -> Competitor:
    require_perm(actor, "competitors.edit")
    if not competitors_visible(actor=actor).filter(pk=competitor.pk).exists():  # the actor's unit only
        raise NotPermitted(_("This competitor is outside your data scope."))
    before = snapshot(Competitor.objects.get(pk=competitor.pk), COMPETITOR_FIELDS)
    for name, value in data.items():
        if name in COMPETITOR_FIELDS:
            setattr(competitor, name, value)
    _competitor_clean(competitor)
    clash = Competitor.objects.filter(business_unit_id=competitor.business_unit_id, name=competitor.name)
    if clash.exclude(pk=competitor.pk).exists():
        raise Conflict(_("This competitor is already recorded."), field="name", code="duplicate_competitor")
    save_versioned(competitor, expected_version=version, fields=COMPETITOR_FIELDS)
    changes = diff(before, snapshot(competitor, COMPETITOR_FIELDS))
    if changes:
        audit_log(actor=actor, action=Action.UPDATE, obj=competitor, changes=changes)
    return competitor


@transaction.atomic
def competitor_delete(*, actor: User, competitor: Competitor) -> None:
    """Soft delete; the opportunities that named it keep the link."""
    require_perm(actor, "competitors.delete")
    if not competitors_visible(actor=actor).filter(pk=competitor.pk).exists():  # the actor's unit only
        raise NotPermitted(_("This competitor is outside your data scope."))
    Competitor.objects.filter(pk=competitor.pk).update(deleted_at=timezone.now())
    audit_log(actor=actor, action=Action.DELETE, obj=competitor)
