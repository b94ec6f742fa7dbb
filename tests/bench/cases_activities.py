"""Follow-ups and plans: the 360 timeline of a busy customer and today's agenda of managers, over millions of
follow-ups and a million open plans (dataset_activities.py). The reminder sweep over every open plan is
timed as a job (each run rolled back)."""

from functools import cache

from django.db.models import Count
from django.utils.translation import gettext

from guanxi.activities.models import FollowUp
from guanxi.customers.models import Customer

from .harness import Picks, Probe, case, has_text, url


@cache
def busiest_customer(owner_id: int) -> Customer:
    """The owner's customer with the most follow-ups (so that several timeline pages exist)."""
    top = (
        FollowUp.objects.filter(customer__owner_id=owner_id)
        .values("customer")
        .annotate(count=Count("id"))
        .order_by("-count", "customer")
        .first()
    )
    if top is None:
        raise LookupError("the dataset has no follow-ups: load dataset_activities")
    return Customer.objects.get(pk=top["customer"])


@case("360 timeline p1 (salesperson)", target_ms=150, group="activities")
def timeline(picks: Picks) -> Probe:
    customer = busiest_customer(picks.salesperson.pk)
    return Probe(picks.salesperson, url("activities:customer_followups", customer.pk), check=has_text("timeline"))


@case("360 timeline p2 (manager)", target_ms=150, group="activities")
def timeline_manager(picks: Picks) -> Probe:
    customer = busiest_customer(picks.salesperson.pk)
    return Probe(picks.manager, url("activities:customer_followups", customer.pk, page=2))


@case("today's agenda, mine (salesperson)", target_ms=150, group="activities")
def agenda_mine(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("activities:agenda"))


@case("today's agenda, team (manager)", target_ms=150, group="activities")
def agenda_team(picks: Picks) -> Probe:
    return Probe(picks.manager, url("activities:agenda", team=1), check=has_text(gettext("My team today")))


@case("today's agenda, team (regional manager)", target_ms=150, group="activities")
def agenda_region(picks: Picks) -> Probe:
    return Probe(picks.regional_manager, url("activities:agenda", team=1))


@case("calendar month (salesperson)", target_ms=150, group="activities")
def calendar_month(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("activities:calendar", view="month"))


@case("daily check sheet (manager)", target_ms=300, group="activities")
def check_sheet(picks: Picks) -> Probe:
    return Probe(picks.manager, url("activities:compliance"))


@case("reminder sweep (all open plans)", target_ms=30_000, group="activities")
def reminder_sweep(picks: Picks) -> Probe:
    """Due-soon and overdue reminders and the daily digests over every open plan, as of now. Each run is
    rolled back, so every run finds the same work."""
    from django.db import transaction
    from django.utils import timezone

    from guanxi.activities.models import Plan
    from guanxi.activities.reminders import reminders_sweep

    open_plans = Plan.objects.filter(status=Plan.Status.OPEN).count()
    at = timezone.now()

    def run(n: int) -> str | None:
        with transaction.atomic():
            reminders_sweep(at=at)
            transaction.set_rollback(True)
        return None

    return Probe(picks.admin, f"reminders ({open_plans:,} open plans)", run=run, repeat=3)
