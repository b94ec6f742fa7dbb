"""Reads of the approval engine: the inbox (待我审批), its count for the menu, and a record's history."""

from __future__ import annotations

from django.db.models import BigIntegerField, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.navigation import NavItem
from guanxi.org.models import User

from .models import ApprovalFlow, ApprovalRequest, ApprovalTask, Decision, RequestStatus


def _waiting_for(actor: User) -> Exists:
    return Exists(
        ApprovalTask.objects.filter(
            request=OuterRef("pk"), approver=actor, decision=Decision.PENDING, position=OuterRef("step")
        )
    )


def inbox(*, actor: User) -> QuerySet[ApprovalRequest]:
    """The requests whose current step waits for the actor, oldest first (first come, first decided)."""
    return (
        ApprovalRequest.objects.visible_to(actor)
        .filter(_waiting_for(actor), status=RequestStatus.PENDING)
        .select_related("submitter")
        .order_by("submitted_at", "pk")
    )


def inbox_count(*, actor: User) -> int:
    """Counted from the inbox index: the actor's waiting tasks on their requests' current step."""
    return ApprovalTask.objects.filter(
        approver=actor, decision=Decision.PENDING, position=F("request__step"), request__status=RequestStatus.PENDING
    ).count()


def submitted_by(*, actor: User) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.visible_to(actor).filter(submitter=actor).select_related("submitter")


def with_tasks(requests: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    return requests.prefetch_related(
        Prefetch("tasks", queryset=ApprovalTask.objects.select_related("approver").order_by("position", "pk"))
    )


def history_of(*, record_type: str, object_id: object) -> QuerySet[ApprovalRequest]:
    """Every approval of one record, newest first (for the record's page: its own scope gate let the
    reader see the record)."""
    return with_tasks(
        ApprovalRequest.objects.filter(record_type=record_type, object_id=str(object_id)).select_related("submitter")
    )


def approver_readable(record_type: str, actor: User, path: str = "pk") -> Q:
    """The records of ``record_type`` that the actor has been asked to approve, now or before: a scope rule's
    ``readable`` rows, so a named approver outside the record's scope may still open what they decide."""
    asked = ApprovalTask.objects.filter(approver=actor, request__record_type=record_type).annotate(
        record_id=Cast("request__object_id", BigIntegerField())
    )
    return Q(**{f"{path}__in": asked.values("record_id")})


def may_decide(*, actor: User, request: ApprovalRequest) -> bool:
    return (
        request.is_pending
        and request.submitter_id != actor.pk
        and ApprovalTask.objects.filter(
            request=request, position=request.step, approver=actor, decision=Decision.PENDING
        ).exists()
    )


def may_withdraw(*, actor: User, request: ApprovalRequest) -> bool:
    return (
        request.is_pending
        and request.submitter_id == actor.pk
        and request.step == 1
        and not request.tasks.filter(decision__in=[Decision.APPROVED, Decision.REJECTED]).exists()
    )


def may_withdraw_record(*, actor: User, record_type: str, object_id: object) -> bool:
    """Whether the record's page offers the actor its Withdraw button: their own request still waits and nobody
    has decided a step of it."""
    request = ApprovalRequest.objects.filter(
        record_type=record_type, object_id=str(object_id), status=RequestStatus.PENDING, submitter=actor
    ).first()
    return request is not None and may_withdraw(actor=actor, request=request)


def flows_of_unit(*, actor: User, unit_id: int | None) -> dict[str, ApprovalFlow]:
    rows = ApprovalFlow.objects.visible_to(actor).filter(business_unit_id=unit_id).prefetch_related("steps")
    return {flow.record_type: flow for flow in rows}


def _inbox_badge(request: HttpRequest) -> int:
    return inbox_count(actor=request.user)  # type: ignore[arg-type]


def register() -> None:
    from guanxi.core import navigation
    from guanxi.core.navigation import needs

    navigation.register(
        NavItem(_("Waiting for my approval"), "workflows:inbox", "checklist", order=15, badge=_inbox_badge)
    )
    navigation.register(
        NavItem(
            _("Approval flows"),
            "workflows:flows",
            "git-pull-request",
            order=930,
            visible=needs("approval_flows.view"),
            section=_("Settings"),
        )
    )


__all__ = ["history_of", "inbox", "inbox_count", "reverse"]
