"""Competitors (SPEC §6.6): the unit's shared knowledge of whom its opportunities are up against."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.org.models import User

from ..models import Competitor
from ..selectors import competitors_visible

COMPETITOR_FIELDS = ["name", "website", "price_level", "strengths", "weaknesses", "remarks"]


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
