"""Sending from the CRM through the user's own SMTP server (aiosmtpd, started by the test), threaded under the
message answered and saved to the sent folder of the real IMAP server — or, without a mailbox, through the
company's server; templates filled in."""

import pytest
from django.core.exceptions import ValidationError
from django.test.utils import override_settings

from guanxi.activities.models import FollowUp
from guanxi.core.errors import DomainError
from guanxi.core.models import ParameterValue
from guanxi.integrations.mailboxes import services
from guanxi.integrations.mailboxes.models import Email, Mailbox
from guanxi.integrations.mailboxes.sync import sync_one
from guanxi.org.models import User
from tests.conftest import TwoUnits

from .conftest import ALICE_MAIL, connect, mail
from .mailserver import PASSWORD, Imap, Smtp, smtp_server
from .test_mailboxes import huaxin


def test_a_reply_goes_through_the_users_smtp_threaded_saved_to_sent_and_stored_once(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    customer = huaxin(two_units)
    imap_server.deliver(ALICE_MAIL, mail("询价：数控机床", message_id="<ask@huaxin-tech.cn>"))
    with smtp_server(ALICE_MAIL) as smtp:
        mailbox = connect(two_units.alice, imap_server, smtp_port=smtp.port)
        sync_one(mailbox.pk)
        question = Email.objects.get(message_id="<ask@huaxin-tech.cn>")
        sent = services.email_send(
            actor=two_units.alice, to=["zhang@huaxin-tech.cn"], cc="boss@huaxin-tech.cn", subject="回复：询价",
            body="张总您好，报价见附件说明。", reply_to=question, customer=customer,
        )  # fmt: skip
        [envelope] = smtp.received
        [message] = smtp.messages()
    assert sorted(envelope.rcpt_tos) == ["boss@huaxin-tech.cn", "zhang@huaxin-tech.cn"]
    assert envelope.mail_from == ALICE_MAIL
    assert message["In-Reply-To"] == "<ask@huaxin-tech.cn>" and "<ask@huaxin-tech.cn>" in message["References"]
    assert message["Message-ID"] == sent.message_id
    assert (sent.direction, sent.thread_key, sent.in_reply_to) == (
        "out",
        "<ask@huaxin-tech.cn>",
        "<ask@huaxin-tech.cn>",
    )
    assert sent.links.filter(customer=customer).exists()
    assert FollowUp.objects.filter(customer=customer, channel="email", owner=two_units.alice).count() == 1
    [copy] = imap_server.messages(ALICE_MAIL, "Sent")
    assert sent.message_id.encode() in copy
    assert sync_one(mailbox.pk) is True  # the copy in Sent is the same message: stored once
    assert Email.objects.filter(message_id=sent.message_id).count() == 1


def test_a_refused_smtp_password_stores_nothing_and_says_so(two_units: TwoUnits, imap_server: Imap) -> None:
    with smtp_server("someone-else@guanxi-sales.cn") as smtp:
        connect(two_units.alice, imap_server, smtp_port=smtp.port)
        with pytest.raises(DomainError) as refused:
            services.email_send(actor=two_units.alice, to="zhang@huaxin-tech.cn", subject="你好", body="正文")
    assert refused.value.code == "smtp_failed" and "password" in str(refused.value.message)
    assert not Email.objects.exists() and imap_server.messages(ALICE_MAIL, "Sent") == []


def company_server(smtp: Smtp) -> override_settings:
    """The site's mail settings pointing at the local SMTP server: the company's server."""
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp.port,
        EMAIL_HOST_USER="", EMAIL_USE_TLS=False, EMAIL_USE_SSL=False,
        DEFAULT_FROM_EMAIL="华信销售 <crm@guanxi-sales.cn>",
    )  # fmt: skip


def test_without_a_mailbox_mail_goes_through_the_companys_server_answers_to_the_user(two_units: TwoUnits) -> None:
    customer = huaxin(two_units)
    User.objects.filter(pk=two_units.alice.pk).update(email="alice@guanxi-sales.cn")
    two_units.alice.refresh_from_db()
    with smtp_server("nobody") as smtp, company_server(smtp):
        first = services.email_send(
            actor=two_units.alice, to="zhang@huaxin-tech.cn", subject="报价", body="张总您好。", customer=customer
        )
        reply = services.email_send(
            actor=two_units.alice, to="zhang@huaxin-tech.cn", subject="Re: 报价", body="补充说明。", reply_to=first
        )
        [envelope, _] = smtp.received
        [message, answer] = smtp.messages()
    assert envelope.mail_from == "crm@guanxi-sales.cn" and envelope.rcpt_tos == ["zhang@huaxin-tech.cn"]
    assert "crm@guanxi-sales.cn" in message["From"] and message["Reply-To"] == "alice@guanxi-sales.cn"
    assert message["Message-ID"] == first.message_id and answer["In-Reply-To"] == first.message_id
    assert (first.owner_id, first.mailbox_id, first.direction) == (two_units.alice.pk, None, "out")
    assert reply.thread_key == first.message_id
    # on the customer's timeline (matched by the contact's address), each message a follow-up by Alice
    assert {link.customer_id for link in first.links.all()} == {customer.pk}
    assert FollowUp.objects.filter(customer=customer, channel="email", owner=two_units.alice).count() == 2
    assert list(Email.objects.visible_to(two_units.alice).order_by("pk")) == [first, reply]
    assert not Email.objects.visible_to(two_units.bella).exists()


def test_a_unit_may_require_a_mailbox_and_a_company_server_that_is_down_stores_nothing(two_units: TwoUnits) -> None:
    ParameterValue.objects.create(business_unit=two_units.unit_b, code=services.COMPANY_MAIL, value=False)
    with pytest.raises(DomainError) as refused:
        services.email_send(actor=two_units.bella, to="a@b.cn", subject="x", body="y")
    assert refused.value.code == "no_mailbox"
    with smtp_server("nobody") as smtp:
        down = smtp.port
    with company_server(Smtp(down)), pytest.raises(DomainError) as failed:  # the other unit still may, but it is down
        services.email_send(actor=two_units.alice, to="a@b.cn", subject="x", body="y")
    assert failed.value.code == "smtp_failed"
    assert not Email.objects.exists()


def test_bad_input_is_refused_by_field(two_units: TwoUnits, imap_server: Imap) -> None:
    connect(two_units.alice, imap_server)
    with pytest.raises(ValidationError) as invalid:
        services.email_send(actor=two_units.alice, to="not-an-address, ", subject=" ", body="")
    assert set(invalid.value.message_dict) == {"to", "subject", "body"}


def test_a_template_is_filled_with_the_customer_the_contact_and_the_sender(two_units: TwoUnits) -> None:
    customer = huaxin(two_units)
    template = services.template_create(
        actor=two_units.alice, name="报价跟进", subject="{customer} 报价", body="{contact}您好，我是{sender}。"
    )
    subject, body = services.template_fill(
        template, sender=two_units.alice, customer=customer, contact=customer.contacts.get()
    )
    assert (subject, body) == ("上海华信科技有限公司 报价", "张三您好，我是李爱丽。")
    with pytest.raises(ValidationError):
        services.template_create(actor=two_units.alice, name="", subject="", body="")


def test_the_mailbox_password_is_never_shown_and_one_mailbox_per_user(two_units: TwoUnits, imap_server: Imap) -> None:
    mailbox = connect(two_units.alice, imap_server)
    assert PASSWORD not in Mailbox.objects.values_list("password_encrypted", flat=True).get(pk=mailbox.pk)
    with pytest.raises(DomainError) as twice:
        connect(two_units.alice, imap_server)
    assert twice.value.code == "duplicate_mailbox"
