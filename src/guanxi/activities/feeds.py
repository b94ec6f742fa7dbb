"""The personal calendar feed (SPEC §4.2): an iCalendar file of one user's plans that a phone calendar
subscribes to by a private URL. The URL carries a secret token; only its SHA-256 is stored, so the URL is
shown once when issued. Issuing a new one or revoking ends the old one at once (it then answers 404)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from guanxi.core.audit import Action, audit_log
from guanxi.core.permissions import require_perm
from guanxi.org.models import User

from .models import FeedToken, Plan

PAST = timedelta(days=60)
FUTURE = timedelta(days=365)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_token_issue(*, actor: User) -> str:
    """A new secret for the actor's feed (any former one stops working); returns it, to show once."""
    require_perm(actor, "activities.view")
    token = secrets.token_urlsafe(32)
    FeedToken.objects.update_or_create(
        user=actor, defaults={"token_hash": _digest(token), "created_at": timezone.now()}
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=actor, note="calendar feed token issued")
    return token


@transaction.atomic
def feed_token_revoke(*, actor: User) -> bool:
    deleted, _ = FeedToken.objects.filter(user=actor).delete()
    if deleted:
        audit_log(actor=actor, action=Action.UPDATE, obj=actor, note="calendar feed token revoked")
    return bool(deleted)


def feed_user(token: str) -> User | None:
    """The active user whose feed this token opens, or None (unknown, revoked, or user not active)."""
    if not token or len(token) > 100:
        return None
    row = FeedToken.objects.filter(token_hash=_digest(token)).select_related("user").first()
    if row is None or row.user.status != User.Status.ACTIVE or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=10):
        FeedToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def feed_ics(*, user: User, at: datetime, base_url: str = "") -> bytes:
    """The user's open and done plans from two months back to a year ahead, read through the scope gate."""
    plans = (
        Plan.objects.visible_to(user)
        .filter(owner=user, status__in=[Plan.Status.OPEN, Plan.Status.DONE])
        .filter(starts_at__lt=at + FUTURE, due_at__gte=at - PAST)
        .select_related("customer")
        .order_by("starts_at", "pk")[:2000]
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Guanxi CRM//plans//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Guanxi · {user.display_name}")
    host = getattr(settings, "ICAL_UID_DOMAIN", "guanxi")
    for plan in plans:
        event = Event()
        event.add("uid", f"plan-{plan.pk}@{host}")
        event.add("summary", f"{plan.customer.name} · {plan.subject}" if plan.customer else plan.subject)
        # In UTC ("…Z"): every calendar reads it without a VTIMEZONE block.
        event.add("dtstart", plan.starts_at.astimezone(UTC))
        event.add("dtend", max(plan.due_at, plan.starts_at + timedelta(minutes=30)).astimezone(UTC))
        event.add("dtstamp", plan.updated_at.astimezone(UTC))
        event.add("last-modified", plan.updated_at.astimezone(UTC))
        event.add("sequence", plan.version)
        event.add("status", "CONFIRMED")
        if plan.status == Plan.Status.DONE:
            event.add("x-guanxi-status", "done")
        if plan.script:
            event.add("description", plan.script)
        if base_url:
            event.add("url", base_url + plan.get_absolute_url())
        calendar.add_component(event)
    return calendar.to_ical()
