"""The integrations' world: two business units (tests.conftest.TwoUnits), a local HTTP receiver."""

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from django.utils import timezone

from guanxi.core.models import ParameterValue
from guanxi.integrations.mailboxes.models import Mailbox
from guanxi.integrations.mailboxes.services import mailbox_connect
from guanxi.integrations.webhooks.addresses import ALLOW_PRIVATE
from guanxi.org.models import BusinessUnit, User

from .mailserver import PASSWORD, Imap, dovecot
from .receiver import Receiver, receiver


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


def allow_private(unit: BusinessUnit, allowed: bool = True) -> None:
    ParameterValue.objects.update_or_create(business_unit=unit, code=ALLOW_PRIVATE, defaults={"value": allowed})


@pytest.fixture
def imap_server(tmp_path: Path) -> Iterator[Imap]:
    with dovecot(tmp_path, [ALICE_MAIL, BOB_MAIL]) as running:
        yield running


ALICE_MAIL = "alice@guanxi-sales.cn"
BOB_MAIL = "bob@guanxi-sales.cn"


def connect(user: User, server: Imap, address: str = ALICE_MAIL, password: str = PASSWORD, **data: object) -> Mailbox:
    values = {
        "address": address, "display_name": str(user.display_name), "imap_host": "127.0.0.1",
        "imap_port": server.port, "imap_security": "none", "smtp_host": "127.0.0.1", "smtp_port": 25,
        "smtp_security": "none", **data,
    }  # fmt: skip
    return mailbox_connect(actor=user, data=values, password=password)


def mail(
    subject: str = "报价单",
    sender: str = "zhang@huaxin-tech.cn",
    to: str = ALICE_MAIL,
    body: str = "您好，附件是报价单。",
    message_id: str | None = None,
    date: datetime | None = None,
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="huaxin-tech.cn")
    message["Date"] = format_datetime(date or timezone.now())
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()
