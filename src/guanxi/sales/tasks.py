"""Periodic sweeps of sales: approved or sent quotes past their validity expire."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .quotes.services import quotes_expire


@job("expire_quotes")
def expire_quotes(at: datetime) -> str:
    """Expire approved or sent quotes whose validity ended before ``at``'s day."""
    return str(quotes_expire(at=at))


@db_periodic_task(crontab(minute="20", hour="0"))
def expire_quotes_nightly() -> None:
    run_job("expire_quotes")
