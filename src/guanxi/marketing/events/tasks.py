"""Queue work of events: send the confirmations due (the registration just made among them)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from guanxi.core.jobs import run_job

from . import confirmations as _confirmations  # noqa: F401  (registers the marketing_confirm job)


@db_task()
def confirm_task() -> None:
    run_job("marketing_confirm")


def queue_confirmations() -> None:
    confirm_task()
