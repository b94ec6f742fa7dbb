"""Queue work of sends: plan a send's recipients, then deliver; the periodic sweep catches the rest."""

from __future__ import annotations

from django.utils import timezone
from huey.contrib.djhuey import db_task

from guanxi.core.jobs import run_job

from . import sending


@db_task()
def plan_task(message_id: int) -> None:
    if sending.plan(message_id, at=timezone.now()):
        deliver_task()


@db_task()
def deliver_task() -> None:
    run_job("marketing_deliver")


def queue_plan(message_id: int) -> None:
    plan_task(message_id)
