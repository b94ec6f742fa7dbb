"""Writing the audit log: every service that changes a main record calls ``audit_log`` in its transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from .bulk import rows_insert
from .context import client_ip
from .models import AuditEntry
from .texts import Text

Action = AuditEntry.Action
NOTE_LENGTH = 500


def label_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


# Record types that moved to another app: their entries from before the move keep the old label (entries are
# append-only), so a record's history reads both. Filled by ``register_former_label`` in ``ready()``.
FORMER_LABELS: dict[str, list[str]] = {}


def register_former_label(model: type[models.Model], former: str) -> None:
    FORMER_LABELS.setdefault(label_of(model), []).append(former)


def labels_of(label: str) -> list[str]:
    """A record type's label and the labels it had before it moved."""
    return [label, *FORMER_LABELS.get(label, [])]


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The record's concrete field values as JSON-friendly data (foreign keys by id)."""
    names = fields or [f.name for f in obj._meta.concrete_fields if f.name not in _NEVER_LOGGED]
    values: dict[str, Any] = {}
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname) if field.is_relation else getattr(obj, name)  # type: ignore[union-attr]
        values[name] = _plain(value)
    return values


_NEVER_LOGGED = {"password", "version", "updated_at"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        name: [before.get(name), after.get(name)]
        for name in after.keys() | before.keys()
        if before.get(name) != after.get(name)
    }


def audit_log(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    note: str | Text = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Record an action, inside the service's transaction so the entry and the change land together. A
    ``Text`` note is kept as its message id and parameters and reads in each reader's language."""
    entry = audit_entry(
        actor=actor, action=action, obj=obj, changes=changes, note=note, object_type=object_type,
        object_id=object_id, object_repr=object_repr,
    )  # fmt: skip
    entry.save()
    return entry


def audit_entry(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    note: str | Text = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """The entry ``audit_log`` writes, unsaved: a service that saves records by the hundred writes their
    entries with one ``AuditEntry.objects.bulk_create``."""
    if isinstance(note, Text):
        note = note.stored()
        if len(note) > NOTE_LENGTH:
            raise ValueError("An audit note's parameters must be short enough to store whole.")
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=user,
        actor_name=str(user or ""),
        ip=client_ip.get(),
        action=action,
        object_type=label_of(obj) if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else object_id,
        object_repr=(str(obj) if obj is not None else object_repr)[:200],
        changes=changes or {},
        note=note[:NOTE_LENGTH],
    )


def audit_log_many(
    *,
    actor: Any,
    action: str,
    changes: Iterable[tuple[models.Model, dict[str, Any]]],
    notes: Mapping[Any, str] | None = None,
    at: datetime | None = None,
) -> None:
    """``audit_log`` of many records at once, each with its changes (and its note, by primary key): one
    set-based insert of the entries, as rows rather than model instances (an import or a sweep writes them by
    the thousand)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    now, name, ip = at or timezone.now(), str(user or ""), client_ip.get()
    rows = [
        (now, user.pk if user else None, name, ip, action, label_of(obj), str(obj.pk), str(obj)[:200], changed,
         (notes or {}).get(obj.pk, "")[:500])
        for obj, changed in changes
    ]  # fmt: skip
    rows_insert(
        AuditEntry,
        ["at", "actor", "actor_name", "ip", "action", "object_type", "object_id", "object_repr", "changes", "note"],
        rows,
    )


def history_of(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """The audit entries of one record, newest first (the History tab)."""
    return AuditEntry.objects.filter(object_type__in=labels_of(label_of(obj)), object_id=str(obj.pk))
