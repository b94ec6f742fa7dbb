"""Sales targets measured by confirmed receipts, by the day the money came in, for the receivable's owner; the
drill-down lists exactly those receipts."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from guanxi.analytics.targets import MEASURE_PARAMETER, attainment
from guanxi.core.config.parameters import parameters_set
from guanxi.finance import services
from tests.conftest import World, client_for

from .conftest import pay, receivable_of


def test_targets_measured_by_confirmed_receipts(money: World) -> None:
    today = timezone.localdate()
    parameters_set(actor=money.root, unit=money.unit, values={MEASURE_PARAMETER: "confirmed_receipts"})
    mine = receivable_of(money)
    pay(money, mine, "3000", on=today)
    reversed_one = pay(money, mine, "1000", on=today)
    services.receipt_reverse(actor=money.fay, receipt=reversed_one, reason="退票")  # type: ignore[attr-defined]
    result = attainment(actor=money.root, year=today.year, period=f"m{today.month}", kind="amount")
    assert {row.label: row.actual for row in result.people} == {"李爱丽": Decimal("3000.00")}
    link = next(row.link for row in result.people if row.key == money.alice.pk)
    page = client_for(money.root).get(link)
    assert page.status_code == 200
    shown = [receipt.amount for receipt in page.context["page_obj"]]
    assert shown == [Decimal("3000.00")]  # the confirmed one, not the reversed one
    yesterday = (today - timedelta(days=1)).isoformat()
    assert not client_for(money.root).get(f"{link}&received_to={yesterday}").context["page_obj"].object_list
