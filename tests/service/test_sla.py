"""The SLA sweep (SPEC §9.3): a missed deadline is marked and escalated to the manager once."""

from datetime import timedelta

from guanxi.core.jobs import JOBS, run_job
from guanxi.core.models import Notification
from guanxi.service import services, sla, tasks
from guanxi.service.models import StepKind
from tests.service.conftest import MONDAY, Desk, open_ticket

assert "sla_breaches" in JOBS and tasks  # importing the tasks registers the sweep


def escalated_to() -> list[str]:
    return list(Notification.objects.filter(kind="ticket_escalated").values_list("recipient__username", flat=True))


def test_the_sweep_escalates_a_missed_deadline_to_the_manager_once(desk: Desk) -> None:
    late = open_ticket(desk.mei, desk.customer, priority="urgent")  # respond by 11:00, resolve by 18:00
    services.ticket_assign(actor=desk.mei, ticket=late, assignee=desk.sam, at=MONDAY)
    on_time = open_ticket(desk.mei, desk.customer, priority="normal")

    assert run_job("sla_breaches", at=MONDAY + timedelta(minutes=59)) == "0 tickets past their deadline escalated"
    assert (
        run_job("sla_breaches", at=MONDAY + timedelta(hours=1, minutes=1)) == "1 tickets past their deadline escalated"
    )
    assert run_job("sla_breaches", at=MONDAY + timedelta(hours=5)) == "0 tickets past their deadline escalated"

    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.breached_at == late.escalated_at == MONDAY + timedelta(hours=1, minutes=1)
    assert on_time.breached_at is None
    # Sam's manager is Bob: he hears of it, once
    assert list(Notification.objects.filter(kind="ticket_escalated").values_list("recipient__username", flat=True)) == [
        "bob"
    ]
    assert list(late.steps.filter(kind__in=[StepKind.BREACHED, StepKind.ESCALATED]).values_list("kind", flat=True)) == [
        "breached", "escalated",
    ]  # fmt: skip


def test_an_unassigned_tickets_miss_goes_to_the_units_service_managers(desk: Desk) -> None:
    open_ticket(desk.mei, desk.customer, priority="urgent")
    run_job("sla_breaches", at=MONDAY + timedelta(hours=2))
    assert list(Notification.objects.filter(kind="ticket_escalated").values_list("recipient__username", flat=True)) == [
        "mei"
    ]


def test_time_left_counts_working_minutes_to_the_pending_deadline(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer, priority="important")  # respond in 4 h, resolve in 24 h
    assert sla.minutes_left(ticket, now=MONDAY + timedelta(hours=1)) == 3 * 60
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam, at=MONDAY)
    services.ticket_start(actor=desk.sam, ticket=ticket, at=MONDAY + timedelta(hours=1))
    # now the resolution counts: 24 working hours from Monday 10:00 (8 + 9 + 7) is Wednesday 16:00
    assert ticket.resolve_due_at == MONDAY + timedelta(days=2, hours=6)
    assert sla.minutes_left(ticket, now=MONDAY + timedelta(hours=1)) == 23 * 60


def test_a_manager_hears_of_several_missed_deadlines_in_one_notification(desk: Desk) -> None:
    for subject in ("一号机漏油", "二号机报警", "三号机异响"):
        ticket = open_ticket(desk.mei, desk.customer, priority="urgent", subject=subject)
        services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam, at=MONDAY)
    assert run_job("sla_breaches", at=MONDAY + timedelta(hours=3)) == "3 tickets past their deadline escalated"
    assert escalated_to() == ["bob"]
    assert Notification.objects.get(kind="ticket_escalated").url == "/service/tickets/?breached=on"
