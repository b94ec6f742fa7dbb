"""Conflict cases (撞单, SPEC §3.4): a salesperson registers a customer that someone else already holds.
No duplicate is created; a case opens for the managers, showing each side's evidence (who registered
first, follow-ups, plans), and a manager decides: the holder keeps it, the claimant gets it, or it goes
back to the pool (充公). Every decision is recorded and both salespeople are told.

Evidence comes from a registry so that modules add their own without this one importing them:
``register_evidence("followups", _("Follow-ups"), fn)`` where ``fn(*, case, customer, user)`` answers the
value for one side (``user`` is the holder or the claimant).

What follows a decision in apps above the pool registers the same way: ``register_decided(fn)``, where
``fn(*, case, customer, actor)`` runs inside the deciding transaction once the customer moved (the portal: a
channel partner's registration that won its case attributes the customer to the partner)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.activities.selectors import conflict_followup_count, conflict_open_plan_count
from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.texts import Text
from guanxi.customers import keys
from guanxi.customers.models import Customer
from guanxi.customers.services import sees_contact_details
from guanxi.org.models import User

from . import services as pool
from .history import CONFLICT_EVIDENCE_ADDED, CONFLICT_OPENED, CONFLICT_WITHDRAWN, conflict_decided
from .models import ConflictCase, PoolEvent

# --- evidence registry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    code: str
    label: str | Promise
    value: Callable[..., Any]  # (*, case, customer, user) -> a value to show for that side
    order: int = 100


EVIDENCE: dict[str, Evidence] = {}


def register_evidence(code: str, label: str | Promise, value: Callable[..., Any], *, order: int = 100) -> None:
    """Add one row to the conflict inbox's comparison of the two sides."""
    EVIDENCE[code] = Evidence(code, label, value, order)


def _registered(*, case: ConflictCase, customer: Customer, user: User | None) -> Any:
    """报备时间: when each side registered the customer (the holder: created or claimed)."""
    if user is not None and user.pk == case.claimant_id:
        return case.created_at
    return customer.claimed_at or customer.created_at


def _last_followup(*, case: ConflictCase, customer: Customer, user: User | None) -> Any:
    return customer.last_followup_at if user is not None and user.pk == customer.owner_id else None


def _next_followup(*, case: ConflictCase, customer: Customer, user: User | None) -> Any:
    return customer.next_followup_at if user is not None and user.pk == customer.owner_id else None


register_evidence("registered", gettext_lazy("Registered"), _registered, order=10)
register_evidence("followups", gettext_lazy("Follow-ups"), conflict_followup_count, order=20)
register_evidence("last_followup", gettext_lazy("Last follow-up"), _last_followup, order=30)
register_evidence("open_plans", gettext_lazy("Open plans"), conflict_open_plan_count, order=40)
register_evidence("next_followup", gettext_lazy("Next follow-up"), _next_followup, order=50)


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    holder: Any
    claimant: Any


def evidence(case: ConflictCase) -> list[EvidenceRow]:
    customer = case.customer
    rows = []
    for item in sorted(EVIDENCE.values(), key=lambda item: item.order):
        rows.append(
            EvidenceRow(
                str(item.label),
                item.value(case=case, customer=customer, user=case.holder),
                item.value(case=case, customer=customer, user=case.claimant),
            )
        )
    return rows


# --- what follows a decision --------------------------------------------------------------------------------

DECIDED: list[Callable[..., object]] = []


def register_decided(step: Callable[..., object]) -> None:
    """``step(*, case, customer, actor)`` runs after every decision, inside its transaction."""
    if step not in DECIDED:
        DECIDED.append(step)


# --- reads ---------------------------------------------------------------------------------------------------


def conflict_inbox(*, actor: User, status: str = ConflictCase.Status.OPEN) -> QuerySet[ConflictCase]:
    """The cases the actor may decide or follow: through the data scope of the claimant."""
    cases = ConflictCase.objects.visible_to(actor).select_related("customer", "holder", "claimant", "decided_by")
    if status:
        cases = cases.filter(status=status)
    return cases.order_by("-created_at", "-pk")


def attempted_shown(*, actor: User, case: ConflictCase) -> dict[str, str]:
    """What the claimant registered, as the reader may see it. A phone that matched is the held customer's
    phone, so it is masked as the customer's page masks it: plain to the claimant who typed it and to
    whoever sees the customer's contact details."""
    if actor.pk == case.claimant_id or sees_contact_details(actor, case.customer):
        return dict(case.attempted)
    return {name: keys.mask_phone(value) if name in PHONES else value for name, value in case.attempted.items()}


PHONES = {"phone", "contact_mobile"}


# --- writes --------------------------------------------------------------------------------------------------


def conflict_open(*, actor: User, customer: Customer, match: str, attempted: Mapping[str, Any]) -> ConflictCase:
    """The actor tried to register ``customer`` again: open (or find the open) case and tell the managers."""
    with transaction.atomic():
        existing = ConflictCase.objects.filter(customer=customer, claimant=actor, status=ConflictCase.Status.OPEN)
        case = existing.first()
        if case is not None:
            return case
        try:
            with transaction.atomic():
                case = ConflictCase.objects.create(
                    business_unit_id=customer.business_unit_id,
                    customer=customer,
                    holder_id=customer.owner_id,
                    claimant=actor,
                    match=match,
                    attempted={key: str(value) for key, value in attempted.items() if value},
                )
        except IntegrityError:  # a double submit: the other request opened it
            return existing.get()
        audit_log(
            actor=actor,
            action=Action.CREATE,
            obj=customer,
            changes={"conflict": [None, case.pk]},
            note=Text(CONFLICT_OPENED, claimant=actor),
        )
        managers = {person for person in (actor.manager, customer.owner.manager if customer.owner else None) if person}
        title = Text(
            gettext_noop("Conflict: {claimant} registered {name}, held by {holder}"),
            claimant=actor,
            name=customer.name,
            holder=customer.owner or gettext_lazy("the public pool"),
        )
        _notify(managers - {actor}, title, case)
        if customer.owner and customer.owner != actor:
            _notify(
                {customer.owner},
                Text(
                    gettext_noop("{claimant} also registered your customer {name}; a manager will decide"),
                    claimant=actor,
                    name=customer.name,
                ),
                customer,  # the holder follows the customer; the case is the managers' and the claimant's
            )
    return case


@transaction.atomic
def conflict_decide(*, actor: User, case: ConflictCase, decision: str, note: str = "") -> ConflictCase:
    """Keep with the holder, give to the claimant, or return to the pool; recorded, both told."""
    require_perm(actor, "pool.approve")
    if not ConflictCase.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotPermitted(_("This case is outside your data scope."))
    if decision not in ConflictCase.Decision.values:
        raise DomainError(_("Choose a decision."), field="decision")
    now = timezone.now()
    # the first decision wins; a second manager deciding at the same moment is told
    won = ConflictCase.objects.filter(pk=case.pk, status=ConflictCase.Status.OPEN).update(
        status=ConflictCase.Status.DECIDED, decision=decision, decided_by=actor, decided_at=now, note=note[:500]
    )
    if not won:
        raise Conflict(_("This case was decided a moment ago."), code="already_decided")
    customer = Customer.objects.select_related("owner", "pool").get(pk=case.customer_id)
    holder = customer.owner
    if decision != ConflictCase.Decision.KEEP and customer.owner_id != case.holder_id:
        raise Conflict(_("The customer changed hands since the case was opened; reload and decide again."))
    if decision == ConflictCase.Decision.GIVE:
        claimant = case.claimant
        if not claimant.is_active:
            raise DomainError(_("The claimant no longer works here."), field="decision")
        pool.capacity_check(owner=claimant)
        changed = Customer.objects.filter(pk=customer.pk, owner_id=case.holder_id).update(
            owner=claimant, updated_at=now
        )
        if not changed:
            raise Conflict(_("The customer changed hands since the case was opened; reload and decide again."))
        customer.owner = claimant
        if holder is None:
            from .lifecycle import Event, customer_lifecycle_event

            customer_lifecycle_event(customer=customer, event=Event.ASSIGNED, actor=actor, note="conflict")
        pool.customer_owned(customer, now)
        from guanxi.activities.services import customer_plans_reassign  # the open plans follow the customer

        customer_plans_reassign(customer=customer, owner=claimant, actor=actor)
        if holder is not None:  # the holder lost it: the cool-down applies to them
            PoolEvent.objects.create(
                customer=customer, user=holder, actor=actor, kind=PoolEvent.Kind.CONFLICT, reason="conflict", at=now
            )
        audit_log(
            actor=actor,
            action=Action.OWNERSHIP,
            obj=customer,
            changes={"owner": [case.holder_id, claimant.pk]},
            note=conflict_decided(decision, note),
        )
    elif decision == ConflictCase.Decision.POOL and holder is not None:
        customer.locked_at = None
        pool.customers_release(actor, [customer], PoolEvent.Kind.CONFLICT, reason="conflict", note=note)
    else:
        audit_log(actor=actor, action=Action.UPDATE, obj=customer, note=conflict_decided(decision, note))
    case.status, case.decision, case.decided_by, case.decided_at, case.note = (
        ConflictCase.Status.DECIDED,
        decision,
        actor,
        now,
        note[:500],
    )
    for step in DECIDED:
        step(case=case, customer=customer, actor=actor)
    title = Text(
        gettext_noop("Conflict over {name} decided: {decision}"),
        name=customer.name,
        decision=ConflictCase.Decision(decision).label,
    )
    _notify({case.claimant}, title, case)
    if holder is not None:  # a link only while the customer is still theirs
        _notify({holder}, title, customer if decision == ConflictCase.Decision.KEEP else None)
    return case


def may_withdraw(actor: User, case: ConflictCase) -> bool:
    """The claimant may withdraw an open case or add evidence to it (the same rule the services check)."""
    return case.status == ConflictCase.Status.OPEN and case.claimant_id == actor.pk


def _require_claimant_of_open(actor: User, case: ConflictCase) -> None:
    if case.claimant_id != actor.pk:
        raise NotPermitted(_("Only the salesperson who registered the customer may do this."))
    if case.status != ConflictCase.Status.OPEN:
        raise Conflict(_("This case is already closed."), code="case_closed")


@transaction.atomic
def conflict_withdraw(*, actor: User, case: ConflictCase) -> ConflictCase:
    """The claimant drops the claim: the case closes undecided and the holder keeps the customer."""
    _require_claimant_of_open(actor, case)
    now = timezone.now()
    closed = ConflictCase.objects.filter(pk=case.pk, status=ConflictCase.Status.OPEN).update(
        status=ConflictCase.Status.WITHDRAWN, decided_at=now
    )
    if not closed:  # a manager decided it a moment ago
        raise Conflict(_("This case is already closed."), code="case_closed")
    case.status, case.decided_at = ConflictCase.Status.WITHDRAWN, now
    audit_log(actor=actor, action=Action.UPDATE, obj=case.customer, note=Text(CONFLICT_WITHDRAWN, case=case.pk))
    return case


@transaction.atomic
def conflict_evidence_add(*, actor: User, case: ConflictCase, text: str) -> ConflictCase:
    """The claimant adds evidence for the manager (a visit, a quote sent …) while the case is open."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the evidence."), field="text")
    if len(text) > 1000:
        raise DomainError(_("At most 1,000 characters."), field="text")
    locked = ConflictCase.objects.select_for_update().get(pk=case.pk)
    _require_claimant_of_open(actor, locked)
    locked.statements = [*locked.statements, {"at": timezone.now().isoformat(), "text": text}]
    locked.save(update_fields=["statements"])
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=case.customer,
        note=Text(CONFLICT_EVIDENCE_ADDED, case=case.pk),
    )
    return locked


def _notify(recipients: set[User], title: Any, obj: ConflictCase | Customer | None) -> None:
    from guanxi.core.notifications.services import notify

    if recipients:
        notify(recipients=list(recipients), kind="conflict", title=title, obj=obj)
