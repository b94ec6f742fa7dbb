"""Reads of the audit log, through the data-scope gate, and its presentation in people's words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from guanxi.core.audit import history_of, label_of
from guanxi.core.models import AuditEntry
from guanxi.core.permissions import has_perm
from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import User

HISTORY_PAGE = 10


def audit_entries(*, actor: User) -> ScopedQuerySet[AuditEntry]:
    """The entries the actor may read: module ``audit`` with their role's scope (by who acted)."""
    return AuditEntry.objects.visible_to(actor)


def model_of(object_type: str) -> type[models.Model] | None:
    """The model an entry's ``object_type`` ("org.user") names, if it still exists."""
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def record_type_label(object_type: str) -> str:
    model = model_of(object_type)
    return str(capfirst(model._meta.verbose_name)) if model else object_type


def record_type_choices() -> list[tuple[str, str]]:
    """Every Guanxi record type, for the filter (no query over the log)."""
    found = [
        (model._meta.label_lower, str(capfirst(model._meta.verbose_name)))
        for model in apps.get_models()
        if model.__module__.startswith("guanxi.")
    ]
    return sorted(found, key=lambda choice: choice[1])


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    before: str
    after: str


def change_rows(entry: AuditEntry) -> list[ChangeRow]:
    """The field-level before/after of an entry, with the fields' verbose names where they exist."""
    model = model_of(entry.object_type)
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    rows = []
    for name, values in sorted(changes.items()):
        before, after = values if isinstance(values, list | tuple) and len(values) == 2 else (None, values)
        field = _field(model, name)
        label = str(capfirst(field.verbose_name)) if field is not None else name
        rows.append(ChangeRow(name, label, _display(field, before), _display(field, after)))
    return rows


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _display(field: models.Field[Any, Any] | None, value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is not None and field.choices and not isinstance(value, list | dict):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True)
class History:
    """One page of a record's History tab; ``next_url`` loads the following page."""

    entries: list[AuditEntry]
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
    return History(found[:per_page], next_url, has_perm(actor, "audit.view"))
