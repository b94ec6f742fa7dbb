"""Service (SPEC §9): the ticket list and an agent's queue over two million tickets (≤ 100 ms p95), the
knowledge-base search over 50,000 articles (≤ 50 ms p95) and the SLA sweep (≤ 10 s)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from guanxi.org.models import User
from guanxi.service.models import Ticket
from guanxi.service.tasks import overdue, sla_breaches

from .harness import Picks, Probe, case, has_text, url

LIST = 100
SEARCH = 50
SWEEP_MS = 10_000


def _manager() -> User:
    return User.objects.select_related("department").get(username="bench.service")


def _busiest_agent() -> User:
    agents = User.objects.filter(username__startswith="bench.agent").select_related("department")
    return max(agents, key=lambda agent: Ticket.objects.filter(assignee=agent, status="assigned").count())


@case("ticket list p1 (service manager)", target_ms=LIST, group="service")
def ticket_list_manager(picks: Picks) -> Probe:
    return Probe(_manager(), url("service:list", page=1), check=has_text("FW"))


@case("ticket list p200 (service manager)", target_ms=LIST, group="service")
def ticket_list_deep(picks: Picks) -> Probe:
    return Probe(_manager(), url("service:list", page=200), check=has_text("FW"))


@case("ticket list complaints (service manager)", target_ms=LIST, group="service")
def ticket_list_complaints(picks: Picks) -> Probe:
    return Probe(_manager(), url("service:list", type="complaint", status="archived"), check=has_text("FW"))


@case("agent queue mine", target_ms=LIST, group="service")
def agent_queue_mine(picks: Picks) -> Probe:
    return Probe(_busiest_agent(), url("service:queue", queue="mine"), check=has_text("FW"))


@case("agent queue unassigned", target_ms=LIST, group="service")
def agent_queue_unassigned(picks: Picks) -> Probe:
    return Probe(_busiest_agent(), url("service:queue", queue="unassigned"), check=has_text("FW"))


@case("agent queue breaching soon", target_ms=LIST, group="service")
def agent_queue_breaching(picks: Picks) -> Probe:
    return Probe(_busiest_agent(), url("service:queue", queue="breaching"))


@case("kb search two characters (油缸)", target_ms=SEARCH, group="service")
def kb_search_bigram(picks: Picks) -> Probe:
    return Probe(_busiest_agent(), url("service:articles", q="油缸"), check=has_text("油缸"))


@case("kb search word (传感器 校准)", target_ms=SEARCH, group="service")
def kb_search_words(picks: Picks) -> Probe:
    return Probe(_busiest_agent(), url("service:articles", q="传感器 校准"), check=has_text("传感器"))


@case("kb search api (密封圈)", target_ms=SEARCH, group="service")
def kb_search_api(picks: Picks) -> Probe:
    return Probe(_busiest_agent(), "/api/v1/articles/?search=%E5%AF%86%E5%B0%81%E5%9C%88", check=has_text("count"))


class _Undo(Exception):
    pass


@case("sla sweep (all open tickets)", target_ms=SWEEP_MS, group="service")
def sla_sweep(picks: Picks) -> Probe:
    at = timezone.now()
    due = Ticket.objects.filter(overdue(at)).count()
    if not due:
        raise LookupError("no open ticket is past its deadline: the dataset's service part is missing")

    def run(n: int) -> str | None:
        try:
            with transaction.atomic():  # mark and escalate them all, then undo, so each run finds the same work
                summary = sla_breaches(at)
                raise _Undo(summary)
        except _Undo as undone:
            return None if str(undone).startswith(f"{due} ") else f"expected {due} escalations, got {undone}"

    return Probe(_manager(), f"sla_breaches ({due:,} due)", run=run, repeat=3)
