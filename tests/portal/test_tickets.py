"""A partner follows the tickets it opened: the portal's ticket page and API show the public replies (never the
service desk's internal notes) and take the partner's reply, which the staff's timeline shows as coming from
the partner's person; a ticket of another partner or of the company answers 404."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from guanxi.core.errors import NotPermitted
from guanxi.portal import services
from guanxi.service import services as service
from guanxi.service.models import StepKind, TicketStep
from tests.portal.conftest import Channel, signed_in


def _api(channel: Channel) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=channel.pia).key}", HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_partner_reads_the_replies_not_the_notes_and_replies_on_the_portal(channel: Channel, language: str) -> None:
    ticket = channel.east_ticket
    service.ticket_reply(actor=channel.root, ticket=ticket, text="工程师明天上午到现场。")
    service.ticket_reply(actor=channel.root, ticket=ticket, text="内部：上次维修未收费", internal=True)
    browser = signed_in(channel.pia)
    browser.cookies["django_language"] = language
    page = browser.get(reverse("portal:ticket", args=[ticket.pk])).text
    assert "工程师明天上午到现场。" in page and "内部：上次维修未收费" not in page
    assert ("发送回复" if language == "zh-hans" else "Send the reply") in page

    response = browser.post(
        reverse("portal:ticket_reply", args=[ticket.pk]), {"text": "好的，现场有人接待。"}, follow=True
    )

    assert "好的，现场有人接待。" in response.text
    step = TicketStep.objects.get(ticket=ticket, kind=StepKind.REPLY, actor=channel.pia)
    assert step.note == "好的，现场有人接待。"
    staff = signed_in(channel.root).get(reverse("service:detail", args=[ticket.pk])).text
    assert "潘雅" in staff and "华东渠道贸易有限公司" in staff and 'data-testid="from-partner"' in staff


def test_a_blank_reply_shows_on_its_field_and_keeps_nothing(channel: Channel) -> None:
    response = signed_in(channel.pia).post(reverse("portal:ticket_reply", args=[channel.east_ticket.pk]), {"text": " "})
    assert response.status_code == 200 and response.context["form"].errors["text"]
    assert not TicketStep.objects.filter(kind=StepKind.REPLY).exists()


def test_the_api_lists_public_replies_and_takes_the_partners(channel: Channel) -> None:
    ticket = channel.east_ticket
    service.ticket_reply(actor=channel.root, ticket=ticket, text="已派工程师")
    service.ticket_reply(actor=channel.root, ticket=ticket, text="内部备注", internal=True)
    api = _api(channel)
    url = f"/api/v1/portal/tickets/{ticket.pk}/replies/"
    assert [row["text"] for row in api.get(url).json()] == ["已派工程师"]

    as_note = api.post(url, {"text": "谢谢", "internal": True}, content_type="application/json")
    assert as_note.status_code == 400 and "internal" in as_note.json()  # a partner has no internal notes

    made = api.post(url, {"text": "谢谢"}, content_type="application/json")

    assert made.status_code == 201 and made.json()["author"] == "潘雅"
    assert TicketStep.objects.get(pk=made.json()["id"]).kind == StepKind.REPLY
    assert [row["text"] for row in api.get(url).json()] == ["已派工程师", "谢谢"]
    blank = api.post(url, {"text": ""}, content_type="application/json")
    assert blank.status_code == 400 and "text" in blank.json()


def test_a_partner_never_writes_an_internal_note(channel: Channel) -> None:
    with pytest.raises(NotPermitted):
        service.ticket_reply(actor=channel.pia, ticket=channel.east_ticket, text="x", internal=True)
    with pytest.raises(NotPermitted):  # staff cannot reply through the portal's service
        services.partner_ticket_reply(actor=channel.alice, ticket=channel.east_ticket, text="x")
