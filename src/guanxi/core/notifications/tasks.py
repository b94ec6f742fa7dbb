"""Queue work of notifications: one task per e-mail, and a sweep for those the queue lost."""

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.core.jobs import job, run_job

from .services import MAX_EMAIL_ATTEMPTS, notification_email_send, notifications_email_sweep


@db_task(retries=MAX_EMAIL_ATTEMPTS - 1, retry_delay=60)
def send_notification_email(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)


@job("notification_emails")
def notification_emails(at: datetime) -> str:
    """Send notification e-mails whose queue message was lost, and retry failed ones."""
    return f"{notifications_email_sweep(at=at)} notification e-mails sent"


@db_periodic_task(crontab(minute="*/10"))
def notification_emails_sweep() -> None:
    run_job("notification_emails")
