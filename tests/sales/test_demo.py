from io import StringIO

from django.core.management import call_command

from guanxi.sales.models import Opportunity, Stage


def test_the_demo_fills_every_stage_of_both_pipelines_with_wins_and_losses(db: None) -> None:
    call_command("demo", stdout=StringIO())
    empty = Stage.objects.filter(pipeline__code__in=["project", "dealership"]).exclude(opportunities__isnull=False)
    assert list(empty.values_list("name", flat=True)) == []
    assert Opportunity.objects.filter(status="won").exists() and Opportunity.objects.filter(status="lost").exists()
    count = Opportunity.objects.count()
    out = StringIO()
    call_command("demo", stdout=out)
    assert Opportunity.objects.count() == count
    assert "already there" in out.getvalue()


def test_the_demo_has_contracts_in_every_state_and_a_partially_delivered_order(db: None) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from guanxi.sales.contracts.models import Contract, ContractStatus
    from guanxi.sales.orders.models import Order, OrderStatus

    call_command("demo", stdout=StringIO())
    assert set(Contract.objects.values_list("status", flat=True)) == set(ContractStatus.values)
    today = timezone.localdate()
    assert Contract.objects.filter(status="in_progress", end_on__range=(today, today + timedelta(days=7))).exists()
    assert Contract.objects.filter(void_pending=True).exists()
    assert Order.objects.filter(status=OrderStatus.PARTIALLY_DELIVERED).exists()
    count = Contract.objects.count()
    out = StringIO()
    call_command("demo", stdout=out)
    assert Contract.objects.count() == count and "Demo contracts" in out.getvalue()
