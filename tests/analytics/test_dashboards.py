"""Dashboard cards: chosen and ordered per user, each loading on its own, each through the gate; the
reports and dashboards API."""

from rest_framework.test import APIClient

from guanxi.analytics.dashboards import cards_of
from guanxi.analytics.models import DashboardLayout
from tests.conftest import client_for

from .conftest import History
from .test_reports import NOVEMBER


def test_the_home_page_carries_a_lazy_card_for_each_chosen_card(history: History) -> None:
    alice = history.world.alice
    page = client_for(alice).get("/").content.decode()
    codes = [card.code for card in cards_of(alice)]
    assert codes[:3] == ["my_plans", "my_pipeline", "my_attainment"]
    assert "team_attainment" not in codes and "won_month" not in codes  # a salesperson: personal cards only
    for code in codes:
        assert f'hx-get="/reports/cards/{code}/"' in page
    manager = [card.code for card in cards_of(history.world.bob)]
    assert {"team_attainment", "team_funnel", "overdue_plans"} <= set(manager)


def test_a_card_shows_the_readers_own_figures(history: History) -> None:
    response = client_for(history.world.alice).get("/reports/cards/my_pipeline/")
    assert response.status_code == 200
    assert response.context["data"]["count"] == 3  # a2, a3 and a4: open, hers; not Charlie's
    funnel = client_for(history.world.charlie).get("/reports/cards/team_funnel/")
    assert funnel.status_code == 404  # not a manager


def test_cards_are_chosen_and_ordered_per_user(history: History) -> None:
    client = client_for(history.world.bob)
    response = client.post("/reports/dashboard/", {"cards": ["team_funnel", "my_plans"]})
    assert response.status_code == 302
    assert DashboardLayout.objects.get(user=history.world.bob).cards == ["team_funnel", "my_plans"]
    assert [card.code for card in cards_of(history.world.bob)] == ["team_funnel", "my_plans"]
    assert next(card.code for card in cards_of(history.world.alice)) == "my_plans"
    refused = client_for(history.world.alice).post("/reports/dashboard/", {"cards": ["won_month"]})
    assert refused.status_code == 200 and not DashboardLayout.objects.filter(user=history.world.alice).exists()


def test_the_reports_api_answers_the_pages_figures(history: History) -> None:
    api = APIClient()
    api.force_authenticate(history.world.bob)
    names = [report["name"] for report in api.get("/api/v1/reports/").json()]
    assert "funnel" in names and "composition" in names
    answer = api.get(f"/api/v1/reports/funnel/?{NOVEMBER}&compare=previous").json()
    assert answer["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert answer["compared_with"] == {"from": "2026-10-01", "to": "2026-10-31"}
    assert answer["totals"]["count"] == 4 and answer["rows"][0]["values"]["count"] == 2
    assert answer["rows"][0]["drill"].startswith("/sales/opportunities/?")
    bad = api.get("/api/v1/reports/funnel/?date_from=2026-11-30&date_to=2026-11-01")
    assert bad.status_code == 400 and "date_to" in bad.json()
    assert api.get("/api/v1/reports/nonsense/").status_code == 404
    api.force_authenticate(history.world.charlie)
    assert api.get(f"/api/v1/reports/funnel/?{NOVEMBER}").json()["totals"]["count"] == 1
    cards = api.get("/api/v1/dashboards/").json()
    pipeline = next(card for card in cards if card["code"] == "my_pipeline")
    assert pipeline["figures"]["count"] == 1 and pipeline["figures"]["amount"] == "70000.00"
