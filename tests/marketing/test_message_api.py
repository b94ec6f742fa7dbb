"""The message-templates, messages and opt-outs API and pages: each role in both units, the outsider's 404,
sending only with the right, bad input by field."""

from django.test import Client
from django.urls import reverse

from guanxi.marketing.messages import sending
from guanxi.marketing.messages.models import Message, MessageTemplate, OptOut
from tests.conftest import TwoUnits, client_for, grant

from .conftest import campaign, customer
from .test_messages import NOON


def test_templates_messages_and_opt_outs_answer_each_role(units: TwoUnits) -> None:
    grant(units.bob, "sales_manager")
    alice, bob, bella = client_for(units.alice), client_for(units.bob), client_for(units.bella)
    refused = alice.post(
        "/api/v1/message-templates/", {"name": "邀请", "channel": "sms", "body": "{{ customer.nmae }}您好"},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400 and "customer.nmae" in refused.json()["body"][0]
    made = alice.post(
        "/api/v1/message-templates/", {"name": "邀请", "channel": "sms", "body": "{{ contact.name }}您好，诚邀参展。"},
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    template = made.json()["id"]
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001")
    preview = alice.post(f"/api/v1/message-templates/{template}/preview/", {"kind": "customer", "record": huaxin.pk},
                         content_type="application/json")  # fmt: skip
    assert preview.status_code == 200 and preview.json()["text"].startswith("上海经理您好")
    assert bella.get(f"/api/v1/message-templates/{template}/").status_code == 404  # the other unit's
    assert bella.post(f"/api/v1/message-templates/{template}/preview/", {"kind": "customer", "record": huaxin.pk},
                      content_type="application/json").status_code == 404  # fmt: skip

    fair = campaign(units.alice)
    alice.post(
        f"/api/v1/campaigns/{fair.pk}/members/",
        {"kind": "customer", "ids": [huaxin.pk]},
        content_type="application/json",
    )
    alice.post(f"/api/v1/campaigns/{fair.pk}/launch/")
    body = {"campaign": fair.pk, "template": template}
    assert alice.post("/api/v1/messages/send/", body, content_type="application/json").status_code == 403
    assert bella.post("/api/v1/messages/send/", body, content_type="application/json").status_code in (400, 403)
    sent = bob.post("/api/v1/messages/send/", body, content_type="application/json")
    assert sent.status_code == 202, sent.content
    message = Message.objects.get(pk=sent.json()["id"])
    sending.plan(message.pk, at=NOON)
    sending.deliver(NOON)
    shown = bob.get(f"/api/v1/messages/{message.pk}/").json()
    assert shown["progress"]["sent"] == 1 and shown["recipients"] == 1
    assert bob.get(f"/api/v1/messages/{message.pk}/deliveries/").json()["results"][0]["status"] == "sent"
    assert bella.get(f"/api/v1/messages/{message.pk}/").status_code == 404
    assert Client().get("/api/v1/messages/").status_code == 401

    opted = alice.post(
        "/api/v1/opt-outs/", {"channel": "sms", "address": "13900000009"}, content_type="application/json"
    )
    assert opted.status_code == 201 and opted.json()["reason"] == "request"
    dnc = alice.post("/api/v1/opt-outs/", {"customer": huaxin.pk}, content_type="application/json")
    assert dnc.status_code == 201 and dnc.json()["reason"] == "do_not_contact"
    assert bella.post("/api/v1/opt-outs/", {"customer": huaxin.pk}, content_type="application/json").status_code == 400
    assert bella.get("/api/v1/opt-outs/").json()["count"] == 0
    assert OptOut.objects.count() == 2
    assert MessageTemplate.objects.count() == 1


def test_the_message_pages_show_progress_and_refuse_the_other_unit(units: TwoUnits) -> None:
    grant(units.bob, "sales_manager")
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001")
    fair = campaign(units.alice)
    bob = client_for(units.bob)
    bob.post(
        reverse("marketing:members_add", args=[fair.pk]), {"members-kind": "customer", "members-ids": str(huaxin.pk)}
    )
    bob.post(reverse("marketing:campaign_launch", args=[fair.pk]))
    made = bob.post(
        reverse("marketing:template_create"),
        {"name": "提醒", "channel": "sms", "body": "{{ contact.name }}，明天开幕。"},
    )
    assert made.status_code == 302
    template = MessageTemplate.objects.get()
    answer = bob.post(reverse("marketing:message_send", args=[fair.pk]), {"template": template.pk})
    message = Message.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("marketing:message", args=[message.pk])
    page = bob.get(reverse("marketing:message", args=[message.pk]))
    assert page.status_code == 200 and "send-progress" in page.content.decode()
    assert bob.get(reverse("marketing:message_progress", args=[message.pk])).status_code == 200
    assert client_for(units.bella).get(reverse("marketing:message", args=[message.pk])).status_code == 404
    for name in ("marketing:templates", "marketing:opt_outs"):
        assert bob.get(reverse(name)).status_code == 200
    assert client_for(units.ada).get(reverse("marketing:gateway")).status_code == 200


def test_the_customer_tab_marks_do_not_contact_and_a_send_then_leaves_them_out(units: TwoUnits) -> None:
    grant(units.bob, "sales_manager")
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001")
    contact = huaxin.contacts.get()
    bob = client_for(units.bob)
    tab = bob.get(reverse("marketing:customer_tab", args=[huaxin.pk]))
    assert tab.status_code == 200 and "marketing-tab" in tab.content.decode()
    marked = bob.post(
        reverse("marketing:do_not_contact", args=["contact", contact.pk]), {"on": "1", "customer": str(huaxin.pk)}
    )
    assert marked.status_code == 302 and OptOut.objects.filter(contact=contact, reason="do_not_contact").exists()
    assert client_for(units.bella).get(reverse("marketing:customer_tab", args=[huaxin.pk])).status_code == 404
    bella = client_for(units.bella)
    bella.post(reverse("marketing:do_not_contact", args=["contact", contact.pk]), {"on": "0"})
    assert OptOut.objects.filter(contact=contact).exists()  # the other unit cannot lift it
    bob.post(reverse("marketing:do_not_contact", args=["contact", contact.pk]), {"on": "0"})
    assert not OptOut.objects.filter(contact=contact).exists()
