from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from guanxi.sales.contracts.models import Contract, ContractStatus
from guanxi.sales.models import Opportunity, Stage
from guanxi.sales.orders.models import Order, OrderStatus


def test_the_demo_fills_every_stage_of_both_pipelines_with_wins_and_losses(demo: str, db: None) -> None:
    empty = Stage.objects.filter(pipeline__code__in=["project", "dealership"]).exclude(opportunities__isnull=False)
    assert list(empty.values_list("name", flat=True)) == []
    assert Opportunity.objects.filter(status="won").exists() and Opportunity.objects.filter(status="lost").exists()


def test_the_demo_has_contracts_in_every_state_and_a_partially_delivered_order(demo: str, db: None) -> None:
    assert set(Contract.objects.values_list("status", flat=True)) == set(ContractStatus.values)
    today = timezone.localdate()
    assert Contract.objects.filter(status="in_progress", end_on__range=(today, today + timedelta(days=7))).exists()
    assert Contract.objects.filter(void_pending=True).exists()
    assert Order.objects.filter(status=OrderStatus.PARTIALLY_DELIVERED).exists()


def test_running_the_demo_again_adds_no_opportunity_or_contract(demo: str, db: None) -> None:
    counts = (Opportunity.objects.count(), Contract.objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert (Opportunity.objects.count(), Contract.objects.count()) == counts
    assert "already there" in out.getvalue() and "Demo contracts" in out.getvalue()


def test_the_demo_contracts_went_through_working_hours_of_the_past(demo: str, db: None) -> None:
    """Drafted, submitted, approved and signed as of days of the past year, in office hours, and numbered
    by the month they were drafted in (not all on the day the demo was loaded)."""
    from guanxi.workflows.models import ApprovalRequest

    for row in Contract.objects.exclude(signed_on=None):
        drafted = timezone.localtime(row.created_at)
        assert drafted.date() < row.signed_on and 9 <= drafted.hour < 18, row.number
    requests = ApprovalRequest.objects.filter(record_type__startswith="sales.contract")
    assert requests and all(9 <= timezone.localtime(r.submitted_at).hour < 18 for r in requests)
    assert len({row.number[:8] for row in Contract.objects.all()}) >= 4  # HT + year and month


def test_the_demo_orders_of_past_days_were_placed_and_numbered_on_those_days(demo: str, db: None) -> None:
    """An order dated an earlier day was placed that day in office hours and carries that day in its number, not
    the moment the demo was loaded (the quarterly orders of the credit demo, the orders under contracts)."""
    today = timezone.localdate()
    past = Order.all_objects.filter(ordered_on__lt=today)
    assert past.filter(note__startswith="季度补货").exists() and past.exclude(contract=None).exists()
    for order in past:
        placed = timezone.localtime(order.created_at)
        assert placed.date() == order.ordered_on and 9 <= placed.hour < 18, order.number
        assert order.number[2:10] == f"{order.ordered_on:%Y%m%d}", order.number
