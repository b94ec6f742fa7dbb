"""Writes of the shared kernel."""

from datetime import datetime

from django.contrib.sessions.models import Session


def sessions_clear_expired(*, at: datetime) -> int:
    """Delete sessions that expired before `at`; returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=at).delete()
    return deleted
