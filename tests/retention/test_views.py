"""Churn pages: the inbox with fixed queries and its filters, the alert page's handling with field errors,
the settings page (rules, care rules, the model's reason), the 360 tab and warning, the list's risk column."""

from datetime import timedelta

from django.utils import timezone

from guanxi.retention import services
from guanxi.retention.models import AlertStatus, CareRule, ChurnAlert, RiskScore
from tests.conftest import TwoUnits, World, client_for

from .conftest import won


def _alerts(actor, count: int) -> list[ChurnAlert]:
    for _n in range(count):
        won(actor, ordered=timezone.localdate() - timedelta(days=400))
    services.churn_scan(timezone.now())
    return list(ChurnAlert.objects.order_by("pk"))


def test_the_inbox_is_paginated_with_fixed_queries(shop: World, django_assert_max_num_queries) -> None:
    _alerts(shop.alice, 1)
    bob = client_for(shop.bob, HTTP_ACCEPT_LANGUAGE="en")
    bob.get("/retention/")  # warm the session and caches
    with django_assert_max_num_queries(30) as one:
        assert bob.get("/retention/").status_code == 200
    _alerts(shop.alice, 6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = bob.get("/retention/").content.decode()
    assert page.count('data-testid="alert-status"') == 7
    assert "No order for" in page
    filtered = bob.get("/retention/?status=recovered").content.decode()
    assert 'data-testid="alert-status"' not in filtered
    assert client_for(shop.charlie).get("/retention/").content.decode().count('data-testid="alert-status"') == 0


def test_handling_on_the_page_shows_field_errors_then_moves_the_alert(shop: World) -> None:
    alert = _alerts(shop.alice, 1)[0]
    alice = client_for(shop.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = alice.get(f"/retention/{alert.pk}/").content.decode()
    assert 'data-testid="retain-form"' in page and "No order for" in page
    answer = alice.post(f"/retention/{alert.pk}/retain/", {"measure": "", "kind": "plan"})
    assert answer.status_code == 400 and "Say how the customer is being retained." in answer.content.decode()
    answer = alice.post(f"/retention/{alert.pk}/lost/", {"reason": ""})
    assert answer.status_code == 400 and "Choose why the customer was lost." in answer.content.decode()
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert (
        alice.post(f"/retention/{alert.pk}/retain/", {"measure": "送样品", "kind": "plan", "due_at": due}).status_code
        == 302
    )
    assert alice.post(f"/retention/{alert.pk}/lost/", {"reason": "price"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.LOST
    assert client_for(shop.charlie).get(f"/retention/{alert.pk}/").status_code == 404
    assert client_for(shop.charlie).post(f"/retention/{alert.pk}/recover/", {"note": "x"}).status_code == 404


def test_the_360_page_shows_the_open_alert_and_the_tab_the_score(shop: World) -> None:
    alert = _alerts(shop.alice, 1)[0]
    factors = [{"code": "recency", "value": 400}]
    RiskScore.objects.create(customer_id=alert.customer_id, probability=0.81, factors=factors, scored_at=timezone.now())
    alice = client_for(shop.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = alice.get(f"/customers/{alert.customer_id}/").content.decode()
    assert "a churn alert is open" in page and "Churn and care" in page
    tab = alice.get(f"/retention/customers/{alert.customer_id}/").content.decode()
    assert "81%" in tab and "no order for 400 days" in tab
    assert client_for(shop.charlie).get(f"/retention/customers/{alert.customer_id}/").status_code == 404
    listed = alice.get("/customers/?ordering=churn_risk").content.decode()
    assert alert.customer.name in listed


def test_the_settings_page_saves_rules_and_refuses_zero(two_units: TwoUnits) -> None:
    ada = client_for(two_units.ada, HTTP_ACCEPT_LANGUAGE="en")
    page = ada.get("/retention/settings/").content.decode()
    assert 'data-testid="model-reason"' in page and "not been trained" in page
    values = {"no_order_months": 0, "drop_percent": 50, "drop_months": 3, "complaint_days": 15, "no_followup_days": 60}
    answer = ada.post("/retention/settings/", values)
    assert answer.status_code == 400 and 'id="id_no_order_months_errors"' in answer.content.decode()
    assert ada.post("/retention/settings/", {**values, "no_order_months": 4}).status_code == 302
    from guanxi.retention.rules import unit_params

    assert unit_params(two_units.unit.pk).no_order_months == 4
    assert unit_params(two_units.unit_b.pk).no_order_months == 6
    answer = ada.post(
        "/retention/settings/care/new/", {"name": "", "kind": "birthday", "days_ahead": 0, "template": ""}
    )
    assert answer.status_code == 400 and not CareRule.objects.exists()
    made = {"name": "生日", "kind": "birthday", "days_ahead": 3, "template": "生日快乐", "active": "on"}
    assert ada.post("/retention/settings/care/new/", made).status_code == 302
    rule = CareRule.objects.get()
    assert client_for(two_units.ben).get(f"/retention/settings/care/{rule.pk}/").status_code == 404
    assert client_for(two_units.alice).get("/retention/settings/").status_code == 403
