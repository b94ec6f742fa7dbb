"""Winning, losing and reopening an opportunity, with the customer's lifecycle events they cause."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.errors import DomainError
from guanxi.core.outbox import emit
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.pool.lifecycle import Event, customer_lifecycle_event

from ..models import (
    Competitor,
    Opportunity,
    OpportunityCompetitor,
    Stage,
    StageChange,
    Status,
)
from .common import AUDITED_FIELDS, _decimal, _ensure_plan, _locked_for_edit, _save
from .pipelines import closing_stage, first_stage
from .stages import _enter

# --- closing and reopening (SPEC §6.4) ----------------------------------------------------------------


def _close_effects(actor: User, row: Opportunity, *, won: bool) -> None:
    customer = Customer.objects.select_for_update().get(pk=row.customer_id)
    if won:
        customer_lifecycle_event(customer=customer, event=Event.OPPORTUNITY_WON, actor=actor, note=row.number)
    elif not Opportunity.objects.filter(customer_id=customer.pk, status=Status.OPEN).exclude(pk=row.pk).exists():
        customer_lifecycle_event(customer=customer, event=Event.OPPORTUNITY_CLOSED, actor=actor, note=row.number)


@transaction.atomic
def opportunity_win(
    *, actor: User, opportunity: Opportunity, amount: Decimal | None = None, note: str = ""
) -> Opportunity:
    """赢单: the opportunity is won (its pipeline's won stage, probability 100) and the customer becomes won."""
    row = _locked_for_edit(actor, opportunity)
    if row.status != Status.OPEN:
        raise DomainError(_("This opportunity is already closed."), code="not_open")
    before = snapshot(row, [*AUDITED_FIELDS, "closed_at"])
    if amount is not None:
        errors: dict[str, list[str]] = {}
        row.amount = _decimal(amount, "amount", errors)
        if errors:
            raise ValidationError(errors)
    _enter(
        actor, row, closing_stage(row.pipeline, Stage.Kind.WON), kind=StageChange.Kind.WIN, probability=100, note=note
    )
    row.status, row.closed_at = Status.WON, timezone.now()
    row.pending_stage = row.pending_by = None
    _save(
        row,
        ["stage", "stage_entered_at", "probability", "status", "closed_at", "amount", "pending_stage", "pending_by"],
    )
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=row,
        changes=diff(before, snapshot(row, [*AUDITED_FIELDS, "closed_at"])),
        note=note,
    )
    _close_effects(actor, row, won=True)
    emit("opportunity.won", row, actor=actor)
    return row


@transaction.atomic
def opportunity_lose(
    *,
    actor: User,
    opportunity: Opportunity,
    reason: str,
    competitor: Competitor | None = None,
    note: str = "",
) -> Opportunity:
    """输单: lost, with a reason from the dictionary and optionally the competitor who won it. Closing the
    customer's last open opportunity moves it back to ``potential``."""
    if not reason:
        raise DomainError(_("Choose why the opportunity was lost."), field="reason")
    dictionary_validate("loss_reason", reason, field="reason")
    row = _locked_for_edit(actor, opportunity)
    if row.status != Status.OPEN:
        raise DomainError(_("This opportunity is already closed."), code="not_open")
    if competitor is not None and (competitor.business_unit_id != row.business_unit_id or competitor.deleted_at):
        raise DomainError(_("Choose a competitor of this business unit."), field="competitor")
    fields = [*AUDITED_FIELDS, "closed_at", "loss_reason", "loss_note", "winning_competitor"]
    before = snapshot(row, fields)
    _enter(
        actor, row, closing_stage(row.pipeline, Stage.Kind.LOST), kind=StageChange.Kind.LOSE, probability=0, note=note
    )
    row.status, row.closed_at = Status.LOST, timezone.now()
    row.loss_reason, row.loss_note, row.winning_competitor = reason, note[:500], competitor
    row.pending_stage = row.pending_by = None
    _save(
        row,
        ["stage", "stage_entered_at", "probability", "status", "closed_at", "loss_reason", "loss_note",
         "winning_competitor", "pending_stage", "pending_by"],
    )  # fmt: skip
    if competitor is not None:
        OpportunityCompetitor.objects.get_or_create(opportunity=row, competitor=competitor)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=diff(before, snapshot(row, fields)), note=note)
    _close_effects(actor, row, won=False)
    emit("opportunity.lost", row, actor=actor, data={"reason": reason})
    return row


@transaction.atomic
def opportunity_reopen(*, actor: User, opportunity: Opportunity, note: str = "") -> Opportunity:
    """Reopen a won or lost opportunity in the stage it was closed from, audited; the customer becomes an
    opportunity customer again (a won customer stays won)."""
    row = _locked_for_edit(actor, opportunity)
    if row.status == Status.OPEN:
        raise DomainError(_("This opportunity is open already."), code="already_open")
    last_close = (
        StageChange.objects.filter(opportunity=row, kind__in=[StageChange.Kind.WIN, StageChange.Kind.LOSE])
        .order_by("-at", "-pk")
        .first()
    )
    stage = last_close.from_stage if last_close and last_close.from_stage else first_stage(row.pipeline)
    if not stage.is_open:
        stage = first_stage(row.pipeline)
    fields = [*AUDITED_FIELDS, "closed_at", "loss_reason", "loss_note", "winning_competitor"]
    before = snapshot(row, fields)
    _enter(actor, row, stage, kind=StageChange.Kind.REOPEN, probability=stage.probability, note=note)
    row.status, row.closed_at = Status.OPEN, None
    row.loss_reason, row.loss_note, row.winning_competitor = "", "", None
    _save(
        row,
        ["stage", "stage_entered_at", "probability", "status", "closed_at", "loss_reason", "loss_note",
         "winning_competitor"],
    )  # fmt: skip
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=diff(before, snapshot(row, fields)), note=note)
    customer = Customer.objects.select_for_update().get(pk=row.customer_id)
    customer_lifecycle_event(customer=customer, event=Event.OPPORTUNITY_OPENED, actor=actor, note=row.number)
    _ensure_plan(actor, row)
    return row
