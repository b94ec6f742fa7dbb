"""Periodic sweeps of the leads: the lead pools' automatic return."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .pools.sweep import reclaim


@job("reclaim_leads")
def reclaim_leads(at: datetime) -> str:
    """Return the leads untouched past their pool's days as of ``at`` to their pools."""
    return f"{reclaim(at)} leads returned to their pools"


@db_periodic_task(crontab(minute="15"))
def reclaim_leads_hourly() -> None:
    run_job("reclaim_leads")
