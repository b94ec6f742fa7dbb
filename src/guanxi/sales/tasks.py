"""Periodic sweeps of sales: approved or sent quotes past their validity expire; contracts start and remind
their owners before they end."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .contracts.services import contracts_remind, contracts_start, customers_contract_lapsed
from .quotes.services import quotes_expire


@job("expire_quotes")
def expire_quotes(at: datetime) -> str:
    """Expire approved or sent quotes whose validity ended before ``at``'s day."""
    return str(quotes_expire(at=at))


@db_periodic_task(crontab(minute="20", hour="0"))
def expire_quotes_nightly() -> None:
    run_job("expire_quotes")


@job("contracts_daily")
def contracts_daily(at: datetime) -> str:
    """Signed contracts whose start date has come run; owners hear once of contracts about to end; with the
    pool's contract-end rule on, won customers whose last contract ended long ago go back to the pool."""
    started = contracts_start(at=at)
    reminded = contracts_remind(at=at)
    returned = customers_contract_lapsed(at=at)
    return f"started {started}, reminded {reminded}" + (f", returned {returned}" if returned else "")


@db_periodic_task(crontab(minute="30", hour="0"))
def contracts_daily_nightly() -> None:
    run_job("contracts_daily")
