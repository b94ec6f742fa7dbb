"""The confirmation of a public registration: an e-mail through the real local SMTP server when the registrant
gave an address, else an SMS through the unit's provider (its outbox); in the company's language; sent once
(registering twice, a retried task, a second sweep); an SMTP server that is down leaves it queued."""

from datetime import datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from guanxi.core.jobs import run_job
from guanxi.marketing.events import services
from guanxi.marketing.events.confirmations import confirmation_queue, send_due
from guanxi.marketing.events.models import Confirmation, Event, Registration
from guanxi.marketing.messages import services as messages
from guanxi.marketing.messages.models import SmsOutbox
from tests.conftest import TwoUnits
from tests.integrations.mailserver import free_port

from .servers import parsed, smtp_on
from .test_events import an_event, post_form


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.delete_many([f"guanxi:marketing:register:10.{ip}" for ip in ("1.1.1", "1.1.2")])


@pytest.fixture
def smtp_port(settings: object) -> int:
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port  # type: ignore[attr-defined]
    settings.SITE_URL = "https://crm.example.cn"  # type: ignore[attr-defined]
    return port


def text_of(mail: Message, kind: str = "text/plain") -> str:
    part = next(part for part in mail.walk() if part.get_content_type() == kind)
    return part.get_payload(decode=True).decode()  # type: ignore[union-attr]


def soon() -> datetime:
    """After the registration (the public form is sent 20 seconds after the page loaded)."""
    return timezone.now() + timedelta(minutes=1)


def register(event: Event, **data: str) -> Registration:
    answer = post_form(event, Client(), **data)
    assert answer.status_code == 302  # type: ignore[attr-defined]
    return Registration.objects.get(event=event, mobile=data["mobile"])


def test_an_email_confirmation_goes_once_through_smtp_in_the_company_language(
    units: TwoUnits, smtp_port: int, settings: object
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # type: ignore[attr-defined]
    event = an_event(units, confirmation="请携带名片入场。")
    registration = register(event, name="王芳", mobile="13900000005", email="wang@hengli.cn")
    register(event, name="王芳", mobile="13900000005", email="wang@hengli.cn")  # twice: the same code, one message
    confirmation = Confirmation.objects.get()
    assert (confirmation.channel, confirmation.to, confirmation.status) == ("email", "wang@hengli.cn", "queued")
    with smtp_on(smtp_port) as smtp:
        assert send_due(soon()) == "1 confirmations sent, 0 failed"
        assert send_due(soon() + timedelta(hours=1)) == "0 confirmations sent, 0 failed"
    [mail] = parsed(smtp)
    assert mail["To"] == "wang@hengli.cn" and "工博会 VIP 答谢会" in str(make_header(decode_header(mail["Subject"])))
    body = text_of(mail)
    assert registration.code in body and "国家会展中心" in body and "请携带名片入场。" in body
    assert "报名" in body  # the company's language, whoever's request it was
    assert f"https://crm.example.cn/marketing/e/{event.key}/r/{registration.code}/" in text_of(mail, "text/html")
    confirmation.refresh_from_db()
    assert confirmation.status == "sent" and confirmation.sent_at and confirmation.attempts == 1


def test_without_an_email_the_confirmation_is_an_sms_in_english_when_the_company_speaks_it(
    units: TwoUnits, settings: object
) -> None:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    messages.gateway_save(actor=units.ada, data={"kind": "outbox", "signature": "华信会展"})
    event = an_event(units)
    registration = register(event, name="Wang Fang", mobile="13900000006")
    run_job("marketing_confirm", at=soon())
    [sms] = SmsOutbox.objects.all()
    assert sms.to == "13900000006" and sms.business_unit_id == units.unit.pk
    assert sms.text.startswith("【华信会展】Wang Fang, you are registered for") and registration.code in sms.text
    assert "国家会展中心" in sms.text and "TD" not in sms.text  # a service message, no opt-out hint
    assert run_job("marketing_confirm", at=soon()) == "0 confirmations sent, 0 failed"
    assert Confirmation.objects.get().provider_id.startswith("outbox-")


def test_the_task_queued_with_the_registration_sends_it(
    units: TwoUnits, django_capture_on_commit_callbacks: object
) -> None:
    event = an_event(units)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        registration = services.registration_create(
            actor=units.alice, event=event, data={"name": "李雷", "mobile": "13900000007"}
        )
        confirmation_queue(registration)  # as the public registration does, inside its transaction
    assert SmsOutbox.objects.count() == 1 and Confirmation.objects.get().status == "sent"


def test_smtp_down_leaves_it_queued_and_a_claimed_one_is_not_sent_twice(units: TwoUnits, smtp_port: int) -> None:
    event = an_event(units)
    register(event, name="王芳", mobile="13900000005", email="wang@hengli.cn")
    now = soon()
    assert send_due(now) == "0 confirmations sent, 0 failed"  # nobody listens on the port
    waiting = Confirmation.objects.get()
    assert waiting.status == "queued" and "SMTP" in waiting.error and waiting.due_at > now
    Confirmation.objects.update(status="sending", claim="other-worker", claimed_at=now + timedelta(minutes=10))
    with smtp_on(smtp_port) as smtp:
        assert send_due(now + timedelta(minutes=12)) == "0 confirmations sent, 0 failed"  # another worker holds it
        assert send_due(now + timedelta(minutes=20)) == "1 confirmations sent, 0 failed"  # its lease ran out
        assert send_due(now + timedelta(hours=2)) == "0 confirmations sent, 0 failed"
    assert len(smtp.received) == 1
