"""Periodic sweeps of the customers: the public pool's automatic return (SPEC §3.2)."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .sweep import reclaim


@job("reclaim_pool")
def reclaim_pool(at: datetime) -> str:
    """Return the customers due as of ``at`` to their pools; warn owners of those due within K days."""
    return str(reclaim(at))


@db_periodic_task(crontab(minute="5"))
def reclaim_pool_hourly() -> None:
    run_job("reclaim_pool")
