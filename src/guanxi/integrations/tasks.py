"""The integrations' periodic sweeps: webhook dispatch and delivery every minute, mailbox sync every five,
the delivery log pruned every night."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import run_job

from .mailboxes import sync as _mailbox_sync  # noqa: F401  (registers the mailbox jobs and tasks)
from .webhooks import delivery as _delivery  # noqa: F401  (registers the webhook jobs and tasks)


@db_periodic_task(crontab(minute="*"))
def webhooks_every_minute() -> None:
    """What the queue lost or a stopped worker left: events to dispatch, deliveries due (retries)."""
    run_job("webhooks_dispatch")
    run_job("webhooks_deliver")


@db_periodic_task(crontab(minute="*/5"))
def mailboxes_every_five_minutes() -> None:
    run_job("mailboxes_sync")


@db_periodic_task(crontab(hour="4", minute="20"))
def webhooks_prune_nightly() -> None:
    run_job("webhooks_prune")
