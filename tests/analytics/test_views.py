"""The report pages: filters, chart and table, drill-down to the ordinary list (or the report's own list)
with the same filters and the same scope, Excel export equal to the table, saved views."""

import io
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from guanxi.analytics.models import SavedView
from guanxi.core.models import AuditEntry
from tests.conftest import client_for

from .conftest import History
from .test_reports import NOVEMBER, figures


def test_a_manager_opens_the_funnel_with_a_chart_and_an_accessible_table(history: History) -> None:
    client = client_for(history.world.bob)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/reports/funnel/?{NOVEMBER}")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-report-chart="report-chart-data"' in page and 'id="report-chart-data"' in page
    assert 'aria-describedby="report-table-caption"' in page and "<caption" in page
    assert response.context["result"].totals["count"] == 4
    assert len(queries) < 40


def test_a_stage_drills_into_the_opportunity_list_with_the_same_filters(history: History) -> None:
    client = client_for(history.world.bob)
    result = figures(history.world.bob, "funnel")
    contact = result.rows[0]
    link = urlsplit(contact.drill)
    assert link.path == "/sales/opportunities/"
    query = parse_qs(link.query)
    assert query["created_from"] == ["2026-11-01"] and query["created_to"] == ["2026-11-30"]
    assert query["stage"] == [str(contact.key)]
    listed = client.get(contact.drill).context["page_obj"].object_list
    assert sorted(row.name for row in listed) == ["三号项目", "二号项目"]  # a3 at 23:30 on the 30th, a2
    assert len(listed) == contact.values["count"]


def test_a_drill_down_never_shows_records_outside_the_readers_scope(history: History) -> None:
    bob_link = figures(history.world.bob, "funnel").rows[0].drill
    charlie = client_for(history.world.charlie)
    listed = charlie.get(bob_link).context["page_obj"].object_list
    assert [row.name for row in listed] == ["北京项目"]  # the same link in Charlie's scope: his own, none of Alice's
    followups = figures(history.world.root, "followups").rows
    alice_row = next(row for row in followups if row.label == "李爱丽")
    assert urlsplit(alice_row.drill).path == "/reports/followups/records/"
    assert len(client_for(history.world.root).get(alice_row.drill).context["lines"]) == 3
    assert client_for(history.world.charlie).get(alice_row.drill).context["lines"] == []


def test_a_day_drills_into_that_company_days_records(history: History) -> None:
    days = figures(history.world.root, "followups", f"{NOVEMBER}&by=day").rows
    last = next(row for row in days if row.key.isoformat() == "2026-11-30")
    lines = client_for(history.world.root).get(last.drill).context["lines"]
    assert len(lines) == 1  # the one at 23:30, not the one at 00:30 the next day


def test_wins_and_losses_drill_into_the_closed_opportunities(history: History) -> None:
    rows = figures(history.world.root, "win_loss", f"{NOVEMBER}&by=owner").rows
    alice = next(row for row in rows if row.label == "李爱丽")
    listed = client_for(history.world.root).get(alice.drill).context["page_obj"].object_list
    assert sorted(row.name for row in listed) == ["一号项目", "五号项目"]
    lost = figures(history.world.root, "losses", f"{NOVEMBER}&by=competitor").rows[0]
    listed = client_for(history.world.root).get(lost.drill).context["page_obj"].object_list
    assert [row.name for row in listed] == ["五号项目"]


def test_the_export_is_the_table(history: History) -> None:
    history.world.bob.language = "en"
    history.world.bob.save(update_fields=["language"])
    client = client_for(history.world.bob)
    response = client.get(f"/reports/funnel/export/?{NOVEMBER}&compare=previous")
    assert response.status_code == 200
    cells = [
        [None if cell == "" else cell for cell in line]
        for line in CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    ]
    result = figures(history.world.bob, "funnel", f"{NOVEMBER}&compare=previous")
    assert cells[0][:5] == [
        "Stage",
        "Opportunities now in the stage",
        "Amount now in the stage",
        "Reached the stage",
        "Conversion from the stage before (%)",
    ]
    assert [line[0] for line in cells[1:-1]] == [row.label for row in result.rows]
    for line, row in zip(cells[1:-1], result.rows, strict=True):
        assert line[1] == row.values["count"] and Decimal(str(line[2])) == row.values["amount"]
        assert line[3] == row.values["reached"]
        assert (line[4] is None and row.values["conversion"] is None) or Decimal(str(line[4])) == row.values[
            "conversion"
        ]
    assert cells[-1][0] == "Total" and cells[-1][1] == 4
    assert AuditEntry.objects.filter(action="export", object_type="analytics.report.funnel").count() == 1


def test_a_salesperson_may_not_export(history: History) -> None:
    assert client_for(history.world.alice).get(f"/reports/funnel/export/?{NOVEMBER}").status_code == 403


def test_a_view_is_saved_for_its_owner_only(history: History) -> None:
    client = client_for(history.world.bob)
    response = client.post("/reports/funnel/views/", {"name": "十一月", "query": NOVEMBER})
    assert response.status_code == 302 and NOVEMBER in response["Location"]
    view = SavedView.objects.get()
    assert (view.user, view.report, view.name) == (history.world.bob, "funnel", "十一月")
    assert client.post("/reports/funnel/views/", {"name": "十一月", "query": ""}).status_code == 302
    assert SavedView.objects.count() == 1  # the same name twice: refused
    page = client.get("/reports/funnel/")
    assert [saved.name for saved in page.context["saved_views"]] == ["十一月"]
    assert list(client_for(history.world.alice).get("/reports/funnel/").context["saved_views"]) == []
    assert client_for(history.world.alice).post(f"/reports/views/{view.pk}/delete/").status_code == 404
    assert client.post(f"/reports/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_bad_filters_get_a_message_on_their_field(history: History) -> None:
    response = client_for(history.world.bob).get("/reports/funnel/?date_from=2026-11-30&date_to=2026-11-01")
    assert response.status_code == 200 and response.context["result"] is None
    assert response.context["filter_form"].errors["date_to"] == ["结束日期早于开始日期。"]  # Bob reads Chinese


def test_someone_without_the_records_module_cannot_open_its_report(history: History) -> None:
    from tests.conftest import grant

    grant(history.world.charlie, "service_agent")
    assert client_for(history.world.charlie).get("/reports/funnel/").status_code == 403
    assert client_for(history.world.alice).get("/reports/nonsense/").status_code == 404


def test_the_index_lists_the_reports_the_reader_may_run(history: History) -> None:
    names = {
        report.name
        for reports in client_for(history.world.alice).get("/reports/").context["groups"].values()
        for report in reports
    }
    assert {"funnel", "win_loss", "losses", "composition", "followups", "plans", "quiet_customers"} <= names
