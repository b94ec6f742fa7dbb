"""Mailbox synchronisation (SPEC §13.4): the sweep ``mailboxes_sync`` claims each mailbox that is due with a
lease (a conditional UPDATE), so two workers never read one mailbox at once, and reads its inbox and sent
folder by UID from where it stopped:

- UIDs above the folder's mark, in batches; each batch is stored in one transaction with the new mark, so a
  crash or a server that closes mid-fetch loses nothing and stores nothing twice (the Message-ID decides);
- a changed UIDVALIDITY (the server renumbered the folder) reads the folder again from the start, and the
  Message-IDs already stored are skipped;
- a refused password, an unreachable server or a broken connection are recorded on the mailbox (state, last
  error) and tried again after a growing wait; nothing a server does crashes the job."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from huey.contrib.djhuey import db_task
from imap_tools import AND, U

from guanxi.core.jobs import job

from .models import Mailbox, MailboxFolder, MailboxState
from .parsing import parse_message
from .services import emails_store, mailbox_state_record
from .transport import AuthenticationFailed, TransportError, imap

log = logging.getLogger(__name__)

BATCH = 200
LEASE = timedelta(minutes=15)
# Mail the user sent from a day before connecting counts as follow-ups; older history shows, but does not count.
COUNTS_BACK = timedelta(days=1)


@job("mailboxes_sync")
def sync_due(at: datetime) -> str:
    """Every mailbox due at ``at``, one at a time, each under its lease."""
    done = failed = 0
    due = Mailbox.objects.filter(next_sync_at__lte=at).exclude(state=MailboxState.DISABLED).order_by("next_sync_at")
    for pk in list(due.values_list("pk", flat=True)[:500]):
        outcome = sync_one(pk, at=at)
        if outcome is None:
            continue
        done, failed = (done + 1, failed) if outcome else (done, failed + 1)
    return f"{done} mailboxes synchronised, {failed} failed"


def _claim(pk: int, at: datetime) -> Mailbox | None:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=at)
    if not Mailbox.objects.filter(free, pk=pk).exclude(state=MailboxState.DISABLED).update(claimed_until=at + LEASE):
        return None
    return Mailbox.objects.select_related("owner").get(pk=pk)


def sync_one(pk: int, *, at: datetime | None = None) -> bool | None:
    """Synchronise one mailbox now: True when it worked, False when the server failed (recorded), None when
    another worker holds it."""
    at = at or timezone.now()
    mailbox = _claim(pk, at)
    if mailbox is None:
        return None
    try:
        with imap(mailbox) as client:
            for name in dict.fromkeys([mailbox.inbox_folder, mailbox.sent_folder]):
                _sync_folder(client, mailbox, name)
    except AuthenticationFailed as error:
        mailbox_state_record(mailbox, at=at, error=str(error), state=MailboxState.AUTH_FAILED)
        return False
    except TransportError as error:
        mailbox_state_record(mailbox, at=at, error=str(error), state=MailboxState.FAILING)
        return False
    except Exception as error:
        log.exception("mailbox %s: synchronisation failed", pk)
        mailbox_state_record(mailbox, at=at, error=f"{type(error).__name__}: {error}", state=MailboxState.FAILING)
        return False
    mailbox_state_record(mailbox, at=at)
    return True


def _sync_folder(client: object, mailbox: Mailbox, name: str) -> None:
    from imap_tools import BaseMailBox
    from imap_tools.errors import MailboxFolderSelectError, MailboxFolderStatusError

    assert isinstance(client, BaseMailBox)
    try:
        status = client.folder.status(name, ["UIDVALIDITY", "UIDNEXT"])
        client.folder.set(name, readonly=True)
    except (MailboxFolderSelectError, MailboxFolderStatusError):
        if name == mailbox.sent_folder and name != mailbox.inbox_folder:
            return  # no sent folder (yet): nothing to read there
        raise
    validity = int(status.get("UIDVALIDITY", 0))
    folder, _ = MailboxFolder.objects.get_or_create(mailbox=mailbox, name=name)
    if folder.uid_validity != validity:
        # a new folder, or the server renumbered it: read it from the start; stored Message-IDs are skipped
        MailboxFolder.objects.filter(pk=folder.pk).update(uid_validity=validity, last_uid=0)
        folder.uid_validity, folder.last_uid = validity, 0
    if int(status.get("UIDNEXT", 0) or 0) and int(status["UIDNEXT"]) <= folder.last_uid + 1:
        return  # nothing new
    uids = [int(uid) for uid in client.uids(AND(uid=U(str(folder.last_uid + 1), "*")))]
    uids = sorted(uid for uid in uids if uid > folder.last_uid)  # "n:*" names the last message even below n
    counts_from = mailbox.created_at - COUNTS_BACK
    for start in range(0, len(uids), BATCH):
        chunk = uids[start : start + BATCH]
        batch = []
        for message in client.fetch(AND(uid=",".join(map(str, chunk))), mark_seen=False, bulk=True):
            if message.uid is None:
                continue
            batch.append((int(message.uid), parse_message(message.obj, size=message.size_rfc822)))
        if batch:
            emails_store(mailbox=mailbox, folder=folder, messages=batch, counts_from=counts_from)


@db_task()
def sync_task(pk: int) -> None:
    sync_one(pk)
