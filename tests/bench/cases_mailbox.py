"""A mailbox's first synchronisation (SPEC §13.4). Target from the integrations issue: a mailbox of 20,000 messages
read the first time in ≤ 60 s, each message matched against the contacts (2 M at a million customers). The mail is
served by a real local Dovecot (tests/integrations/mailserver.py); the messages are written as maildir files
beforehand and moved into its mail directory, so the clock runs over starting the server (under a second) and the
synchronisation. What the run stored is deleted after it."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path

from django.utils import timezone

from guanxi.customers.models import Contact
from guanxi.integrations.mailboxes import secrets
from guanxi.integrations.mailboxes.models import Email, Mailbox
from guanxi.integrations.mailboxes.sync import sync_one
from tests.integrations.mailserver import DOVECOT, PASSWORD, dovecot, mail_ids

from .harness import NotBuilt, Picks, Probe, case

MESSAGES = 20_000
ADDRESS = "bench.sales@huaxin.example.cn"
SUBJECTS = ["报价单", "关于设备选型的咨询", "合同盖章件", "发货通知", "回复：技术参数确认", "会议纪要", "付款计划"]


@cache
def _senders() -> list[str]:
    senders = list(Contact.objects.exclude(email="").order_by("pk").values_list("email", flat=True)[:5000])
    if not senders:
        raise NotBuilt("contacts with e-mail addresses")
    return senders


def _written(count: int) -> Path:
    """Messages from the dataset's contacts (two in three) and from strangers, over the past year, as maildir files."""
    maildir = Path(tempfile.mkdtemp(prefix="gx-bench-maildir-"))
    rng = random.Random(13)
    senders, now = _senders(), timezone.now()
    for name in ("cur", "new", "tmp"):
        (maildir / name).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        message = EmailMessage()
        message["From"] = rng.choice(senders) if n % 3 else f"info{n}@supplier{n % 97}.example.com"
        message["To"] = ADDRESS
        message["Subject"] = f"{rng.choice(SUBJECTS)} {n}"
        message["Message-ID"] = make_msgid(idstring=str(n), domain="bench.example.cn")
        message["Date"] = format_datetime(now - (now - now.replace(month=1, day=1)) * rng.random())
        message.set_content("您好：\n\n附件请查收，如有问题请随时联系。\n\n此致\n敬礼\n" * 3)
        (maildir / "cur" / f"{1_700_000_000 + n}.M{n}P1.bench:2,S").write_bytes(message.as_bytes())
    uid, gid = mail_ids()
    for path in [maildir, *maildir.rglob("*")]:
        os.chown(path, uid, gid)
    return maildir


@case(f"mailbox first sync ({MESSAGES:,} messages)", target_ms=60_000, group="integrations")
def first_sync(picks: Picks) -> Probe:
    owner, unit = picks.salesperson, picks.salesperson.business_unit_id
    if unit is None or not Path(DOVECOT).exists():
        raise NotBuilt("a salesperson in a business unit, and Dovecot (make setup installs it)")
    maildir = _written(MESSAGES)

    def run(n: int) -> str | None:
        with tempfile.TemporaryDirectory(prefix="gx-bench-mail-") as tmp, dovecot(Path(tmp), [ADDRESS]) as server:
            maildir.rename(server.root / "mail" / ADDRESS)  # the server's directory goes, with it, at the end
            Mailbox.all_objects.filter(owner=owner).delete()
            mailbox = Mailbox.objects.create(
                owner=owner, business_unit_id=unit, created_by=owner, address=ADDRESS,
                username=ADDRESS, password_encrypted=secrets.encrypt(PASSWORD), imap_host="127.0.0.1",
                imap_port=server.port, imap_security="none", smtp_host="127.0.0.1", smtp_port=25,
                smtp_security="none",
            )  # fmt: skip
            try:
                worked = sync_one(mailbox.pk)
                mailbox.refresh_from_db()
                stored = Email.objects.filter(mailbox=mailbox).count()
                linked = Email.objects.filter(mailbox=mailbox, links__isnull=False).distinct().count()
            finally:
                Mailbox.all_objects.filter(pk=mailbox.pk).delete()  # its e-mails and their links with it
        print(f"    stored {stored:,} messages, {linked:,} of them matched to customers", file=sys.stderr)
        if not worked or stored != MESSAGES:
            return f"synchronised: {worked}, {stored} of {MESSAGES} stored ({mailbox.last_error})"
        return None

    return Probe(owner, "", run=run, repeat=1)
