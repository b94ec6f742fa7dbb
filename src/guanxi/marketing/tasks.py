"""Marketing's periodic sweeps: sends whose planning was lost, deliveries due (retries, the SMS queued
through the quiet hours to the morning) and event registrations' confirmations due."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import run_job

from .events import tasks as _event_tasks  # noqa: F401  (registers the confirmation task and job)
from .messages import tasks as _message_tasks  # noqa: F401  (registers the send tasks and jobs)


@db_periodic_task(crontab(minute="*"))
def marketing_every_minute() -> None:
    run_job("marketing_plan")
    run_job("marketing_deliver")
    run_job("marketing_confirm")
