"""Marketing's periodic sweeps: sends whose planning was lost, deliveries due (retries, the SMS queued
through the quiet hours to the morning), event registrations' confirmations due, and the campaigns' stored
results (changed ones every minute, all of them every night)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import run_job

from .campaigns import results as _results  # noqa: F401  (registers the results jobs)
from .events import tasks as _event_tasks  # noqa: F401  (registers the confirmation task and job)
from .messages import tasks as _message_tasks  # noqa: F401  (registers the send tasks and jobs)


@db_periodic_task(crontab(minute="*"))
def marketing_every_minute() -> None:
    run_job("marketing_plan")
    run_job("marketing_deliver")
    run_job("marketing_confirm")
    run_job("marketing_results")


@db_periodic_task(crontab(hour="2", minute="40"))
def marketing_nightly() -> None:
    run_job("marketing_results_rebuild")
