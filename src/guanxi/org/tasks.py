"""Periodic sweeps of the organisation."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .security import user_sessions_prune


@job("prune_user_sessions")
def prune_user_sessions(at: datetime) -> str:
    """Forget the online-user records of expired sessions."""
    return f"{user_sessions_prune(at=at)} stale session records deleted"


@db_periodic_task(crontab(minute="27", hour="3"))
def prune_user_sessions_daily() -> None:
    run_job("prune_user_sessions")
