"""Creating, editing, deleting and transferring opportunities, their lines, collaborators and competitors (SPEC §6)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.custom_fields import custom_values_clean
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, FieldErrors, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.core.scope import owner_in_scope
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User
from guanxi.pool.lifecycle import Event, customer_lifecycle_event

from ..models import (
    Competitor,
    Opportunity,
    OpportunityCollaborator,
    OpportunityCompetitor,
    OpportunityLine,
    Pipeline,
    Stage,
    StageChange,
    Status,
)
from .closing import _close_effects
from .common import (
    AUDITED_FIELDS,
    OPPORTUNITY_FIELDS,
    StageRequirementsMissing,
    _clean,
    _clean_lines,
    _ensure_plan,
    _locked,
    _missing_for,
    _require_edit,
)
from .pipelines import default_pipeline, first_stage

# --- create and edit ----------------------------------------------------------------------------------


@transaction.atomic
def opportunity_create(
    *,
    actor: User,
    customer: Customer,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] = (),
    competitors: Iterable[Competitor] = (),
    collaborators: Iterable[User] = (),
    custom: Mapping[str, Any] | None = None,
    source_lead: Any = None,
) -> Opportunity:
    """Open an opportunity on a customer the actor may see. ``data`` holds the fields of SPEC §6.1 and
    optionally ``pipeline``, ``stage`` (an open stage of it; the first by default) and ``owner`` (the actor
    by default). The customer moves to ``opportunity`` (SPEC §3.1). ``source_lead``: the lead it was
    converted from (anything with a ``pk``)."""
    require_perm(actor, "opportunities.create")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.status == Lifecycle.POOL or customer.owner_id is None:
        raise DomainError(_("Claim the customer from the pool before opening an opportunity."), field="customer")
    owner: User = data.get("owner") or actor
    if owner.pk != actor.pk and not owner_in_scope(actor, "opportunities", owner):
        raise DomainError(_("Choose an owner within your data scope."), field="owner")
    if not owner.is_active:
        raise DomainError(_("Choose an active colleague."), field="owner")
    if owner.business_unit_id != customer.business_unit_id:
        raise DomainError(_("The new owner works in another business unit."), field="owner")
    chosen_stage: Stage | None = data.get("stage")
    pipeline: Pipeline = (
        data.get("pipeline")
        or (chosen_stage.pipeline if chosen_stage else None)
        or default_pipeline(customer.business_unit_id)
    )
    if pipeline.business_unit_id not in (None, customer.business_unit_id) or not pipeline.is_active:
        raise DomainError(_("Choose a pipeline of this business unit."), field="pipeline")
    stage: Stage = chosen_stage or first_stage(pipeline)
    if stage.pipeline_id != pipeline.pk or not stage.is_open or not stage.is_active:
        raise DomainError(_("Choose an open stage of the pipeline."), field="stage")

    opportunity = Opportunity(**{name: value for name, value in data.items() if name in OPPORTUNITY_FIELDS})
    opportunity.business_unit_id = customer.business_unit_id
    opportunity.customer = customer
    opportunity.pipeline, opportunity.stage, opportunity.owner = pipeline, stage, owner
    opportunity.created_by = actor
    if data.get("probability") in (None, ""):
        opportunity.probability = stage.probability
    if source_lead is not None:
        opportunity.source_lead_id = source_lead.pk
    errors = FieldErrors()
    _clean(opportunity, errors)
    line_rows: list[OpportunityLine] = []
    with errors.check():
        line_rows = _clean_lines(lines, unit_id=opportunity.business_unit_id)
    with errors.check():
        opportunity.custom = custom_values_clean(
            model=Opportunity, unit=opportunity.business_unit_id, values=custom or {}
        )
    errors.raise_any()
    if line_rows and not opportunity.amount:
        opportunity.amount = sum((line.amount for line in line_rows), Decimal(0))
    competitors = _same_unit_competitors(competitors, customer.business_unit_id)
    missing = _missing_for(stage, opportunity, lines=len(line_rows), competitors=len(competitors))
    if missing:
        raise StageRequirementsMissing(stage, missing)

    now = timezone.now()
    opportunity.number = number_next(kind="opportunity", prefix="SJ", unit=opportunity.business_unit_id)
    opportunity.stage_entered_at = now
    opportunity.save()
    for line in line_rows:
        line.opportunity = opportunity
    OpportunityLine.objects.bulk_create(line_rows)
    OpportunityCompetitor.objects.bulk_create(
        [OpportunityCompetitor(opportunity=opportunity, competitor=competitor) for competitor in competitors]
    )
    OpportunityCollaborator.objects.bulk_create(
        [
            OpportunityCollaborator(opportunity=opportunity, user=user)
            for user in {user.pk: user for user in collaborators}.values()
            if user.pk != owner.pk and user.is_active and user.business_unit_id == customer.business_unit_id
        ]
    )
    StageChange.objects.create(
        opportunity=opportunity,
        kind=StageChange.Kind.CREATE,
        to_stage=stage,
        at=now,
        by=actor,
        probability=opportunity.probability,
    )
    note = _("Converted from lead %(id)s") % {"id": source_lead.pk} if source_lead is not None else ""
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=opportunity,
        changes=diff({}, snapshot(opportunity, AUDITED_FIELDS)),
        note=note,
    )
    customer_lifecycle_event(
        customer=customer, event=Event.OPPORTUNITY_OPENED, actor=actor, note=f"{opportunity.number} {opportunity.name}"
    )
    _ensure_plan(actor, opportunity)
    return opportunity


def _same_unit_competitors(competitors: Iterable[Competitor], unit_id: int) -> list[Competitor]:
    rows = list({competitor.pk: competitor for competitor in competitors}.values())
    if any(competitor.business_unit_id != unit_id or competitor.deleted_at for competitor in rows):
        raise DomainError(_("Choose competitors of this business unit."), field="competitors")
    return rows


@transaction.atomic
def opportunity_update(
    *,
    actor: User,
    opportunity: Opportunity,
    version: int,
    data: Mapping[str, Any],
    custom: Mapping[str, Any] | None = None,
) -> Opportunity:
    """Change an opportunity's fields (not its stage: that is a move). A stale ``version`` is refused."""
    _require_edit(actor, opportunity)
    current = Opportunity.objects.get(pk=opportunity.pk)
    before = snapshot(current, AUDITED_FIELDS)
    for name, value in data.items():
        if name in OPPORTUNITY_FIELDS:
            setattr(opportunity, name, value)
    errors = FieldErrors()
    _clean(opportunity, errors, current=current)
    if custom is not None:
        with errors.check():
            opportunity.custom = custom_values_clean(
                model=Opportunity, unit=current.business_unit_id, values=custom, current=current.custom
            )
    errors.raise_any()
    if opportunity.is_open:
        missing = _missing_for(opportunity.stage, opportunity)
        if missing:  # a field its stage requires cannot be emptied afterwards
            raise StageRequirementsMissing(opportunity.stage, missing)
    save_versioned(opportunity, expected_version=version, fields=[*OPPORTUNITY_FIELDS, "custom"])
    changes = diff(before, snapshot(opportunity, AUDITED_FIELDS))
    if changes:
        audit_log(actor=actor, action=Action.UPDATE, obj=opportunity, changes=changes)
    return opportunity


@transaction.atomic
def opportunity_edit(
    *,
    actor: User,
    opportunity: Opportunity,
    version: int,
    data: Mapping[str, Any],
    custom: Mapping[str, Any] | None = None,
    lines: Iterable[Mapping[str, Any]] | None = None,
    competitors: Iterable[Competitor] | None = None,
    collaborators: Iterable[User] | None = None,
) -> Opportunity:
    """One edit of an opportunity, all or nothing: its fields (checked against the ``version`` the editor
    loaded), then whichever of its lines, competitors and collaborators are given. Given lines set the amount
    to their total unless the edit gives an amount itself."""
    opportunity_update(actor=actor, opportunity=opportunity, version=version, data=data, custom=custom)
    if lines is not None:
        opportunity_lines_replace(
            actor=actor, opportunity=opportunity, lines=lines, update_amount=data.get("amount") in (None, "")
        )
    if competitors is not None:
        opportunity_competitors_set(actor=actor, opportunity=opportunity, competitors=competitors)
    if collaborators is not None:
        opportunity_collaborators_set(actor=actor, opportunity=opportunity, users=collaborators)
    return opportunity


@transaction.atomic
def opportunity_lines_replace(
    *, actor: User, opportunity: Opportunity, lines: Iterable[Mapping[str, Any]], update_amount: bool = True
) -> list[OpportunityLine]:
    """Replace the product lines; the amount follows their total unless ``update_amount`` is off."""
    _require_edit(actor, opportunity)
    rows = _clean_lines(lines, unit_id=opportunity.business_unit_id)
    before = [(line.description, str(line.amount)) for line in opportunity.lines.all()]
    if opportunity.is_open and "lines" in (opportunity.stage.required_fields or []) and not rows:
        raise StageRequirementsMissing(opportunity.stage, ["lines"])
    opportunity.lines.all().delete()
    for line in rows:
        line.opportunity = opportunity
    OpportunityLine.objects.bulk_create(rows)
    if update_amount and rows:
        total = sum((line.amount for line in rows), Decimal(0))
        Opportunity.objects.filter(pk=opportunity.pk).update(amount=total, updated_at=timezone.now())
        opportunity.amount = total
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=opportunity,
        changes={"lines": [before, [(line.description, str(line.amount)) for line in rows]]},
    )
    return rows


@transaction.atomic
def opportunity_delete(*, actor: User, opportunity: Opportunity) -> None:
    """Soft delete; deleting the customer's last open opportunity counts as closing it."""
    require_perm(actor, "opportunities.delete")
    if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
        raise NotPermitted(_("This opportunity is outside your data scope."))
    row = _locked(opportunity)
    from ..deals import opportunity_delete_refusal

    refusal = opportunity_delete_refusal(row.pk)
    if refusal:
        raise Conflict(refusal, code="in_use")
    Opportunity.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now())
    opportunity.deleted_at = timezone.now()
    audit_log(actor=actor, action=Action.DELETE, obj=row)
    if row.status == Status.OPEN:
        _close_effects(actor, row, won=False)


# --- collaborators and competitors on an opportunity -----------------------------------------------------


@transaction.atomic
def opportunity_collaborators_set(*, actor: User, opportunity: Opportunity, users: Iterable[User]) -> None:
    _require_edit(actor, opportunity)
    wanted = {user.pk: user for user in users if user.pk != opportunity.owner_id}
    if any(not user.is_active or user.business_unit_id != opportunity.business_unit_id for user in wanted.values()):
        raise DomainError(_("Choose active colleagues of this business unit."), field="collaborators")
    before = sorted(opportunity.collaborations.values_list("user_id", flat=True))
    opportunity.collaborations.exclude(user_id__in=wanted).delete()
    for user in wanted.values():
        OpportunityCollaborator.objects.get_or_create(opportunity=opportunity, user=user)
    if before != sorted(wanted):
        audit_log(
            actor=actor, action=Action.OWNERSHIP, obj=opportunity, changes={"collaborators": [before, sorted(wanted)]}
        )


@transaction.atomic
def opportunity_competitors_set(*, actor: User, opportunity: Opportunity, competitors: Iterable[Competitor]) -> None:
    _require_edit(actor, opportunity)
    rows = _same_unit_competitors(competitors, opportunity.business_unit_id)
    if opportunity.is_open and "competitors" in (opportunity.stage.required_fields or []) and not rows:
        raise StageRequirementsMissing(opportunity.stage, ["competitors"])
    before = sorted(opportunity.competitor_links.values_list("competitor_id", flat=True))
    opportunity.competitor_links.exclude(competitor__in=rows).delete()
    for competitor in rows:
        OpportunityCompetitor.objects.get_or_create(opportunity=opportunity, competitor=competitor)
    after = sorted(competitor.pk for competitor in rows)
    if before != after:
        audit_log(actor=actor, action=Action.UPDATE, obj=opportunity, changes={"competitors": [before, after]})


@transaction.atomic
def opportunity_transfer(*, actor: User, opportunity: Opportunity, owner: User, note: str = "") -> Opportunity:
    require_perm(actor, "opportunities.assign")
    if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
        raise NotPermitted(_("This opportunity is outside your data scope."))
    if not owner.is_active or not owner_in_scope(actor, "opportunities", owner):
        raise DomainError(_("Choose an active colleague within your data scope."), field="owner")
    if owner.business_unit_id != opportunity.business_unit_id:
        raise DomainError(_("The new owner works in another business unit."), field="owner")
    previous = opportunity.owner_id
    changed = Opportunity.objects.filter(pk=opportunity.pk, owner_id=previous).update(
        owner=owner, updated_at=timezone.now()
    )
    if not changed:
        raise Conflict(_("Someone else changed the owner just now; reload and try again."), code="stale_version")
    opportunity.owner = owner
    audit_log(actor=actor, action=Action.OWNERSHIP, obj=opportunity, changes={"owner": [previous, owner.pk]}, note=note)
    return opportunity
