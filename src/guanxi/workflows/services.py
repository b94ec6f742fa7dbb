"""Every write of the approval engine: submit, decide, withdraw, re-route and the flows' configuration. Each
runs in one transaction; the deciding ones are settled by a conditional UPDATE on the request's (status,
step), so of two approvers deciding at once exactly one counts and the other gets 409 ``already_decided``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.units import config_unit_check
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.notifications.services import notify
from guanxi.core.texts import Text
from guanxi.org.models import BusinessUnit, Role, User

from .models import ApprovalFlow, ApprovalRequest, ApprovalStep, ApprovalTask, ApproverKind, Decision, RequestStatus
from .registry import DefaultStep, record_type_get

MAX_CHAIN = 20  # a manager chain longer than this is a loop in the data, not an organisation


class AlreadyDecided(Conflict):
    code = "already_decided"


# --- who approves ---------------------------------------------------------------------------------------


def _is_available(user: User | None) -> bool:
    """Read from the database: the person objects in hand may predate their leaving."""
    return user is not None and User.objects.filter(pk=user.pk, status=User.Status.ACTIVE).exists()


def manager_of(user: User) -> User | None:
    """One level up: the person's manager, else their department's lead, else a lead further up the tree."""
    if user.manager_id and user.manager_id != user.pk:
        return user.manager
    department = user.department
    for _level in range(MAX_CHAIN):
        if department is None:
            return None
        if department.lead_id and department.lead_id != user.pk:
            return department.lead
        department = department.parent
    return None


def _stand_in(user: User | None, *, excluded: set[int]) -> User | None:
    """The person who decides for ``user``: themselves while active and allowed, else up their chain."""
    seen: set[int] = set()
    while user is not None and user.pk not in seen and len(seen) < MAX_CHAIN:
        if _is_available(user) and user.pk not in excluded:
            return user
        seen.add(user.pk)
        user = manager_of(user)
    return None


def _candidates(step: ApprovalStep | DefaultStep, *, submitter: User, unit_id: int) -> list[tuple[User, str]]:
    if step.kind == ApproverKind.ROLE:
        holding: dict[str, object] = (
            {"roles__code": step.role_code} if isinstance(step, DefaultStep) else {"roles": step.role}
        )
        holders = User.objects.filter(
            **holding, department__business_unit_id=unit_id, status=User.Status.ACTIVE
        ).select_related("department", "manager")
        return [(user, ApproverKind.ROLE) for user in holders]
    if step.kind == ApproverKind.USER:
        user = getattr(step, "user", None)
        return [(user, ApproverKind.USER)] if user is not None else []
    person: User | None = submitter
    for _level in range(step.levels):
        person = manager_of(person) if person is not None else None
    return [(person, ApproverKind.MANAGER)] if person is not None else []


def _plan(
    *, steps: Sequence[ApprovalStep | DefaultStep], submitter: User, unit_id: int
) -> list[list[tuple[User, str]]]:
    """The approvers of each step, in order. Nobody approves their own request; who left or is frozen is
    replaced by their manager; a person already deciding an earlier step alone is not asked again (their
    one approval covers both), and a step left without anyone falls to the submitter's manager."""
    planned: list[list[tuple[User, str]]] = []
    sole_approvers: set[int] = set()
    for step in steps:
        people: dict[int, tuple[User, str]] = {}
        for user, reason in _candidates(step, submitter=submitter, unit_id=unit_id):
            decider = _stand_in(user, excluded={submitter.pk})
            if decider is not None and decider.pk not in sole_approvers:
                people.setdefault(decider.pk, (decider, reason if decider.pk == user.pk else "fallback"))
        if not people:
            fallback = _stand_in(manager_of(submitter), excluded={submitter.pk})
            if fallback is None or fallback.pk in sole_approvers:
                continue
            people[fallback.pk] = (fallback, "fallback")
        if len(people) == 1:
            sole_approvers |= set(people)
        planned.append(list(people.values()))
    return planned


def flow_steps(*, unit_id: int, record_type: str, amount: Decimal | None) -> list[ApprovalStep | DefaultStep]:
    flow = ApprovalFlow.objects.filter(business_unit_id=unit_id, record_type=record_type, is_active=True).first()
    if flow is None:
        return list(record_type_get(record_type).default_steps)
    return [step for step in flow.steps.select_related("role", "user") if step.applies_to(amount)]


# --- submit, decide, withdraw ---------------------------------------------------------------------------


@transaction.atomic
def approval_submit(
    *,
    actor: User,
    record_type: str,
    obj: models.Model,
    unit: BusinessUnit | int,
    title: str,
    amount: Decimal | None = None,
    reasons: list[dict[str, Any]] | None = None,
) -> ApprovalRequest:
    """Start the approval of ``obj`` (called by the record's own service, inside its transaction)."""
    kind = record_type_get(record_type)
    unit_id = unit if isinstance(unit, int) else unit.pk
    steps = flow_steps(unit_id=unit_id, record_type=record_type, amount=amount)
    planned = _plan(steps=steps, submitter=actor, unit_id=unit_id)
    if not planned:
        raise DomainError(
            _("Nobody can approve this: ask an administrator to set up the approval flow."), code="no_approver"
        )
    try:
        with transaction.atomic():
            request = ApprovalRequest.objects.create(
                business_unit_id=unit_id,
                record_type=record_type,
                object_id=str(obj.pk),
                title=title[:200],
                amount=amount,
                reasons=reasons or [],
                submitter=actor,
                step=1,
                step_count=len(planned),
            )
    except IntegrityError:
        raise Conflict(_("This record is already waiting for approval."), code="already_pending") from None
    ApprovalTask.objects.bulk_create(
        ApprovalTask(request=request, position=position, approver=user, reason=reason)
        for position, people in enumerate(planned, start=1)
        for user, reason in people
    )
    audit_log(actor=actor, action=Action.CREATE, obj=request, changes={"status": [None, request.status]})
    _notify_step(request, kind.notification_kind)
    return request


def _notify_step(request: ApprovalRequest, kind: str) -> None:
    approvers = User.objects.filter(approval_tasks__request=request, approval_tasks__position=request.step)
    notify(
        recipients=approvers,
        kind=kind,
        title=Text(
            gettext_noop("%(actor)s asks for your approval: %(title)s"),
            actor=str(request.submitter),
            title=request.title,
        ),
        url=request.get_absolute_url(),
        obj=request,
    )


def _current_task(request: ApprovalRequest, actor: User) -> ApprovalTask:
    """The actor's task on the step now waiting, or why they may not decide it."""
    if request.submitter_id == actor.pk:
        raise NotPermitted(_("Nobody approves their own request."), code="own_request")
    if request.status != RequestStatus.PENDING:
        raise AlreadyDecided(_("This request was already decided or withdrawn."))
    task = ApprovalTask.objects.filter(
        request=request, position=request.step, approver=actor, decision=Decision.PENDING
    ).first()
    if task is None:
        # a colleague may have decided the step since the request was read: that is the answer then, not "another's"
        if not ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING, step=request.step).exists():
            raise AlreadyDecided(_("This request was already decided or withdrawn."))
        raise NotPermitted(_("This step waits for another approver."), code="not_approver")
    if ApprovalTask.objects.filter(request=request, approver=actor, decision=Decision.APPROVED).exists():
        raise NotPermitted(_("You already approved an earlier step of this request."), code="approved_twice")
    return task


@transaction.atomic
def approval_decide(*, actor: User, request: ApprovalRequest, approve: bool, comment: str = "") -> ApprovalRequest:
    """The actor approves or rejects the step waiting for them. The last approval (or any rejection) closes
    the request and calls the record type back; an approval before the last hands on to the next step."""
    comment = comment.strip()[:500]
    task = _current_task(request, actor)
    now = timezone.now()
    position = task.position
    last = position >= request.step_count
    if approve and not last:
        change: dict[str, Any] = {"step": position + 1}
    else:
        change = {"status": RequestStatus.APPROVED if approve else RequestStatus.REJECTED, "decided_at": now}
    won = ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING, step=position).update(**change)
    if not won:
        raise AlreadyDecided(_("This request was already decided or withdrawn."))
    ApprovalTask.objects.filter(pk=task.pk).update(
        decision=Decision.APPROVED if approve else Decision.REJECTED, comment=comment, decided_at=now
    )
    ApprovalTask.objects.filter(request=request, position=position, decision=Decision.PENDING).update(
        decision=Decision.SKIPPED
    )
    if not approve:  # the later steps will never be asked
        ApprovalTask.objects.filter(request=request, position__gt=position).update(decision=Decision.SKIPPED)
    request.refresh_from_db()
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=request,
        changes={"step": [position, request.step]} if request.is_pending else {"status": ["pending", request.status]},
        note=comment,
    )
    kind = record_type_get(request.record_type)
    if request.is_pending:
        _notify_step(request, kind.notification_kind)
        return request
    (kind.on_approved if approve else kind.on_rejected)(request, actor, comment)
    notify(
        recipients=[request.submitter],
        kind="approval_decided",
        title=Text(
            gettext_noop("%(actor)s approved %(title)s") if approve else gettext_noop("%(actor)s rejected %(title)s"),
            actor=str(actor),
            title=request.title,
        ),
        body=comment,
        url=kind.url(request.object_id),
        obj=request,
    )
    return request


@transaction.atomic
def approval_withdraw(*, actor: User, request: ApprovalRequest) -> ApprovalRequest:
    """The submitter takes the request back while nobody has decided any step of it yet."""
    if request.submitter_id != actor.pk:
        raise NotPermitted(_("Only the person who submitted it can withdraw it."), code="not_submitter")
    undecided = ~models.Exists(
        ApprovalTask.objects.filter(request=models.OuterRef("pk"), decision__in=[Decision.APPROVED, Decision.REJECTED])
    )
    now = timezone.now()
    won = (
        ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING, step=1)
        .filter(undecided)
        .update(status=RequestStatus.WITHDRAWN, decided_at=now)
    )
    if not won:
        raise AlreadyDecided(_("Someone has already decided on this request; it can no longer be withdrawn."))
    ApprovalTask.objects.filter(request=request, decision=Decision.PENDING).update(decision=Decision.WITHDRAWN)
    request.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=request, changes={"status": ["pending", request.status]})
    record_type_get(request.record_type).on_withdrawn(request, actor, "")
    return request


def pending_request_for(*, record_type: str, obj: models.Model) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(
        record_type=record_type, object_id=str(obj.pk), status=RequestStatus.PENDING
    ).first()


def approvals_reroute(*, at: datetime | None = None) -> int:
    """The sweep: a waiting step whose approvers have all left or been frozen falls to their manager (the
    first active one up the chain), so no request is ever stuck. Returns how many steps were re-routed."""
    stuck = (
        ApprovalTask.objects.filter(
            decision=Decision.PENDING,
            request__status=RequestStatus.PENDING,
            position=F("request__step"),
        )
        .exclude(approver__status=User.Status.ACTIVE)
        .select_related("request", "approver", "approver__manager", "approver__department")
    )
    moved = 0
    for task in stuck[:1000]:
        with transaction.atomic():
            request = task.request
            if ApprovalTask.objects.filter(
                request=request, position=task.position, decision=Decision.PENDING, approver__status=User.Status.ACTIVE
            ).exists():
                continue  # another approver of the step can still decide
            approved = set(
                ApprovalTask.objects.filter(request=request, decision=Decision.APPROVED).values_list(
                    "approver", flat=True
                )
            )
            stand_in = _stand_in(task.approver, excluded={request.submitter_id, *approved})
            if stand_in is None:
                continue
            _task, created = ApprovalTask.objects.get_or_create(
                request=request, position=task.position, approver=stand_in, defaults={"reason": "fallback"}
            )
            if created:
                moved += 1
                notify(
                    recipients=[stand_in],
                    kind=record_type_get(request.record_type).notification_kind,
                    title=Text(
                        gettext_noop("%(actor)s asks for your approval: %(title)s"),
                        actor=str(request.submitter),
                        title=request.title,
                    ),
                    url=request.get_absolute_url(),
                    obj=request,
                )
    return moved


# --- flows ----------------------------------------------------------------------------------------------

STEP_FIELDS = ("kind", "role", "levels", "user", "min_amount")


def _clean_steps(steps: Iterable[Mapping[str, Any]], *, unit_id: int) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for index, raw in enumerate(steps):
        step = {name: raw.get(name) for name in STEP_FIELDS}
        kind = step["kind"]
        prefix = f"steps.{index}."
        if kind not in ApproverKind.values:
            errors.setdefault(prefix + "kind", []).append(_("Choose who approves this step."))
            continue
        if kind == ApproverKind.ROLE:
            role = step["role"]
            if not isinstance(role, Role) or role.business_unit_id not in (None, unit_id):
                errors.setdefault(prefix + "role", []).append(_("Choose a role of this business unit."))
        if kind == ApproverKind.USER:
            user = step["user"]
            if not isinstance(user, User) or user.business_unit_id != unit_id or not user.is_active:
                errors.setdefault(prefix + "user", []).append(_("Choose an active person of this business unit."))
        levels = step["levels"] or 1
        if kind == ApproverKind.MANAGER and not 1 <= int(levels) <= 10:
            errors.setdefault(prefix + "levels", []).append(_("Between 1 and 10 levels."))
        amount = step["min_amount"]
        if amount is not None and Decimal(amount) < 0:
            errors.setdefault(prefix + "min_amount", []).append(_("An amount cannot be negative."))
        cleaned.append(
            {
                "kind": kind,
                "role": step["role"] if kind == ApproverKind.ROLE else None,
                "user": step["user"] if kind == ApproverKind.USER else None,
                "levels": int(levels) if kind == ApproverKind.MANAGER else 1,
                "min_amount": amount,
            }
        )
    if not cleaned and not errors:
        errors["steps"] = [_("A flow needs at least one step.")]
    if errors:
        from django.core.exceptions import ValidationError

        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def approval_flow_save(
    *,
    actor: User,
    unit: BusinessUnit,
    record_type: str,
    steps: Sequence[Mapping[str, Any]],
    is_active: bool = True,
    version: int | None = None,
) -> ApprovalFlow:
    """Create or replace the flow of ``record_type`` in ``unit`` with these steps, in this order."""
    config_unit_check(actor=actor, code="approval_flows.configure", unit_id=unit.pk)
    record_type_get(record_type)
    cleaned = _clean_steps(steps, unit_id=unit.pk)
    flow, created = ApprovalFlow.objects.select_for_update().get_or_create(business_unit=unit, record_type=record_type)
    if not created:
        if version is not None and version != flow.version:
            raise Conflict(_("Someone changed this flow meanwhile: reload it and try again."), code="stale_version")
        before = [_step_text(step) for step in flow.steps.all()]
        flow.steps.all().delete()
        flow.version += 1
    else:
        before = []
    flow.is_active, flow.updated_at = is_active, timezone.now()
    flow.save()
    ApprovalStep.objects.bulk_create(
        ApprovalStep(flow=flow, position=position, **step) for position, step in enumerate(cleaned, start=1)
    )
    after = [_step_text(step) for step in flow.steps.all()]
    audit_log(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=flow,
        changes={"steps": [before, after], "is_active": [None if created else not is_active, is_active]},
    )
    return flow


def _step_text(step: ApprovalStep) -> str:
    who = {"role": f"role:{step.role_id}", "user": f"user:{step.user_id}"}.get(step.kind, f"manager:{step.levels}")
    return f"{who}≥{step.min_amount}" if step.min_amount is not None else who


def register() -> None:
    """The notifications approvers and submitters receive."""
    from django.utils.translation import gettext_lazy

    from guanxi.core.notifications.kinds import register_kind

    register_kind("approval_requested", gettext_lazy("Requests waiting for my approval"))
    register_kind("approval_decided", gettext_lazy("My requests approved or rejected"))
