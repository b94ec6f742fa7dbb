"""Bounces land: the SMS provider's delivery report and the mail relay's bounce message (a real DSN of a mail
the real local SMTP server received) mark the delivery bounced with the reason, once; a hard bounce stops the
address in that unit only, skipped and counted at the next send."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from guanxi.marketing.messages import sending, services
from guanxi.marketing.messages.bounces import bounce_hook, read_dsn
from guanxi.marketing.messages.models import OptOut
from tests.conftest import TwoUnits, client_for
from tests.integrations.mailserver import free_port

from .servers import smtp_on
from .test_messages import NOON, launched, mail_template, marketer, send, sms_template

__all__ = ["marketer"]  # the fixture


def report(token: str, **body: object) -> dict[str, object]:
    answer = Client().post(reverse("marketing:sms_report", args=[token]), body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_the_sms_delivery_report_marks_a_delivery_bounced_once_and_a_permanent_one_stops_the_number(
    marketer: TwoUnits,
) -> None:
    fair = launched(marketer, people=2)
    message = send(marketer.bob, fair, sms_template(marketer.alice))
    sending.deliver(NOON)
    lost, fine = message.deliveries.order_by("person")
    token = services.gateway_of(fair.business_unit_id).inbound_token
    done = {"id": lost.provider_id, "status": "UNDELIV", "reason": "MK:0001 空号", "permanent": True}
    assert report(token, **done) == {"result": "bounced"}
    assert report(token, **done) == {"result": "already"}
    assert report(token, id=fine.provider_id, status="DELIVRD") == {"result": "delivered"}
    assert report(token, id="nobody", status="UNDELIV") == {"result": "unknown"}
    hook = reverse("marketing:sms_report", args=[token])
    assert Client().post(hook, "{", content_type="application/json").status_code == 400
    assert Client().post(reverse("marketing:sms_report", args=["wrong"]), {"id": "1"}).status_code == 404
    lost.refresh_from_db()
    fine.refresh_from_db()
    assert (lost.status, lost.error, fine.status) == ("bounced", "MK:0001 空号", "sent")
    stopped = OptOut.objects.get()
    assert (stopped.business_unit_id, stopped.channel, stopped.address, stopped.reason) == (
        fair.business_unit_id, "sms", lost.person, "bounced",
    )  # fmt: skip
    later = send(
        marketer.bob, fair, sms_template(marketer.alice, body="{{ contact.name }}，展会明天开幕。", name="提醒")
    )
    assert later.skipped == {"bounced": 1} and later.recipients == 1
    progress = client_for(marketer.bob).get(reverse("marketing:message", args=[later.pk]))
    assert progress.status_code == 200 and "地址退信" in progress.content.decode()


def dsn(original_headers: bytes, recipient: str, status: str = "5.1.1", action: str = "failed") -> bytes:
    """A bounce message as Postfix writes it: the report, then the original message's headers."""
    return (
        b"From: MAILER-DAEMON@relay.example.cn (Mail Delivery System)\r\n"
        b"To: crm@example.cn\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"\r\n\r\n'
        b"--B0UND\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        b"I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        b"--B0UND\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; relay.example.cn\r\nArrival-Date: Tue, 10 Nov 2026 12:00:01 +0800 (CST)\r\n\r\n"
        b"Final-Recipient: rfc822; " + recipient.encode() + b"\r\nOriginal-Recipient: rfc822;" + recipient.encode()
        + b"\r\nAction: " + action.encode() + b"\r\nStatus: " + status.encode()
        + b"\r\nRemote-MTA: dns; mx.factory.cn\r\nDiagnostic-Code: smtp; 550 " + status.encode() + b" <"
        + recipient.encode() + b">: Recipient address rejected: User unknown\r\n\r\n"
        b"--B0UND\r\nContent-Type: text/rfc822-headers\r\n\r\n" + original_headers + b"\r\n--B0UND--\r\n"
    )  # fmt: skip


def test_a_bounce_message_from_the_mail_relay_marks_the_delivery_and_a_hard_bounce_stops_the_address(
    marketer: TwoUnits, settings: object
) -> None:
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port  # type: ignore[attr-defined]
    fair = launched(marketer, people=3)
    message = send(marketer.bob, fair, mail_template(marketer.alice))
    with smtp_on(port) as smtp:
        assert sending.deliver(NOON) == "3 messages sent, 0 failed"
    sent = {envelope.rcpt_tos[0]: envelope.original_content.split(b"\r\n\r\n", 1)[0] for envelope in smtp.received}
    hard, soft, late = sorted(sent)
    hook = reverse("marketing:mail_bounce", args=[bounce_hook()])

    def post(raw: bytes) -> object:
        answer = Client().post(hook, raw, content_type="message/rfc822")
        assert answer.status_code == 200, answer.content
        return answer.json()["result"]

    assert post(dsn(sent[hard], hard)) == "bounced"
    assert post(dsn(sent[hard], hard)) == "already"  # the relay posted it twice
    assert post(dsn(sent[soft], soft, status="4.2.2")) == "bounced"  # the relay gave up on a full mailbox
    assert post(dsn(sent[late], late, status="4.4.1", action="delayed")) == "ignored"
    assert post(dsn(b"Subject: not ours", "stranger@example.cn")) == "unknown"
    assert (
        Client().post(reverse("marketing:mail_bounce", args=["wrong"]), b"x", content_type="message/rfc822").status_code
        == 404
    )
    rows = {row.person: row for row in message.deliveries.all()}
    assert rows[hard].status == "bounced" and "5.1.1" in rows[hard].error and "User unknown" in rows[hard].error
    assert (rows[soft].status, rows[late].status) == ("bounced", "sent")
    assert list(OptOut.objects.values_list("address", "reason", "channel")) == [(hard, "bounced", "email")]
    again = send(marketer.bob, fair, mail_template(marketer.alice, name="再次邀请"), at=NOON + timedelta(days=1))
    assert again.skipped == {"bounced": 1} and again.recipients == 2
    page = client_for(marketer.ada).get(reverse("marketing:opt_outs"))
    assert hard in page.content.decode()  # listed, and staff can lift it once the address is mended


def test_without_the_original_headers_the_failed_recipient_finds_its_latest_delivery(marketer: TwoUnits) -> None:
    fair = launched(marketer, people=1)
    message = send(marketer.bob, fair, mail_template(marketer.alice))
    sending.deliver(NOON)
    row = message.deliveries.get()
    failures, token = read_dsn(dsn(b"Subject: headers lost", row.person.upper()))
    assert token == "" and [(f.recipient, f.status, f.hard) for f in failures] == [(row.person, "5.1.1", True)]
    answer = Client().post(reverse("marketing:mail_bounce", args=[bounce_hook()]), dsn(b"", row.person),
                           content_type="message/rfc822")  # fmt: skip
    assert answer.json() == {"result": "bounced"}
    assert not OptOut.objects.exclude(business_unit_id=fair.business_unit_id).exists()


def test_the_provider_page_shows_the_report_address_and_only_superusers_the_sites_bounce_address(
    units: TwoUnits,
) -> None:
    page = client_for(units.ada).get(reverse("marketing:gateway")).content.decode()
    assert 'data-testid="report-url"' in page and "/marketing/sms/report/" in page and "bounce-url" not in page
    units.ada.is_superuser = True
    units.ada.save(update_fields=["is_superuser"])
    page = client_for(units.ada).get(reverse("marketing:gateway")).content.decode()
    assert f"/marketing/mail/bounces/{bounce_hook()}/" in page
