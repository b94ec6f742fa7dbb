"""Reads of follow-ups and plans, always through the scope gate (``visible_to``)."""

from __future__ import annotations

from django.db.models import Prefetch

from guanxi.core.scope import get_visible_or_404
from guanxi.org.models import User

from .models import FollowUp, FollowUpComment, Plan


def followup_for_detail(*, actor: User, pk: int) -> FollowUp:
    rows = FollowUp.objects.select_related("customer", "contact", "owner").prefetch_related(
        "attachments", Prefetch("comments", FollowUpComment.objects.select_related("author"))
    )
    return get_visible_or_404(rows, actor, pk=pk)


def plan_for_detail(*, actor: User, pk: int) -> Plan:
    rows = Plan.objects.select_related("customer", "contact", "owner", "followup")
    return get_visible_or_404(rows, actor, pk=pk)
