"""Periodic sweeps of the shared kernel."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .jobs import job, run_job
from .notifications import tasks as notification_tasks
from .services import sessions_clear_expired

__all__ = ["notification_tasks"]  # Huey discovers this module only: the notification tasks ride along


@job("clear_sessions")
def clear_sessions(at: datetime) -> str:
    """Delete expired sign-in sessions."""
    return f"{sessions_clear_expired(at=at)} expired sessions deleted"


@db_periodic_task(crontab(minute="17", hour="3"))
def clear_sessions_daily() -> None:
    run_job("clear_sessions")
