"""Every write on opportunities (SPEC §6): one transaction each, permission and scope first, full validation,
stage history, the customer's lifecycle events and the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.custom_fields import custom_values_clean
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, FieldErrors, NotPermitted
from guanxi.core.permissions import grants_of, has_perm, require_perm
from guanxi.core.records import save_versioned
from guanxi.core.scope import Scope, owner_in_scope
from guanxi.core.texts import Text
from guanxi.customers.models import Contact, Customer, Lifecycle
from guanxi.org.models import User
from guanxi.pool.lifecycle import Event, customer_lifecycle_event

from .models import (
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

OPPORTUNITY_FIELDS = ["name", "contact", "source", "amount", "expected_close_date", "probability", "need", "next_step"]
AUDITED_FIELDS = [*OPPORTUNITY_FIELDS, "owner", "stage", "status", "pipeline", "custom"]

# What a stage may require before an opportunity enters it, with the name the refusal uses.
REQUIRABLE_FIELDS: dict[str, Any] = {
    "contact": gettext_lazy("contact"),
    "amount": gettext_lazy("amount"),
    "expected_close_date": gettext_lazy("expected close date"),
    "source": gettext_lazy("source"),
    "need": gettext_lazy("need description"),
    "next_step": gettext_lazy("next step"),
    "lines": gettext_lazy("product lines"),
    "competitors": gettext_lazy("competitors"),
}


class StageRequirementsMissing(DomainError):
    """The opportunity lacks what the stage requires; ``fields`` lists the missing ones."""

    code = "stage_requirements"

    def __init__(self, stage: Stage, fields: list[str]):
        names = ", ".join(str(REQUIRABLE_FIELDS[field]) for field in fields)
        super().__init__(
            _("To enter the stage “%(stage)s” first fill in: %(fields)s.") % {"stage": stage.name, "fields": names},
            field=fields[0],
        )
        self.fields = fields


# --- rights on one opportunity ------------------------------------------------------------------------


def can_edit(actor: User, opportunity: Opportunity) -> bool:
    """The owner, a collaborator allowed to edit, or anyone whose scope is wider than their own records
    (a manager over their team) — each with ``opportunities.edit``."""
    if not has_perm(actor, "opportunities.edit"):
        return False
    if opportunity.owner_id == actor.pk or grants_of(actor).scope("opportunities") not in (None, Scope.OWN):
        return True
    return OpportunityCollaborator.objects.filter(opportunity=opportunity, user=actor, can_edit=True).exists()


def _require_edit(actor: User, opportunity: Opportunity) -> None:
    require_perm(actor, "opportunities.edit")
    if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
        raise NotPermitted(_("This opportunity is outside your data scope."))
    if not can_edit(actor, opportunity):
        raise NotPermitted(_("This opportunity is shared with you read-only."))


def _locked(opportunity: Opportunity) -> Opportunity:
    """The row, locked for this transaction: two moves of one opportunity happen one after the other."""
    Opportunity.objects.select_for_update().filter(pk=opportunity.pk).values_list("pk", flat=True).get()
    return _fresh(opportunity.pk)


def _locked_for_edit(actor: User, opportunity: Opportunity) -> Opportunity:
    """``_require_edit`` and ``_locked`` together: the row is found through the actor's scope and locked."""
    require_perm(actor, "opportunities.edit")
    rows = Opportunity.objects.visible_to(actor).select_for_update().filter(pk=opportunity.pk)
    if rows.values_list("pk", flat=True).first() is None:
        raise NotPermitted(_("This opportunity is outside your data scope."))
    row = _fresh(opportunity.pk)
    if not can_edit(actor, row):
        raise NotPermitted(_("This opportunity is shared with you read-only."))
    return row


def _fresh(pk: int) -> Opportunity:
    """The row as it is now, read after taking its lock. (Locking with a join to the stage would lose the row
    when a concurrent move changed the stage: PostgreSQL rechecks the join against the old stage.)"""
    return Opportunity.objects.select_related("stage", "pipeline").get(pk=pk)


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
        raise DomainError(_("The pipeline “%(name)s” has no open stage.") % {"name": pipeline.name}, field="stage")
    return stage


def closing_stage(pipeline: Pipeline, kind: str) -> Stage:
    stage = pipeline.stages.filter(kind=kind).order_by("sort_order", "pk").first()
    if stage is None:
        raise DomainError(_("The pipeline “%(name)s” has no closing stage for this outcome.") % {"name": pipeline.name})
    return stage


# --- validation ---------------------------------------------------------------------------------------


def _missing_for(
    stage: Stage, opportunity: Opportunity, *, lines: int | None = None, competitors: int | None = None
) -> list[str]:
    """The fields ``stage`` requires that the opportunity lacks. Lines and competitors are counted (when not
    given) only for a stage that requires them."""
    missing = []
    for field in stage.required_fields or []:
        if field == "lines":
            empty = (lines if lines is not None else opportunity.lines.count()) == 0
        elif field == "competitors":
            empty = (competitors if competitors is not None else opportunity.competitor_links.count()) == 0
        elif field == "amount":
            empty = not opportunity.amount
        elif field == "contact":
            empty = opportunity.contact_id is None
        elif field in REQUIRABLE_FIELDS:
            empty = not getattr(opportunity, field)
        else:
            continue
        if empty:
            missing.append(field)
    return missing


def _decimal(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        errors.setdefault(field, []).append(_("Enter a number."))
        return Decimal(0)
    if number < 0:
        errors.setdefault(field, []).append(_("Enter an amount of zero or more."))
    return number


def _clean_lines(lines: Iterable[Mapping[str, Any]]) -> list[OpportunityLine]:
    rows: list[OpportunityLine] = []
    errors: dict[str, list[str]] = {}
    for position, data in enumerate(lines):
        description = str(data.get("description") or "").strip()
        if not description:
            errors.setdefault("lines", []).append(_("Line %(n)d: name the product.") % {"n": position + 1})
            continue
        quantity = _decimal(data.get("quantity", 1), "lines", errors)
        price = _decimal(data.get("unit_price", 0), "lines", errors)
        rows.append(
            OpportunityLine(
                position=position,
                description=description[:200],
                quantity=quantity,
                unit=str(data.get("unit") or "")[:20],
                unit_price=price,
                amount=(quantity * price).quantize(Decimal("0.01")),
            )
        )
    if errors:
        raise ValidationError(errors)
    return rows


def _clean(opportunity: Opportunity, errors: FieldErrors, *, current: Opportunity | None = None) -> None:
    opportunity.name = (opportunity.name or "").strip()
    if not opportunity.name:
        errors.add("name", _("This field is required."))
    if opportunity.source:
        try:
            dictionary_validate(
                "customer_source", opportunity.source, field="source", current=getattr(current, "source", None)
            )
        except DomainError as error:
            errors.add("source", str(error.message))
    if (
        opportunity.contact_id
        and not Contact.objects.filter(pk=opportunity.contact_id, customer_id=opportunity.customer_id).exists()
    ):
        errors.add("contact", _("Choose a contact of this customer."))
    with errors.check():
        opportunity.full_clean(
            exclude=["number", "business_unit", "customer", "contact", "pipeline", "stage", "owner", "custom"]
        )


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
        line_rows = _clean_lines(lines)
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


def _ensure_plan(actor: User, opportunity: Opportunity) -> None:
    """SPEC §4.3: an open opportunity always has an open plan; a new one gets the follow-up due within the
    unit's setting (48 hours by default), for its owner."""
    from guanxi.activities.services import opportunity_followup_within, plan_ensure_open

    # The owner's plan; a collaborator who may not plan for colleagues (a salesperson) plans it for themself,
    # about the opportunity alone when the customer is outside their scope.
    owner = opportunity.owner if has_perm(actor, "activities.assign") else actor
    sees_customer = Customer.objects.visible_to(actor).filter(pk=opportunity.customer_id).exists()
    plan_ensure_open(
        actor=actor,
        customer=opportunity.customer if sees_customer else None,
        related=opportunity,
        within=opportunity_followup_within(unit_id=opportunity.business_unit_id),
        owner=owner,
        subject=_("Follow up on the opportunity %(name)s") % {"name": opportunity.name},
    )


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
    rows = _clean_lines(lines)
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


def _save(row: Opportunity, fields: list[str]) -> None:
    from django.db.models import F

    values = {name: getattr(row, row._meta.get_field(name).attname) for name in fields}  # type: ignore[union-attr]
    row.updated_at = timezone.now()
    Opportunity.objects.filter(pk=row.pk).update(**values, updated_at=row.updated_at, version=F("version") + 1)
    row.version += 1


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
        note=str(_("Approval requested to enter %(stage)s") % {"stage": stage.name}),
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
                stage=stage.name,
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


@transaction.atomic
def opportunity_delete(*, actor: User, opportunity: Opportunity) -> None:
    """Soft delete; deleting the customer's last open opportunity counts as closing it."""
    require_perm(actor, "opportunities.delete")
    if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
        raise NotPermitted(_("This opportunity is outside your data scope."))
    row = _locked(opportunity)
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
