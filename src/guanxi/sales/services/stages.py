"""Moving an opportunity through its pipeline's stages, with the approval a stage may ask for."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import has_perm
from guanxi.core.texts import Text
from guanxi.org.models import User
from guanxi.workflows.models import ApprovalRequest

from ..models import (
    Opportunity,
    Stage,
    StageChange,
    Status,
)
from .common import StageRequirementsMissing, _fresh, _locked, _locked_for_edit, _missing_for, _save

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


STAGE_MOVE = "sales.stage_move"


def _request_approval(actor: User, row: Opportunity, stage: Stage) -> Opportunity:
    """The move waits in ``pending_stage`` while the approval engine asks the unit's stage-move flow (by
    default the owner's manager); ``_stage_move_decided`` finishes it."""
    from guanxi.workflows.services import approval_submit

    if row.pending_stage_id:
        raise DomainError(_("A stage move of this opportunity already waits for approval."), code="already_pending")
    row.pending_stage, row.pending_by = stage, actor
    _save(row, ["pending_stage", "pending_by"])
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=row,
        changes={"pending_stage": [None, stage.pk]},
        note=Text(gettext_noop("Approval requested to enter %(stage)s"), stage=stage.shown_name),
    )
    approval_submit(
        actor=actor,
        record_type=STAGE_MOVE,
        obj=row,
        unit=row.business_unit_id,
        title=f"{row.number} {row.name} → {stage.shown_name}",
        amount=row.amount,
    )
    return row


@transaction.atomic
def opportunity_decide_move(*, actor: User, opportunity: Opportunity, approve: bool, comment: str = "") -> Opportunity:
    """The approver of the waiting stage move decides it (the engine checks who may, and calls back)."""
    from guanxi.workflows.services import approval_decide, pending_request_for

    if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
        raise NotPermitted(_("This opportunity is outside your data scope."))
    request = pending_request_for(record_type=STAGE_MOVE, obj=opportunity)
    if request is None:
        raise DomainError(_("No stage move is waiting for approval."), code="nothing_pending")
    approval_decide(actor=actor, request=request, approve=approve, comment=comment)
    return _fresh(opportunity.pk)


def _stage_move_decided(approve: bool) -> Callable[[ApprovalRequest, User, str], None]:
    def decided(request: ApprovalRequest, actor: User, comment: str) -> None:
        row = _locked(Opportunity(pk=int(request.object_id)))
        stage = row.pending_stage
        if stage is None:
            return
        requester = row.pending_by
        row.pending_stage = row.pending_by = None
        if approve and row.status == Status.OPEN:
            before = snapshot(row, ["stage", "probability"])
            _enter(
                requester or actor, row, stage, kind=StageChange.Kind.MOVE, probability=stage.probability, note=comment
            )
            _save(row, ["stage", "stage_entered_at", "probability", "pending_stage", "pending_by"])
            changes = diff(before, snapshot(row, ["stage", "probability"]))
        else:
            _save(row, ["pending_stage", "pending_by"])
            changes = {"pending_stage": [stage.pk, None]}
        verdict = _("approved") if approve else _("rejected")
        audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes, note=f"{verdict} {comment}".strip())

    return decided


def register() -> None:
    """Stage moves as a record type of the approval engine, with the notification its approvers get."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from guanxi.core.notifications.kinds import register_kind
    from guanxi.workflows.registry import RecordType, register_record_type

    register_kind("opportunity_approval", gettext_lazy("Stage moves waiting for my approval"))
    register_record_type(
        RecordType(
            STAGE_MOVE,
            gettext_lazy("Opportunity stage move"),
            on_approved=_stage_move_decided(True),
            on_rejected=_stage_move_decided(False),
            on_withdrawn=_stage_move_decided(False),
            url=lambda object_id: reverse("sales:opportunity", args=[object_id]),
            notification_kind="opportunity_approval",
        )
    )
