"""Periodic work of activities: the reminder sweeps (``guanxi jobs run reminders --at ISO``)."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .reminders import reminders_sweep


@job("reminders")
def reminders(at: datetime) -> str:
    """Plans due soon and overdue, and the daily digests due by ``at``."""
    return str(reminders_sweep(at=at))


@db_periodic_task(crontab(minute="*/5"))
def reminders_every_five_minutes() -> None:
    run_job("reminders")
