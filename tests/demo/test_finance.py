"""The demo's money: a year of plans, receipts, invoices and delivery notes in both units."""

from datetime import timedelta

from django.utils import timezone

from guanxi.core.demo import OFFICE_HOURS
from guanxi.org.models import BusinessUnit, User


def test_the_money_has_a_year_of_plans_receipts_invoices_and_deliveries_overdue_in_every_bucket(
    demo: str, db: None
) -> None:
    from guanxi.finance import selectors
    from guanxi.finance.models import Delivery, Invoice, PaymentPlan, Receipt

    assert "Demo money" in demo
    finance = User.objects.get(username="finance")
    totals = selectors.ageing_totals(finance, as_of=timezone.localdate())
    for bucket in ("d0_30", "d31_60", "d61_90", "d90"):
        assert totals[bucket] > 0, bucket
    for code in ("industrial", "auto"):
        unit = BusinessUnit.objects.get(code=code)
        assert Receipt.objects.filter(business_unit=unit, status="approved").exists(), code
        assert Invoice.objects.filter(business_unit=unit, status="issued").exists(), code
        assert PaymentPlan.objects.filter(receivable__business_unit=unit, status="overdue").exists(), code
    oldest = Receipt.objects.order_by("received_on").first()
    assert oldest is not None and oldest.received_on <= timezone.localdate() - timedelta(days=200)
    assert all(
        OFFICE_HOURS[0] <= timezone.localtime(row.created_at).hour < OFFICE_HOURS[1] for row in Receipt.objects.all()
    )
    assert Delivery.objects.exists()
