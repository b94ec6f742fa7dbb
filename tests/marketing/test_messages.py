"""Message templates (variables checked at save, HTML cleaned, SMS counted), planning a send (opt-outs,
do-not-contact, the weekly cap, the same material never twice in a campaign), SMS quiet hours with a
controlled clock, SMTP down then up (nothing lost), the SMS providers (the outbox and the HTTP adapter
against a real local server), the inbound 退订 reply, tracking and the one-click unsubscribe."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import ParameterValue
from guanxi.marketing.campaigns import services as campaigns
from guanxi.marketing.campaigns.models import Campaign, CampaignResponse
from guanxi.marketing.messages import sending, services
from guanxi.marketing.messages.models import (
    Delivery,
    GatewayKind,
    Message,
    MessageTemplate,
    OptOut,
    SendStatus,
    SmsOutbox,
)
from guanxi.org.models import User
from tests.conftest import TwoUnits, grant
from tests.integrations.mailserver import free_port
from tests.integrations.receiver import receiver

from .conftest import campaign, customer, lead
from .servers import parsed, smtp_on

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def marketer(units: TwoUnits) -> TwoUnits:
    grant(units.bob, "sales_manager")  # may send (marketing_messages.approve)
    return units


def sms_template(
    actor: User, body: str = "{{ contact.name }}您好，{{ campaign.name }}诚邀您参加。", name: str = "邀请短信"
):
    return services.template_save(actor=actor, data={"name": name, "channel": "sms", "body": body})


def mail_template(actor: User, name: str = "邀请邮件") -> MessageTemplate:
    body = (
        '<p>{{ contact.name }}您好：</p><p><a href="https://expo.example.cn/">展会详情</a></p>'
        '<p><a href="{{ unsubscribe_url }}">退订</a></p>'
    )
    return services.template_save(
        actor=actor, data={"name": name, "channel": "email", "subject": "{{ campaign.name }}邀请函", "body": body}
    )


def launched(units: TwoUnits, people: int = 3) -> Campaign:
    for n in range(people):
        customer(units.alice, f"上海第{n}号机械有限公司", f"1390000{n:04d}", f"buyer{n}@factory{n}.cn")
    fair = campaign(units.alice)
    campaigns.campaign_source_add(actor=units.alice, campaign=fair, kind="customers", label="全部", query="")
    campaigns.campaign_launch(actor=units.alice, campaign=fair)
    fair.refresh_from_db()
    return fair


def send(actor: object, fair: Campaign, template: object, at: datetime = NOON) -> Message:
    message = services.message_send(actor=actor, campaign=fair, template=template)  # type: ignore[arg-type]
    sending.plan(message.pk, at=at)
    message.refresh_from_db()
    return message


# --- templates --------------------------------------------------------------------------------------


def test_an_unknown_variable_is_refused_at_save_and_named(marketer: TwoUnits) -> None:
    with pytest.raises(ValidationError) as refused:
        sms_template(marketer.alice, body="{{ customer.nmae }}您好")
    assert "customer.nmae" in refused.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as refused:
        services.template_save(
            actor=marketer.alice, data={"name": "x", "channel": "email", "subject": "{{ secret }}", "body": "<p>hi</p>"}
        )
    assert "secret" in refused.value.message_dict["subject"][0]


def test_email_html_is_cleaned_and_sms_is_counted_in_segments(marketer: TwoUnits) -> None:
    dirty = '<p onclick="x()">您好</p><script>alert(1)</script><a href="javascript:alert(1)">x</a>'
    template = services.template_save(
        actor=marketer.alice, data={"name": "x", "channel": "email", "subject": "主题", "body": dirty}
    )
    assert "script" not in template.body and "onclick" not in template.body and "javascript" not in template.body
    with pytest.raises(ValidationError) as refused:
        sms_template(marketer.alice, body="【冒充签名】您好")
    assert "【】" in refused.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as refused:
        sms_template(marketer.alice, body="很长的短信" * 140)
    assert "segments" in refused.value.message_dict["body"][0]


def test_the_preview_fills_a_real_record_the_actor_can_see(marketer: TwoUnits) -> None:
    huaxin = customer(marketer.alice, "上海华信科技有限公司", "13900000001", "zhang@huaxin.cn")
    template = mail_template(marketer.alice)
    shown = services.template_preview(actor=marketer.alice, template=template, kind="customer", record_id=huaxin.pk)
    assert (
        "上海经理您好" in shown["html"]
        and "上海经理您好" in shown["text"]
        and "(https://expo.example.cn/)" in shown["text"]
    )
    with pytest.raises(DomainError):
        services.template_preview(actor=marketer.bella, template=template, kind="customer", record_id=huaxin.pk)
    sms = sms_template(marketer.alice)
    text = services.template_preview(actor=marketer.alice, template=sms, kind="customer", record_id=huaxin.pk)
    assert text["text"].endswith("拒收请回复TD") and text["segments"] == 1


# --- planning ---------------------------------------------------------------------------------------


def test_sending_needs_the_right_and_a_launched_campaign_with_members(marketer: TwoUnits) -> None:
    template = sms_template(marketer.alice)
    fair = campaign(marketer.alice)
    with pytest.raises(NotPermitted):
        services.message_send(actor=marketer.alice, campaign=fair, template=template)  # a salesperson may not send
    with pytest.raises(DomainError) as refused:
        services.message_send(actor=marketer.bob, campaign=fair, template=template)
    assert refused.value.code == "wrong_status"


def test_the_plan_leaves_out_opt_outs_do_not_contact_the_cap_and_repeats(marketer: TwoUnits) -> None:
    fair = launched(marketer, people=5)
    members = list(fair.members.order_by("pk"))
    lead_person = lead(marketer.alice, "刘洋", "13900000099")
    campaigns.campaign_members_add(actor=marketer.alice, campaign=fair, kind="lead", ids=[lead_person.pk])
    services.opt_out_record(
        unit_id=fair.business_unit_id, reason="reply", channel="sms", address="+86 " + members[0].mobile
    )
    services.opt_out_add(actor=marketer.bob, data={"contact": members[1].contact_id})
    ParameterValue.objects.update_or_create(
        business_unit=marketer.unit, code="marketing.weekly_cap", defaults={"value": 1}
    )
    other = campaign(marketer.alice, "另一个活动")
    campaigns.campaign_members_add(
        actor=marketer.alice, campaign=other, kind="customer", ids=[members[2].customer_id or 0]
    )
    campaigns.campaign_launch(actor=marketer.alice, campaign=other)
    template = sms_template(marketer.alice)
    send(marketer.bob, other, template, at=NOON - timedelta(days=2))  # members[2] had one this week
    message = send(marketer.bob, fair, template)
    assert message.status == SendStatus.SENDING and message.recipients == 3  # members 3, 4 and the lead
    assert message.skipped == {"opted_out": 1, "do_not_contact": 1, "frequency_cap": 1}
    again = send(marketer.bob, fair, template)
    assert again.recipients == 0 and again.skipped["duplicate"] == 3 and again.status == SendStatus.DONE
    assert Delivery.objects.filter(campaign=fair).count() == 3


def test_a_member_added_by_hand_who_asked_not_to_be_contacted_is_skipped_and_counted(marketer: TwoUnits) -> None:
    huaxin = customer(marketer.alice, "上海华信科技有限公司", "13900000001")
    services.opt_out_add(actor=marketer.bob, data={"customer": huaxin.pk})
    fair = campaign(marketer.alice)
    done = campaigns.campaign_members_add(actor=marketer.alice, campaign=fair, kind="customer", ids=[huaxin.pk])
    assert done["opted_out"] == 1 and done["added"] == 1 - 1


# --- delivering -------------------------------------------------------------------------------------


def test_sms_in_the_quiet_hours_wait_for_the_morning(marketer: TwoUnits) -> None:
    fair = launched(marketer, people=2)
    evening = datetime(2026, 11, 10, 22, 30, tzinfo=SHANGHAI)
    message = send(marketer.bob, fair, sms_template(marketer.alice), at=evening)
    assert {row.due_at for row in message.deliveries.all()} == {datetime(2026, 11, 11, 8, 0, tzinfo=SHANGHAI)}
    assert sending.deliver(evening + timedelta(hours=2)) == "0 messages sent, 0 failed"
    assert not SmsOutbox.objects.exists()
    assert sending.deliver(datetime(2026, 11, 11, 8, 1, tzinfo=SHANGHAI)) == "2 messages sent, 0 failed"
    [text, _other] = SmsOutbox.objects.order_by("pk").values_list("text", flat=True)
    assert text.startswith("上海经理您好") and "2026 上海工业博览会" in text
    message.refresh_from_db()
    assert message.status == SendStatus.DONE
    assert sending.deliver(datetime(2026, 11, 11, 9, 0, tzinfo=SHANGHAI)) == "0 messages sent, 0 failed"


def test_an_smtp_server_that_is_down_leaves_the_mail_queued_then_it_goes(marketer: TwoUnits, settings: object) -> None:
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port  # type: ignore[attr-defined]
    settings.SITE_URL = "https://crm.example.cn"  # type: ignore[attr-defined]
    fair = launched(marketer, people=3)
    message = send(marketer.bob, fair, mail_template(marketer.alice))
    assert sending.deliver(NOON) == "0 messages sent, 0 failed"
    rows = list(message.deliveries.all())
    assert {row.status for row in rows} == {"queued"} and all("SMTP" in row.error for row in rows)
    assert all(row.due_at > NOON for row in rows)  # backoff
    with smtp_on(port) as smtp:
        assert sending.deliver(NOON + timedelta(hours=2)) == "3 messages sent, 0 failed"
    mails = parsed(smtp)
    assert len(mails) == 3 and mails[0]["Subject"] and "List-Unsubscribe" in mails[0]
    html = (
        next(part for part in mails[0].walk() if part.get_content_type() == "text/html")
        .get_payload(decode=True)
        .decode()
    )
    assert "/marketing/m/c/" in html and "/marketing/m/o/" in html  # click redirect, pixel
    message.refresh_from_db()
    assert message.status == SendStatus.DONE


def test_the_http_sms_provider_is_called_signed_and_a_server_error_is_retried(marketer: TwoUnits) -> None:
    from guanxi.marketing.messages.models import SmsGateway

    fair = launched(marketer, people=2)
    grant(marketer.ada, "unit_admin")
    with receiver() as provider:
        services.gateway_save(
            actor=marketer.ada,
            data={"kind": GatewayKind.HTTP, "endpoint": provider.url, "api_key": "k-123", "signature": "华信会展"},
        )
        provider.statuses = [500, 200]
        message = send(marketer.bob, fair, sms_template(marketer.alice))
        assert sending.deliver(NOON) == "1 messages sent, 0 failed"
        waiting = message.deliveries.get(status="queued")
        assert "HTTP 500" in waiting.error
        assert sending.deliver(NOON + timedelta(hours=1)) == "1 messages sent, 0 failed"
    first = provider.requests[0]
    assert first.headers["Authorization"] == "Bearer k-123" and len(first.headers["X-Signature"]) == 64
    assert first.json["content"].startswith("【华信会展】") and first.json["mobile"] in {"13900000000", "13900000001"}
    assert SmsGateway.objects.get().kind == "http"


def test_a_reply_of_td_through_the_inbound_hook_opts_the_number_out(marketer: TwoUnits) -> None:
    fair = launched(marketer, people=2)
    message = send(marketer.bob, fair, sms_template(marketer.alice))
    sending.deliver(NOON)
    gateway = services.gateway_of(fair.business_unit_id)
    hook = reverse("marketing:sms_inbound", args=[gateway.inbound_token])
    assert Client().post(hook, {"mobile": "8613900000000", "content": " 退订 "}).json() == {"result": "opted_out"}
    assert Client().post(
        hook, {"mobile": "13900000001", "content": "请问展位在哪里？"}, content_type="application/json"
    ).json() == {"result": "replied"}
    assert (
        Client().post(reverse("marketing:sms_inbound", args=["wrong"]), {"mobile": "1", "content": "TD"}).status_code
        == 404
    )
    assert OptOut.objects.filter(address="13900000000", channel="sms", reason="reply").exists()
    assert CampaignResponse.objects.filter(campaign=fair, kind="replied").count() == 1
    later = send(
        marketer.bob, fair, sms_template(marketer.alice, body="{{ contact.name }}，展会明天开幕。", name="提醒")
    )
    assert later.skipped == {"opted_out": 1} and later.recipients == 1
    assert message.deliveries.count() == 2


def test_opens_clicks_and_the_one_click_unsubscribe_are_recorded_once(marketer: TwoUnits) -> None:
    fair = launched(marketer, people=1)
    message = send(marketer.bob, fair, mail_template(marketer.alice))
    sending.deliver(NOON)
    row = message.deliveries.get()
    visitor = Client()
    assert visitor.get(reverse("marketing:opened", args=[row.token])).status_code == 200
    assert visitor.get(reverse("marketing:opened", args=[row.token])).status_code == 200
    link = sending.click_url(row.token, "https://expo.example.cn/")
    answer = visitor.get(urlsplit(link).path)
    assert answer.status_code == 302 and answer["Location"] == "https://expo.example.cn/"
    assert visitor.get(reverse("marketing:click", args=["forged"])).status_code == 404
    assert CampaignResponse.objects.filter(campaign=fair, kind="opened").count() == 1
    assert CampaignResponse.objects.filter(campaign=fair, kind="clicked").count() == 1
    page = visitor.get(reverse("marketing:unsubscribe", args=[row.token]))
    assert page.status_code == 200 and not OptOut.objects.exists()  # a link scanner's GET changes nothing
    assert visitor.post(reverse("marketing:unsubscribe", args=[row.token])).status_code == 200
    assert OptOut.objects.filter(address=row.person, reason="link", channel="email").count() == 1
    row.refresh_from_db()
    assert row.opened_at and row.clicked_at
    assert timezone.now() >= row.clicked_at
