"""The pages: webhook settings per unit (a unit's administrator sees and changes only their unit's), a user's
own mailbox, a customer's mail tab within the customer's scope, a message and its attachment, writing mail."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.models import ParameterValue
from guanxi.integrations.mailboxes import services
from guanxi.integrations.mailboxes.models import Email, EmailAttachment, EmailLink, Mailbox
from guanxi.integrations.webhooks.models import Subscription
from tests.conftest import TwoUnits, client_for, grant

from .conftest import ALICE_MAIL, allow_private, connect, mail
from .mailserver import Imap
from .test_mailboxes import huaxin


def test_a_unit_admin_sets_up_a_webhook_and_another_units_admin_cannot_reach_it(two_units: TwoUnits) -> None:
    allow_private(two_units.unit)
    ada, ben = client_for(two_units.ada), client_for(two_units.ben)
    assert ada.get("/integrations/webhooks/new/").status_code == 200
    refused = ada.post("/integrations/webhooks/new/", {"name": "", "url": "ftp://x", "active": "on"})
    assert refused.status_code == 200 and not Subscription.objects.exists()
    made = ada.post(
        "/integrations/webhooks/new/",
        {"name": "ERP 同步", "url": "http://127.0.0.1:9/hook", "events": ["customer.created", "order.confirmed"],
         "active": "on"},
    )  # fmt: skip
    row = Subscription.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/integrations/webhooks/{row.pk}/"
    page = ada.get(f"/integrations/webhooks/{row.pk}/")
    assert page.status_code == 200 and row.secret in page.content.decode()
    assert "ERP 同步" in ada.get("/integrations/webhooks/").content.decode()
    assert "ERP 同步" not in ben.get("/integrations/webhooks/").content.decode()
    assert ben.get(f"/integrations/webhooks/{row.pk}/").status_code == 404
    assert ben.post(f"/integrations/webhooks/{row.pk}/test/").status_code == 404
    assert client_for(two_units.alice).get("/integrations/webhooks/").status_code == 403
    assert ada.post(f"/integrations/webhooks/{row.pk}/test/").status_code == 302


def test_the_mailbox_page_connects_shows_the_state_and_lists_the_users_mail(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    alice = client_for(two_units.alice)
    assert alice.get("/integrations/mailbox/").status_code == 200
    bad = alice.post("/integrations/mailbox/", {"address": "nope", "imap_host": "", "smtp_host": "x"})
    assert bad.status_code == 200 and not Mailbox.objects.exists()
    data = {
        "address": ALICE_MAIL, "password": "wrong", "imap_host": "127.0.0.1", "imap_port": imap_server.port,
        "imap_security": "none", "smtp_host": "127.0.0.1", "smtp_port": "25", "smtp_security": "none",
        "inbox_folder": "INBOX", "sent_folder": "Sent",
    }  # fmt: skip
    assert alice.post("/integrations/mailbox/", data).status_code == 302
    mailbox = Mailbox.objects.get()
    from guanxi.integrations.mailboxes.sync import sync_one

    sync_one(mailbox.pk)
    page = alice.get("/integrations/mailbox/").content.decode()
    assert 'data-testid="mailbox-state"' in page and 'data-testid="mailbox-error"' in page
    assert client_for(two_units.bob).get("/integrations/mailbox/").content.decode().count(ALICE_MAIL) == 0


def test_a_customers_mail_tab_shows_colleagues_mail_within_scope_with_fixed_queries(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    grant(two_units.bob, "sales_manager")
    grant(two_units.charlie, "salesperson")
    customer = huaxin(two_units)
    mailbox = connect(two_units.alice, imap_server)
    from guanxi.integrations.mailboxes.sync import sync_one

    imap_server.deliver(ALICE_MAIL, mail("第一封询价"))
    sync_one(mailbox.pk)
    bob = client_for(two_units.bob)
    url = f"/integrations/customers/{customer.pk}/mail/"
    with CaptureQueriesContext(connection) as one:
        assert "第一封询价" in bob.get(url).content.decode()
    for n in range(5):
        imap_server.deliver(ALICE_MAIL, mail(f"询价 {n}"))
    Mailbox.objects.filter(pk=mailbox.pk).update(claimed_until=None)
    sync_one(mailbox.pk)
    first = Email.objects.get(subject="第一封询价")
    EmailAttachment.objects.create(
        email=first, name="规格.pdf", content_type="application/pdf", size=10**8, too_large=True
    )
    with CaptureQueriesContext(connection) as six:
        page = bob.get(url).content.decode()
    assert "询价 4" in page and "规格.pdf" in page and "bg-secondary-lt" in page
    assert len(six) <= len(one)
    assert client_for(two_units.charlie).get(url).status_code == 404
    assert client_for(two_units.charlie).get(f"/integrations/mail/{first.pk}/").status_code == 404
    assert bob.get(f"/integrations/mail/{first.pk}/").status_code == 200
    assert EmailLink.objects.filter(customer=customer).count() == 6


def test_an_attachment_downloads_for_readers_only_and_a_reply_is_prefilled(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    from email import message_from_bytes
    from email.message import EmailMessage
    from email.policy import default

    from guanxi.integrations.mailboxes.sync import sync_one

    huaxin(two_units)
    message = message_from_bytes(mail("图纸"), policy=default)
    assert isinstance(message, EmailMessage)
    message.add_attachment("尺寸 100x200".encode(), maintype="text", subtype="plain", filename="尺寸.txt")
    imap_server.deliver(ALICE_MAIL, message.as_bytes())
    mailbox = connect(two_units.alice, imap_server)
    sync_one(mailbox.pk)
    stored = EmailAttachment.objects.get()
    alice = client_for(two_units.alice)
    download = alice.get(f"/integrations/mail/attachments/{stored.pk}/?download=1")
    assert download.status_code == 200 and b"".join(download.streaming_content) == "尺寸 100x200".encode()  # type: ignore[attr-defined]
    assert client_for(two_units.bella).get(f"/integrations/mail/attachments/{stored.pk}/").status_code == 404
    reply = alice.get(f"/integrations/mail/new/?reply_to={stored.email_id}").content.decode()
    assert "Re: 图纸" in reply and "zhang@huaxin-tech.cn" in reply


def test_without_a_mailbox_a_user_writes_through_the_companys_server_and_their_unit_may_forbid_it(
    two_units: TwoUnits,
) -> None:
    customer = huaxin(two_units)
    alice = client_for(two_units.alice, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "写邮件" in alice.get(f"/integrations/customers/{customer.pk}/mail/").content.decode()
    page = alice.get(f"/integrations/mail/new/?customer={customer.pk}").content.decode()
    assert 'data-testid="company-mail"' in page and "通过公司邮件服务器发出" in page
    assert "zhang@huaxin-tech.cn" in page.lower()  # the customer's contact, filled in
    sent = alice.post(
        "/integrations/mail/new/",
        {"to": "zhang@huaxin-tech.cn", "subject": "报价", "body": "张总您好。", "customer": customer.pk},
    )
    row = Email.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/integrations/mail/{row.pk}/"
    assert (row.owner_id, row.mailbox_id) == (two_units.alice.pk, None) and row.links.filter(customer=customer).exists()
    detail = alice.get(sent["Location"]).content.decode()
    assert "通过公司邮件服务器发送" in detail and "发件人" in detail and "开始日期" not in detail  # not a period
    assert "报价" in alice.get("/integrations/mailbox/").content.decode()  # among their mail, without a mailbox
    ParameterValue.objects.create(business_unit=two_units.unit, code=services.COMPANY_MAIL, value=False)
    assert alice.get("/integrations/mail/new/")["Location"] == "/integrations/mailbox/"
    assert "写邮件" not in alice.get(f"/integrations/customers/{customer.pk}/mail/").content.decode()
