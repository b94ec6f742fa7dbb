"""The demo's churn and care: alerts in every state, a trained model, birthdays next week; loaded once."""

from datetime import timedelta
from io import StringIO

from django.utils import timezone

from guanxi.customers.models import Contact, Customer
from guanxi.retention import demo as retention_demo
from guanxi.retention.care import birthday_between
from guanxi.retention.models import CareRule, ChurnAlert, RiskModel, RiskScore
from guanxi.service.models import Ticket


def test_churn_and_care_load_once_with_alerts_in_every_state_a_trained_model_and_birthdays_next_week(
    demo: str, db: None
) -> None:
    assert set(ChurnAlert.objects.values_list("status", flat=True)) == {"warned", "retaining", "recovered", "lost"}
    assert ChurnAlert.objects.filter(won_again_on__isnull=False).exists()
    rules = {reason["rule"] for reasons in ChurnAlert.objects.values_list("reasons", flat=True) for reason in reasons}
    assert rules == {"no_order", "amount_drop", "complaint_open", "no_followup"}
    model = RiskModel.objects.get(business_unit__code="industrial")
    assert model.ready and model.auc is not None and model.auc > 0.7
    assert RiskModel.objects.get(business_unit__code="auto").reason == "too_little_history"
    assert RiskScore.objects.exists()
    # past complaints were handled by the service desk: those of customers who stayed are archived
    long_ago = timezone.now() - timedelta(days=60)
    past = Ticket.objects.filter(type="complaint", customer__status="won", created_at__lt=long_ago)
    assert past.filter(status="archived").exists() and not past.filter(assignee__isnull=True).exists()
    today = timezone.localdate()
    coming = [
        lunar
        for born, lunar in Contact.objects.filter(birthday__isnull=False).values_list("birthday", "birthday_is_lunar")
        if birthday_between(born, lunar, today, today + timedelta(days=8))
    ]
    assert True in coming and False in coming
    counts = (ChurnAlert.objects.count(), CareRule.objects.count(), Customer.objects.count())
    out = StringIO()
    retention_demo.load(out)
    assert (ChurnAlert.objects.count(), CareRule.objects.count(), Customer.objects.count()) == counts
