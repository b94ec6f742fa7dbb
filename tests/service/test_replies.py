"""Replies and internal notes on a ticket's timeline: public replies by whoever may open tickets and sees the
ticket, internal notes by the service desk only; the assignee is told; another unit's agent gets 404."""

import pytest
from django.urls import reverse

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import Notification
from guanxi.service import services
from guanxi.service.models import StepKind, TicketStep
from tests.conftest import client_for
from tests.service.conftest import Desk, open_ticket


def test_an_agent_replies_and_notes_on_the_timeline_and_the_assignee_is_told(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    reply = services.ticket_reply(actor=desk.mei, ticket=ticket, text="  已安排工程师明天上门。 ")
    note = services.ticket_reply(actor=desk.mei, ticket=ticket, text="客户上次也报过同样问题", internal=True)
    assert (reply.kind, reply.note, note.kind) == (StepKind.REPLY, "已安排工程师明天上门。", StepKind.NOTE)
    assert Notification.objects.filter(recipient=desk.sam, kind="ticket_reply").count() == 2
    page = client_for(desk.mei).get(reverse("service:detail", args=[ticket.pk])).text
    assert "已安排工程师明天上门。" in page and "客户上次也报过同样问题" in page and 'data-testid="reply-form"' in page


def test_bad_replies_are_refused_on_their_field(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    for text in ("   ", "长" * 5001):
        with pytest.raises(DomainError) as refused:
            services.ticket_reply(actor=desk.mei, ticket=ticket, text=text)
        assert refused.value.field == "text"
    assert not TicketStep.objects.filter(ticket=ticket, kind=StepKind.REPLY).exists()


def test_a_salesperson_cannot_reply_and_another_units_agent_gets_404(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    with pytest.raises(NotPermitted):
        services.ticket_reply(actor=desk.alice, ticket=ticket, text="我来回复")  # no service.create
    with pytest.raises(NotPermitted):
        services.ticket_reply(actor=desk.uma, ticket=ticket, text="我来回复")  # unit B
    assert client_for(desk.uma).post(reverse("service:reply", args=[ticket.pk]), {"text": "x"}).status_code == 404
    response = client_for(desk.mei).post(reverse("service:reply", args=[ticket.pk]), {"text": "已处理"})
    assert response.status_code == 302
    assert TicketStep.objects.filter(ticket=ticket, kind=StepKind.REPLY).count() == 1
