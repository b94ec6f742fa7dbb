"""Mailbox synchronisation (SPEC §13.4) against a real Dovecot the tests start: incremental by UID, a changed
UIDVALIDITY, duplicates never stored, matching, follow-ups, broken encodings, a refused password and a server
that breaks off mid-fetch — clear states, never a crash of the job."""

import base64
import email.policy
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage

import pytest
from django.utils import timezone

from guanxi.activities.models import FollowUp
from guanxi.core.jobs import run_job
from guanxi.core.models import Notification
from guanxi.customers.models import Customer
from guanxi.integrations.mailboxes import secrets, sync
from guanxi.integrations.mailboxes.models import Email, EmailLink, Mailbox, MailboxFolder
from guanxi.integrations.mailboxes.sync import sync_one
from tests.conftest import TwoUnits
from tests.customers.test_services import register

from .conftest import ALICE_MAIL, connect, mail
from .mailserver import PASSWORD, Imap, breaking_relay


def huaxin(world: TwoUnits) -> Customer:
    return register(
        world.alice, "上海华信科技有限公司", email="info@huaxin-tech.cn",
        contact={"name": "张三", "mobile": "13812345678", "email": "Zhang@Huaxin-Tech.cn"},
    )  # fmt: skip


def test_the_first_sync_reads_inbox_and_sent_then_only_what_is_new_matched_and_never_twice(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    customer = huaxin(two_units)
    contact = customer.contacts.get()
    imap_server.deliver(ALICE_MAIL, mail("询价：数控机床", date=timezone.now() - timedelta(days=30)))
    imap_server.deliver(ALICE_MAIL, mail("会议通知", sender="someone@elsewhere.com"))
    imap_server.deliver(
        ALICE_MAIL, mail("老报价", sender="info@huaxin-tech.cn", date=timezone.now() - timedelta(days=9))
    )
    mailbox = connect(two_units.alice, imap_server)
    imap_server.deliver(ALICE_MAIL, mail("回复：询价", sender=ALICE_MAIL, to="zhang@huaxin-tech.cn"), folder="Sent")
    assert sync_one(mailbox.pk) is True
    mailbox.refresh_from_db()
    assert (mailbox.state, mailbox.last_error, mailbox.failures) == ("ok", "", 0)
    assert Email.objects.filter(mailbox=mailbox).count() == 4
    linked = EmailLink.objects.filter(customer=customer)
    assert sorted(linked.values_list("email__subject", flat=True)) == ["回复：询价", "老报价", "询价：数控机床"]
    assert set(linked.filter(contact=contact).values_list("email__subject", flat=True)) == {
        "回复：询价",
        "询价：数控机床",
    }
    sent = Email.objects.get(subject="回复：询价")
    assert sent.direction == "out" and sent.folder == "Sent"
    # the user wrote to the customer after connecting: a follow-up of kind e-mail; older mail does not count
    followup = FollowUp.objects.get(customer=customer)
    assert (followup.channel, followup.owner, sent.followup) == ("email", two_units.alice, followup)
    inbox = MailboxFolder.objects.get(mailbox=mailbox, name="INBOX")
    assert inbox.last_uid == 3 and inbox.uid_validity
    imap_server.deliver(ALICE_MAIL, mail("新的询价"))
    assert sync_one(mailbox.pk) is True
    assert Email.objects.filter(mailbox=mailbox).count() == 5
    assert sync_one(mailbox.pk) is True  # nothing new: nothing stored, nothing changed
    assert Email.objects.filter(mailbox=mailbox).count() == 5
    assert MailboxFolder.objects.get(pk=inbox.pk).last_uid == 4


def test_a_changed_uid_validity_reads_the_folder_again_and_stores_no_duplicate(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    huaxin(two_units)
    first = mail("第一封", message_id="<first@huaxin-tech.cn>")
    imap_server.deliver(ALICE_MAIL, first, folder="Sent")
    mailbox = connect(two_units.alice, imap_server)
    sync_one(mailbox.pk)
    before = MailboxFolder.objects.get(mailbox=mailbox, name="Sent").uid_validity
    imap_server.recreate(ALICE_MAIL, "Sent")  # the server renumbers the folder
    imap_server.deliver(ALICE_MAIL, first, folder="Sent")
    imap_server.deliver(ALICE_MAIL, mail("第二封", message_id="<second@huaxin-tech.cn>"), folder="Sent")
    assert sync_one(mailbox.pk) is True
    folder = MailboxFolder.objects.get(mailbox=mailbox, name="Sent")
    assert folder.uid_validity != before and folder.last_uid == 2
    assert sorted(Email.objects.values_list("message_id", flat=True)) == [
        "<first@huaxin-tech.cn>", "<second@huaxin-tech.cn>",
    ]  # fmt: skip


def test_a_refused_password_is_a_state_with_its_error_and_a_later_retry_never_a_crash(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    mailbox = connect(two_units.alice, imap_server, password="wrong-password")
    assert mailbox.password_encrypted and "wrong-password" not in mailbox.password_encrypted
    start = timezone.now()
    summary = run_job("mailboxes_sync", at=start)
    mailbox.refresh_from_db()
    assert summary == "0 mailboxes synchronised, 1 failed"
    assert mailbox.state == "auth_failed" and "password" in mailbox.last_error
    assert mailbox.next_sync_at and mailbox.next_sync_at > start and mailbox.claimed_until is None
    assert Notification.objects.filter(recipient=two_units.alice, kind="mailbox_failed").count() == 1
    run_job("mailboxes_sync", at=mailbox.next_sync_at)
    mailbox.refresh_from_db()
    assert mailbox.failures == 2 and Notification.objects.filter(kind="mailbox_failed").count() == 1
    from guanxi.integrations.mailboxes.services import mailbox_update

    mailbox_update(actor=two_units.alice, mailbox=mailbox, version=mailbox.version, data={}, password=PASSWORD)
    assert sync_one(mailbox.pk) is True
    mailbox.refresh_from_db()
    assert (mailbox.state, mailbox.failures) == ("ok", 0)


def test_a_server_closing_mid_fetch_keeps_the_batches_read_and_the_next_sync_finishes_without_duplicates(
    two_units: TwoUnits, imap_server: Imap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "BATCH", 2)
    for n in range(6):
        imap_server.deliver(ALICE_MAIL, mail(f"第{n}封", body=f"{n}" * 20000))
    with breaking_relay(imap_server.port, after_bytes=50_000) as port:
        mailbox = connect(two_units.alice, imap_server, imap_port=port)
        assert sync_one(mailbox.pk) is False
    mailbox.refresh_from_db()
    assert mailbox.state == "failing" and mailbox.last_error
    kept = Email.objects.filter(mailbox=mailbox).count()
    assert kept in (2, 4)  # whole batches only
    assert MailboxFolder.objects.get(mailbox=mailbox, name="INBOX").last_uid == kept
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_port=imap_server.port)
    assert sync_one(mailbox.pk) is True
    assert Email.objects.filter(mailbox=mailbox).count() == 6


def test_a_server_that_is_down_is_a_state_and_the_waits_grow(two_units: TwoUnits, imap_server: Imap) -> None:
    mailbox = connect(two_units.alice, imap_server, imap_port=1)
    start = timezone.now()
    assert sync_one(mailbox.pk, at=start) is False
    mailbox.refresh_from_db()
    first_wait = mailbox.next_sync_at - start  # type: ignore[operator]
    assert mailbox.state == "failing" and "127.0.0.1" in mailbox.last_error
    assert sync_one(mailbox.pk, at=start) is False
    mailbox.refresh_from_db()
    assert mailbox.next_sync_at - start > first_wait  # type: ignore[operator]


def test_broken_encodings_and_an_attachment_over_25_mb_are_read_as_far_as_they_can_be(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    huaxin(two_units)
    gbk_subject = "=?gb2312?B?" + base64.b64encode("朱镕基批示的报价".encode("gbk")).decode() + "?="
    raw = (
        "From: =?utf-8?B?" + base64.b64encode("张三".encode()).decode() + "?= <zhang@huaxin-tech.cn>\r\n"
        f"To: {ALICE_MAIL}\r\nSubject: {gbk_subject}\r\nMessage-ID: <gbk@huaxin-tech.cn>\r\n"
        "Content-Type: text/plain; charset=gb2312\r\n\r\n"
    ).encode() + "镕基同志：报价已收到。".encode("gbk")
    imap_server.deliver(ALICE_MAIL, raw)
    undeclared = b"From: zhang@huaxin-tech.cn\r\nSubject: " + "未声明的编码".encode("gbk") + b"\r\n\r\nbody\r\n"
    imap_server.deliver(ALICE_MAIL, undeclared)
    imap_server.deliver(ALICE_MAIL, b"From: x@y.com\r\nSubject: =?unknown-8bit?Q?=FF?= =?utf-8?B?broken?=\r\n\r\nx\r\n")
    big = mail("大附件")
    message = message_from_bytes(big, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    message.add_attachment(b"\x00" * (26 * 1024 * 1024), maintype="application", subtype="zip", filename="图纸.zip")
    message.add_attachment("规格说明".encode(), maintype="text", subtype="plain", filename="规格.txt")
    imap_server.deliver(ALICE_MAIL, message.as_bytes())
    mailbox = connect(two_units.alice, imap_server)
    assert sync_one(mailbox.pk) is True
    assert Email.objects.get(message_id="<gbk@huaxin-tech.cn>").subject == "朱镕基批示的报价"
    gbk = Email.objects.get(message_id="<gbk@huaxin-tech.cn>")
    assert gbk.from_name == "张三" and "镕基同志" in gbk.body
    assert Email.objects.filter(subject="未声明的编码").exists()
    assert Email.objects.count() == 4
    files = {row.name: row for row in Email.objects.get(subject="大附件").attachments.all()}
    assert files["图纸.zip"].too_large and not files["图纸.zip"].file
    assert not files["规格.txt"].too_large and files["规格.txt"].file.read() == "规格说明".encode()


def test_passwords_are_encrypted_and_a_key_rotation_keeps_them_readable(settings: object) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MAILBOX_KEYS = [old]  # type: ignore[attr-defined]
    token = secrets.encrypt("授权码-123")
    assert "授权码" not in token and secrets.decrypt(token) == "授权码-123"
    settings.MAILBOX_KEYS = [new, old]  # type: ignore[attr-defined]
    assert secrets.decrypt(token) == "授权码-123"
    settings.MAILBOX_KEYS = [new]  # type: ignore[attr-defined]
    with pytest.raises(secrets.UnreadablePassword):
        secrets.decrypt(token)


@pytest.mark.django_db
def test_the_rotation_job_re_encrypts_every_password_with_the_new_key(
    two_units: TwoUnits, imap_server: Imap, settings: object
) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MAILBOX_KEYS = [old]  # type: ignore[attr-defined]
    mailbox = connect(two_units.alice, imap_server)
    settings.MAILBOX_KEYS = [new, old]  # type: ignore[attr-defined]
    assert run_job("mailboxes_rotate_keys") == "1 mailbox passwords re-encrypted, 0 unreadable"
    settings.MAILBOX_KEYS = [new]  # type: ignore[attr-defined]
    mailbox.refresh_from_db()
    assert secrets.decrypt(mailbox.password_encrypted) == PASSWORD


def test_a_batch_of_messages_is_matched_as_each_message_alone_would_be(two_units: TwoUnits) -> None:
    from guanxi.integrations.mailboxes.matching import matches, matches_many

    customer = huaxin(two_units)
    contact = customer.contacts.get()
    other = register(two_units.alice, "苏州恒通精密机械有限公司", email="sales@hengtong.cn", contact={"name": "李四"})
    messages = [
        ["ZHANG@huaxin-tech.cn", ALICE_MAIL],  # the contact (any case), and the mailbox's own address
        ["sales@hengtong.cn", "info@huaxin-tech.cn"],  # a customer's own address each
        ["someone@elsewhere.com"],
        [],
    ]
    unit = two_units.alice.business_unit_id
    assert unit is not None
    batch = matches_many(messages, unit_id=unit, own=[ALICE_MAIL])
    assert batch == [matches(addresses, unit_id=unit, own=[ALICE_MAIL]) for addresses in messages]
    assert batch[0] == [(customer.pk, contact.pk)]
    assert sorted(batch[1]) == sorted([(other.pk, None), (customer.pk, None)])
    assert batch[2:] == [[], []]
    assert matches_many(messages, unit_id=two_units.ben.business_unit_id or 0) == [[], [], [], []]  # another unit
