"""Reads of notifications: always the actor's own, through the data-scope gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from guanxi.core.models import Notification, NotificationPreference

from .kinds import Kind, all_kinds

if TYPE_CHECKING:
    from guanxi.org.models import User


def notifications_of(*, actor: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's notifications shown in the app, newest first."""
    rows = Notification.objects.visible_to(actor).filter(in_app=True)
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(*, actor: User) -> int:
    """The bell's badge: served by the partial index on unread rows."""
    return notifications_of(actor=actor, unread_only=True).count()


def latest_notifications(*, actor: User, limit: int = 5) -> list[Notification]:
    return list(notifications_of(actor=actor)[:limit])


@dataclass(frozen=True)
class PreferenceRow:
    kind: Kind
    in_app: bool
    email: bool


def notification_preferences_of(*, user: User) -> list[PreferenceRow]:
    """Every registered kind with the user's choice, or the kind's default where they made none."""
    saved = {row.kind: row for row in NotificationPreference.objects.filter(user=user)}
    rows = []
    for kind in all_kinds():
        row = saved.get(kind.code)
        rows.append(
            PreferenceRow(
                kind,
                row.in_app if row else kind.default_in_app,
                row.email if row else kind.default_email,
            )
        )
    return rows
