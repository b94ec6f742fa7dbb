"""Reads of the audit log, through the data-scope gate, and its presentation in people's words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils.text import capfirst

from guanxi.core.audit import history_of, label_of
from guanxi.core.models import AuditEntry, Notification
from guanxi.core.permissions import has_perm
from guanxi.core.scope import ScopedQuerySet, registered_models

from .presentation import ShownEntry, model_of, present_entries

if TYPE_CHECKING:
    from guanxi.org.models import User

HISTORY_PAGE = 10


def audit_entries(*, actor: User) -> ScopedQuerySet[AuditEntry]:
    """The entries the actor may read: module ``audit`` with their role's scope (by who acted)."""
    return AuditEntry.objects.visible_to(actor)


def record_type_label(object_type: str) -> str:
    model = model_of(object_type)
    return str(capfirst(model._meta.verbose_name)) if model else object_type


def record_type_choices() -> list[tuple[str, str]]:
    """The record types people work with (those behind the data-scope gate, not the log and the
    notifications themselves), named in the reader's language, for the filter (no query over the log)."""
    found = [
        (model._meta.label_lower, str(capfirst(model._meta.verbose_name)))
        for model in registered_models()
        if model not in (AuditEntry, Notification)
    ]
    return sorted(found, key=lambda choice: choice[1])


@dataclass(frozen=True)
class History:
    """One page of a record's History tab; ``next_url`` loads the following page."""

    entries: list[ShownEntry]
    next_url: str
    show_ip: bool


def record_history(*, actor: User, obj: models.Model, page: int = 1, per_page: int = HISTORY_PAGE) -> History:
    """The audit entries of one record, newest first. The caller fetched ``obj`` through the gate:
    whoever may see a record may see its history; the IP address only with ``audit.view``."""
    page = max(page, 1)
    start = (page - 1) * per_page
    found = list(history_of(obj).select_related("actor")[start : start + per_page + 1])
    more = len(found) > per_page
    next_url = ""
    if more:
        next_url = f"{reverse('core:record_history', args=[label_of(obj), obj.pk])}?page={page + 1}"
    return History(present_entries(actor=actor, entries=found[:per_page]), next_url, has_perm(actor, "audit.view"))
