"""Moving an opportunity through its pipeline's stages, with the approval a stage may ask for."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.texts import Text
from guanxi.org.models import User

from ..models import (
    Opportunity,
    Stage,
    StageChange,
    Status,
)
from .common import StageRequirementsMissing, _locked, _locked_for_edit, _missing_for, _save

# --- stage moves ----------------------------------------------------------------------------------------


def _enter(
    actor: User, opportunity: Opportunity, stage: Stage, *, kind: str, probability: int, note: str = ""
) -> StageChange:
    """Close the current stay and open one in ``stage`` (the opportunity row is already locked)."""
    now = timezone.now()
    StageChange.objects.filter(opportunity=opportunity, left_at__isnull=True).update(left_at=now)
    change = StageChange.objects.create(
        opportunity=opportunity,
        kind=kind,
        from_stage_id=opportunity.stage_id,
        to_stage=stage,
        at=now,
        by=actor,
        probability=probability,
        note=note[:300],
    )
    opportunity.stage, opportunity.stage_entered_at, opportunity.probability = stage, now, probability
    return change


@transaction.atomic
def opportunity_move(*, actor: User, opportunity: Opportunity, stage: Stage, note: str = "") -> Opportunity:
    """Move an open opportunity to another open stage of its pipeline (the board's drag and drop). The stage's
    requirements must be met; a stage that needs approval waits for a manager unless the actor may approve.
    The probability becomes the stage's default."""
    row = _locked_for_edit(actor, opportunity)
    if row.status != Status.OPEN:
        raise DomainError(_("Reopen the opportunity before moving it."), code="not_open")
    if stage.pipeline_id != row.pipeline_id or not stage.is_active:
        raise DomainError(_("Choose a stage of the opportunity's pipeline."), field="stage")
    if not stage.is_open:
        raise DomainError(_("Win or lose the opportunity to close it."), field="stage", code="closing_stage")
    if stage.pk == row.stage_id:
        return row
    missing = _missing_for(stage, row)
    if missing:
        raise StageRequirementsMissing(stage, missing)
    if stage.needs_approval and not has_perm(actor, "opportunities.approve"):
        return _request_approval(actor, row, stage)
    before = snapshot(row, ["stage", "probability"])
    _enter(actor, row, stage, kind=StageChange.Kind.MOVE, probability=stage.probability, note=note)
    row.pending_stage = row.pending_by = None
    _save(row, ["stage", "stage_entered_at", "probability", "pending_stage", "pending_by"])
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=diff(before, snapshot(row, ["stage", "probability"])))
    return row


def _request_approval(actor: User, row: Opportunity, stage: Stage) -> Opportunity:
    from django.urls import reverse

    from guanxi.core.notifications.services import notify

    row.pending_stage, row.pending_by = stage, actor
    _save(row, ["pending_stage", "pending_by"])
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=row,
        changes={"pending_stage": [None, stage.pk]},
        note=str(_("Approval requested to enter %(stage)s") % {"stage": stage.shown_name}),
    )
    approvers = _approvers(row)
    if approvers:
        notify(
            recipients=approvers,
            kind="opportunity_approval",
            title=Text(
                gettext_noop("%(actor)s asks to move %(name)s to %(stage)s"),
                actor=actor,
                name=row.name,
                stage=stage.label,
            ),
            url=reverse("sales:opportunity", args=[row.pk]),
            obj=row,
        )
    return row


def _approvers(row: Opportunity) -> list[User]:
    """Who is asked: the owner's manager (the department lead by default) when they may approve."""
    owner = row.owner
    candidates = [owner.manager] if getattr(owner, "manager", None) else []
    if owner.department and owner.department.lead_id and owner.department.lead not in candidates:
        candidates.append(owner.department.lead)
    return [user for user in candidates if user and user.pk != owner.pk and has_perm(user, "opportunities.approve")]


@transaction.atomic
def opportunity_decide_move(*, actor: User, opportunity: Opportunity, approve: bool, comment: str = "") -> Opportunity:
    """A manager approves (the move happens) or rejects the waiting stage move."""
    require_perm(actor, "opportunities.approve")
    if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
        raise NotPermitted(_("This opportunity is outside your data scope."))
    row = _locked(opportunity)
    stage = row.pending_stage
    if stage is None or row.status != Status.OPEN:
        raise DomainError(_("No stage move is waiting for approval."), code="nothing_pending")
    requester = row.pending_by
    row.pending_stage = row.pending_by = None
    if approve:
        before = snapshot(row, ["stage", "probability"])
        _enter(requester or actor, row, stage, kind=StageChange.Kind.MOVE, probability=stage.probability, note=comment)
        _save(row, ["stage", "stage_entered_at", "probability", "pending_stage", "pending_by"])
        changes = diff(before, snapshot(row, ["stage", "probability"]))
    else:
        _save(row, ["pending_stage", "pending_by"])
        changes = {"pending_stage": [stage.pk, None]}
    verdict = _("approved") if approve else _("rejected")
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes, note=f"{verdict} {comment}".strip())
    return row


def register() -> None:
    """The notification a stage move waiting for approval sends to its approvers."""
    from django.utils.translation import gettext_lazy

    from guanxi.core.notifications.kinds import register_kind

    register_kind("opportunity_approval", gettext_lazy("Stage moves waiting for my approval"))
