"""The ticket lifecycle (SPEC §9.2) and each refusal, with its code."""

from datetime import timedelta

import pytest

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.service import services
from guanxi.service.models import StepKind, Ticket, TicketStatus
from tests.service.conftest import MONDAY, Desk, open_ticket


def steps(ticket: Ticket) -> list[tuple[str, int]]:
    return list(ticket.steps.order_by("at", "pk").values_list("kind", "round"))


def handle(desk: Desk, ticket: Ticket, hours: int = 1) -> Ticket:
    services.ticket_start(actor=desk.sam, ticket=ticket, at=MONDAY + timedelta(hours=hours))
    return services.ticket_resolve(
        actor=desk.sam, ticket=ticket, resolution="更换搓纸轮", at=MONDAY + timedelta(hours=hours + 1)
    )


def test_a_ticket_goes_from_creation_to_archive_with_every_step_timed(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer, priority="urgent")
    assert ticket.number.startswith("FW20260601") and ticket.status == TicketStatus.NEW
    # urgent: respond within 1 working hour, resolve within 8 (the shipped parameters)
    assert ticket.response_due_at == MONDAY + timedelta(hours=1)
    assert ticket.resolve_due_at == MONDAY.replace(hour=18)  # 8 working hours: 10:00 to closing time

    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam, at=MONDAY + timedelta(minutes=5))
    assert ticket.status == TicketStatus.ASSIGNED and ticket.department_id == desk.shanghai.pk
    handle(desk, ticket)
    assert ticket.status == TicketStatus.RESOLVED and ticket.responded_at == MONDAY + timedelta(hours=1)

    services.ticket_feedback(actor=desk.mei, ticket=ticket, satisfaction=4, comment="很快")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ARCHIVED and ticket.satisfaction == 4 and ticket.round == 1
    assert steps(ticket) == [
        ("created", 1), ("assigned", 1), ("started", 1), ("resolved", 1), ("feedback", 1), ("archived", 1),
    ]  # fmt: skip


@pytest.mark.parametrize(("satisfaction", "status", "round"), [(2, "assigned", 2), (3, "archived", 1)])
def test_three_archives_and_two_goes_back_to_the_agent_for_another_round(
    desk: Desk, satisfaction: int, status: str, round: int
) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam, at=MONDAY)
    handle(desk, ticket)
    services.ticket_feedback(actor=desk.sam, ticket=ticket, satisfaction=satisfaction)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.round, ticket.assignee_id) == (status, round, desk.sam.pk)
    if round == 2:  # the second round runs as the first did
        handle(desk, ticket, hours=3)
        services.ticket_feedback(actor=desk.sam, ticket=ticket, satisfaction=5)
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.ARCHIVED and ticket.round == 2
        assert ("reopened", 2) in steps(ticket) and ("feedback", 2) in steps(ticket)


def test_starting_an_unassigned_ticket_is_refused(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    with pytest.raises(DomainError) as refused:
        services.ticket_start(actor=desk.mei, ticket=ticket)
    assert refused.value.code == "not_assigned"


@pytest.mark.parametrize("satisfaction", [0, 6, -1, "five", None])
def test_feedback_outside_one_to_five_is_refused_on_its_field(desk: Desk, satisfaction: object) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    handle(desk, ticket)
    with pytest.raises(DomainError) as refused:
        services.ticket_feedback(actor=desk.mei, ticket=ticket, satisfaction=satisfaction)
    assert (refused.value.code, refused.value.field) == ("out_of_range", "satisfaction")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def test_feedback_on_an_unresolved_ticket_is_refused(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    with pytest.raises(DomainError) as refused:
        services.ticket_feedback(actor=desk.mei, ticket=ticket, satisfaction=5)
    assert refused.value.code == "not_resolved"


def test_only_an_agent_of_the_tickets_unit_can_be_assigned(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    with pytest.raises(DomainError) as salesperson:
        services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.alice)
    with pytest.raises(DomainError) as other_unit:
        services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.uma)
    assert (salesperson.value.code, salesperson.value.field) == ("not_an_agent", "assignee")
    assert (other_unit.value.code, other_unit.value.field) == ("other_unit", "assignee")
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_an_agent_takes_an_unassigned_ticket_but_does_not_give_it_away(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    with pytest.raises(NotPermitted):
        services.ticket_assign(actor=desk.sam, ticket=ticket, assignee=desk.tao)
    services.ticket_assign(actor=desk.sam, ticket=ticket, assignee=desk.sam)
    assert ticket.assignee_id == desk.sam.pk
    with pytest.raises(NotPermitted):  # only the assignee (or a manager) handles it
        services.ticket_start(actor=desk.tao, ticket=ticket)


def test_an_archived_ticket_is_final_and_reopening_makes_a_linked_new_one(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    handle(desk, ticket)
    services.ticket_feedback(actor=desk.mei, ticket=ticket, satisfaction=5)
    for call in (
        lambda: services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.tao),
        lambda: services.ticket_feedback(actor=desk.mei, ticket=ticket, satisfaction=1),
    ):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == "ticket_archived" and refused.value.status == 409
    again = services.ticket_reopen(actor=desk.mei, ticket=ticket, reason="又卡纸了")
    assert again.pk != ticket.pk and again.reopened_from_id == ticket.pk and again.status == TicketStatus.NEW
    assert again.description == "又卡纸了" and again.type == ticket.type


def test_a_stale_step_loses_to_the_one_that_came_first(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    seen_twice = Ticket.objects.get(pk=ticket.pk)
    services.ticket_start(actor=desk.sam, ticket=ticket)
    with pytest.raises(Conflict):
        services.ticket_start(actor=desk.mei, ticket=seen_twice)
    assert ticket.steps.filter(kind=StepKind.STARTED).count() == 1


def test_the_customers_link_takes_one_answer_per_round(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    handle(desk, ticket)
    token = services.ticket_feedback_link(actor=desk.sam, ticket=ticket)
    assert len(token) >= 40 and ticket.status == TicketStatus.FEEDBACK
    services.ticket_feedback_public(token=token, satisfaction=1, comment="没解决", ip="10.0.0.1")
    with pytest.raises(Conflict) as again:
        services.ticket_feedback_public(token=token, satisfaction=5, ip="10.0.0.1")
    assert again.value.code == "already_answered"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.round, ticket.satisfaction, ticket.feedback_token) == ("assigned", 2, 1, None)


def test_the_public_link_is_rate_limited_per_address(desk: Desk) -> None:
    for _ in range(services.FEEDBACK_LIMIT):
        with pytest.raises(Conflict):
            services.ticket_feedback_public(token="guess", satisfaction=5, ip="10.0.0.9")
    with pytest.raises(DomainError) as limited:
        services.ticket_feedback_public(token="guess", satisfaction=5, ip="10.0.0.9")
    assert limited.value.code == "rate_limited"


def test_dispatch_suggests_skilled_agents_the_least_loaded_first(desk: Desk) -> None:
    busy = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=busy, assignee=desk.sam)
    complaint = open_ticket(desk.mei, desk.customer)
    repair = open_ticket(desk.mei, desk.customer, type="repair")
    assert services.dispatch_suggestions(ticket=complaint) == [desk.tao, desk.sam]  # Uma works in unit B
    assert services.dispatch_suggestions(ticket=repair) == [desk.sam]


def test_bad_ticket_input_is_refused_on_its_field(desk: Desk) -> None:
    for name, value in (("subject", " "), ("type", "nonsense"), ("priority", "x")):
        with pytest.raises(DomainError) as refused:
            open_ticket(desk.mei, desk.customer, MONDAY, **{name: value})
        assert refused.value.field == name
    with pytest.raises(DomainError) as unseen:  # Mei's scope is her unit: unit B's customer is not hers
        open_ticket(desk.mei, desk.customer_b)
    assert unseen.value.field == "customer"
