"""The churn analysis report (SPEC §12.4): alerts raised in the period by state and reason, how many were kept
and lost, and the share kept of those decided — only of the customers the reader sees."""

from datetime import timedelta

from django.utils import timezone

from guanxi.retention import services
from guanxi.retention.models import ChurnAlert
from tests.analytics.test_reports import by_label, figures
from tests.conftest import World

from .conftest import moment, won


def test_alerts_by_state_and_reason_with_the_share_kept(shop: World) -> None:
    today = timezone.localdate()
    customers = [won(shop.alice, ordered=today - timedelta(days=300)) for _ in range(3)]
    won(shop.charlie, ordered=today - timedelta(days=300))
    services.churn_scan(moment(today, 12))
    kept, lost, _open = (ChurnAlert.objects.get(customer=customer) for customer in customers)
    services.alert_recover(actor=shop.alice, alert=kept, note="客户恢复下单意向")
    services.alert_confirm_lost(actor=shop.alice, alert=lost, reason="competitor")
    period = f"date_from={today.replace(day=1).isoformat()}&date_to={today.isoformat()}"
    result = figures(shop.root, "churn", period)
    assert by_label(result, "count") == {"Warned": 2, "Recovered": 1, "Lost": 1}  # Charlie's is warned too
    assert (result.totals["count"], result.totals["recovered"], result.totals["lost"]) == (4, 1, 1)
    assert str(result.totals["recovery"]) == "50.0"
    mine = figures(shop.charlie, "churn", period)
    assert mine.totals["count"] == 1 and by_label(mine, "count") == {"Warned": 1}
    reasons = figures(shop.root, "churn", period + "&by=reason")
    assert by_label(reasons, "lost") == {"Went to a competitor": 1, "Not set": 0}
