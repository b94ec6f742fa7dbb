"""Approval flows and the requests that run through them (SPEC §14.6). A flow belongs to one business unit
and one record type; a request is one record's way through the flow's steps, each step decided by one of
its approvers (one task row per possible approver, so the inbox is an indexed read)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit, Role


class ApproverKind(models.TextChoices):
    ROLE = "role", _("Anyone holding a role in the unit")
    MANAGER = "manager", _("The submitter's manager, n levels up")
    USER = "user", _("A named person")


class ApprovalFlow(models.Model):
    """How records of one type are approved in one business unit: its ordered steps."""

    business_unit = models.ForeignKey(
        BusinessUnit, models.CASCADE, related_name="approval_flows", verbose_name=_("business unit")
    )
    record_type = models.CharField(_("record type"), max_length=40)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ScopedQuerySet["ApprovalFlow"].as_manager()

    class Meta:
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")
        ordering = ["business_unit", "record_type"]
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "record_type"], name="approval_flow_one_per_type"),
        ]

    def __str__(self) -> str:
        from .registry import record_type_label

        return str(record_type_label(self.record_type))


class ApprovalStep(models.Model):
    """One step of a flow. With ``min_amount`` the step applies only to records of at least that amount."""

    flow = models.ForeignKey(ApprovalFlow, models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("approver"), max_length=10, choices=ApproverKind.choices)
    role = models.ForeignKey(Role, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("role"))
    levels = models.PositiveSmallIntegerField(_("levels up"), default=1)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    min_amount = models.DecimalField(
        _("from amount"), max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["flow", "position"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "position"], name="approval_step_unique_position"),
            models.CheckConstraint(condition=Q(levels__gte=1, levels__lte=10), name="approval_step_levels_range"),
        ]

    def __str__(self) -> str:
        return f"{self.flow_id}#{self.position}"

    def applies_to(self, amount: Decimal | None) -> bool:
        return self.min_amount is None or (amount is not None and amount >= self.min_amount)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalRequest(models.Model):
    """One record submitted for approval. ``step`` is the position now waiting; moving it on (or closing the
    request) is a conditional UPDATE on (status, step), so two approvers deciding at once cannot both win."""

    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    record_type = models.CharField(_("record type"), max_length=40)
    object_id = models.CharField(max_length=40)
    title = models.CharField(_("subject"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="approval_requests", verbose_name=_("submitted by")
    )
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    step = models.PositiveSmallIntegerField(_("step"), default=1)
    step_count = models.PositiveSmallIntegerField(default=1)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Why it needs approval, as codes with their figures; the record type words them in the reader's language.
    reasons = models.JSONField(default=list, blank=True)

    objects = ScopedQuerySet["ApprovalRequest"].as_manager()

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["record_type", "object_id", "-submitted_at"], name="approval_request_record"),
            models.Index(fields=["submitter", "-submitted_at"], name="approval_request_submitter"),
        ]
        constraints = [
            # One live request per record: a second submit while one waits is refused by the database.
            models.UniqueConstraint(
                fields=["record_type", "object_id"],
                condition=Q(status="pending"),
                name="approval_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("workflows:approval", args=[self.pk])

    def opens_for(self, user: Any) -> bool:
        """May ``user`` open the request's page (its submitter or one of its approvers, as the scope rule says)?
        Reads the prefetched tasks: for a record's history, whose readers may not all be party to it."""
        return self.submitter_id == user.pk or any(task.approver_id == user.pk for task in self.tasks.all())

    @property
    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING

    @property
    def kind_label(self) -> str:
        """What is asked (a contract, voiding one, a receipt …), in the reader's language."""
        from .registry import record_type_get

        return str(record_type_get(self.record_type).label)

    @property
    def shown_reasons(self) -> list[str]:
        """Why it needs approval, in the reader's language."""
        from .registry import record_type_get

        describe = record_type_get(self.record_type).describe
        return describe(self.reasons) if describe and self.reasons else []


class Decision(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SKIPPED = "skipped", _("Decided by another approver")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalTask(models.Model):
    """One person who may decide one step of a request; the first of a step's approvers to decide counts."""

    request = models.ForeignKey(ApprovalRequest, models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="approval_tasks")
    # Why this person: the step's kind, or "fallback" when they stand in for someone who left.
    reason = models.CharField(max_length=10)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "position", "pk"]
        indexes = [
            # The inbox: an approver's waiting tasks, newest first.
            models.Index(
                fields=["approver", "-id"],
                include=["request", "position"],
                condition=Q(decision="pending"),
                name="approval_task_inbox",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["request", "position", "approver"], name="approval_task_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.position} {self.approver_id}"


def register() -> None:
    """The permissions and data scope of approvals: whoever submits or is asked sees the request."""
    from guanxi.core import permissions, scope

    permissions.register_module(
        permissions.Module("approval_flows", _("Approval flows"), ("view", "configure"), kind="admin")
    )
    # Everyone has an inbox and their own requests; a request is shared with the people asked to decide it.
    permissions.register_module(permissions.Module("approvals", _("Approvals"), ("view",), kind=permissions.PERSONAL))
    scope.register(ApprovalRequest, scope.Rule("approvals", owner="submitter", shared="tasks__approver"))
    scope.register(ApprovalFlow, scope.Rule("approval_flows", owner=None, unit="business_unit", everyone=True))
