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


def test_credit_ratings_from_a_to_e_with_reasons_a_bounced_bill_and_an_override_in_both_units(
    demo: str, db: None
) -> None:
    from guanxi.finance.credit.models import CreditOverride, CustomerCredit
    from guanxi.finance.credit.rules import reason_text
    from guanxi.finance.models import Receipt

    assert "Demo credit" in demo
    for code in ("industrial", "auto"):
        unit = BusinessUnit.objects.get(code=code)
        rows = CustomerCredit.objects.filter(business_unit=unit)
        assert set(rows.values_list("rating", flat=True)) >= {"a", "b", "c", "d", "e"}, code
        assert all(reason_text(reason) for row in rows for reason in row.reasons)
        assert Receipt.objects.filter(business_unit=unit, status="reversed").exclude(reverse_reason="").exists()
        override = CreditOverride.objects.get(business_unit=unit, removed_at__isnull=True)
        assert override.note and rows.get(pk=override.customer_id).rating == override.rating
