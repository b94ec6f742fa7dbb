"""The approvals' sweep: steps whose approvers left or were frozen fall to their managers."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .services import approvals_reroute


@job("reroute_approvals")
def reroute_approvals(at: datetime) -> str:
    """Give waiting steps whose approvers left or were frozen to their managers."""
    return str(approvals_reroute(at=at))


@db_periodic_task(crontab(minute="*/15"))
def reroute_approvals_often() -> None:
    run_job("reroute_approvals")
