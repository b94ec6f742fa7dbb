"""Periodic sweeps of the shared kernel."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .jobs import job, run_job
from .services import sessions_clear_expired


@job("clear_sessions")
def clear_sessions(at: datetime) -> str:
    """Delete expired sign-in sessions."""
    return f"{sessions_clear_expired(at=at)} expired sessions deleted"


@db_periodic_task(crontab(minute="17", hour="3"))
def clear_sessions_daily() -> None:
    run_job("clear_sessions")
