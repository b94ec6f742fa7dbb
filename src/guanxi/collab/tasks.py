"""The shared tools' sweep: announcements whose publication moment has come go out (each exactly once)."""

from __future__ import annotations

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .announcements.services import announcements_publish_due


@job("publish_announcements")
def publish_announcements(at: datetime) -> str:
    """Publish the announcements whose time has come and notify their audience, each once."""
    return f"{announcements_publish_due(at=at)} announcements published"


@db_periodic_task(crontab(minute="*"))
def publish_announcements_every_minute() -> None:
    run_job("publish_announcements")
