"""Reads of the script library: by scenario, product, stage and words, recommended and most useful first."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from guanxi.org.models import User

from .models import Script


def library(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Script]:
    filters = filters or {}
    rows = Script.objects.visible_to(actor).select_related("product", "stage", "author")
    if filters.get("scenario"):
        rows = rows.filter(scenario=filters["scenario"])
    if filters.get("product"):
        rows = rows.filter(product_id=filters["product"])
    if filters.get("stage"):
        rows = rows.filter(stage_id=filters["stage"])
    for term in str(filters.get("q") or "").split()[:5]:
        rows = rows.filter(Q(title__icontains=term) | Q(body__icontains=term) | Q(tags__icontains=term))
    return rows.order_by("-featured", "-useful_count", "pk")


def for_stage(*, actor: User, stage_id: int | None, limit: int = 5) -> list[Script]:
    """The scripts to show beside a follow-up of an opportunity in this stage."""
    if stage_id is None:
        return []
    return list(library(actor=actor, filters={"stage": stage_id})[:limit])
