"""The integrations' tables: webhooks (``webhooks/models.py``) and mailboxes (``mailboxes/models.py``)."""

from .mailboxes.models import Email, EmailAttachment, EmailLink, EmailTemplate, Mailbox, MailboxFolder
from .webhooks.models import Attempt, Delivery, DeliveryStatus, Subscription

__all__ = [
    "Attempt", "Delivery", "DeliveryStatus", "Email", "EmailAttachment", "EmailLink", "EmailTemplate", "Mailbox",
    "MailboxFolder",
    "Subscription",
]  # fmt: skip


def register() -> None:
    from .mailboxes import models as mailboxes
    from .webhooks import models as webhooks

    webhooks.register()
    mailboxes.register()
