"""Each report's figures against hand-computed ones on the small history of ``conftest.py``, including the
period's boundaries in company time and the data scope."""

from datetime import date, datetime
from decimal import Decimal

from django.http import QueryDict

from guanxi.analytics.forms import ReportFilterForm
from guanxi.analytics.framework import Filters, Period, Result, report_get, run
from guanxi.org.models import User
from guanxi.sales.models import Pipeline

from .conftest import History

NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


def figures(actor: User, name: str, query: str = NOVEMBER) -> Result:
    report = report_get(name)
    form = ReportFilterForm(QueryDict(query), report=report, actor=actor)
    assert form.is_valid(), form.errors
    return run(actor=actor, report=report, filters=form.filters())


def by_label(result: Result, code: str) -> dict[str, object]:
    return {row.label: row.values[code] for row in result.rows}


def test_the_funnel_counts_each_stage_now_what_reached_it_and_the_conversion(history: History) -> None:
    result = figures(history.world.root, "funnel")
    rows = {row.label: row.values for row in result.rows}
    assert list(rows) == [
        "Initial contact",
        "Needs confirmed",
        "Proposal / quote",
        "Tender",
        "Negotiation",
        "Deal won",
        "Lost",
    ]
    # November: a1 (won), a2, a3 (23:30 on the 30th), a5 (lost), c1; a4 (00:30 on 1 December) is December's
    assert (rows["Initial contact"]["count"], rows["Initial contact"]["amount"]) == (3, Decimal("150000"))
    assert (rows["Deal won"]["count"], rows["Deal won"]["amount"]) == (1, Decimal("100000"))
    assert (rows["Lost"]["count"], rows["Lost"]["amount"]) == (1, Decimal("20000"))
    assert [rows[name]["reached"] for name in list(rows)[:6]] == [5, 2, 2, 1, 1, 1]
    assert [rows[name]["conversion"] for name in list(rows)[:6]] == [
        None, Decimal("40.0"), Decimal("100.0"), Decimal("50.0"), Decimal("100.0"), Decimal("100.0")
    ]  # fmt: skip
    assert rows["Lost"]["reached"] is None
    # time in stage, from the finished stays: a1 and a5 each left initial contact after a day; proposal took
    # a1 16¼ days (4 Nov 10:00 → 20 Nov 16:00) and a5 14 (11 → 25 Nov)
    assert (rows["Initial contact"]["days"], rows["Proposal / quote"]["days"]) == (Decimal("1.0"), Decimal("15.1"))
    assert rows["Needs confirmed"]["days"] is None
    assert result.totals["count"] == 5 and result.totals["amount"] == Decimal("270000")


def test_a_record_at_2330_beijing_time_counts_on_that_beijing_day(history: History) -> None:
    root = history.world.root
    december = figures(root, "funnel", "date_from=2026-12-01&date_to=2026-12-31")
    assert december.totals["count"] == 1  # a4, created at 00:30 on 1 December Beijing time (30 Nov in UTC)
    last_day = figures(root, "funnel", "date_from=2026-11-30&date_to=2026-11-30")
    assert last_day.totals["count"] == 1  # a3, created at 23:30 on 30 November Beijing time
    days = figures(root, "followups", f"{NOVEMBER}&by=day")
    per_day = {row.key.isoformat(): row.values["count"] for row in days.rows}
    assert len(per_day) == 30 and per_day["2026-11-03"] == 2 and per_day["2026-11-30"] == 1
    assert per_day["2026-11-12"] == 1 and sum(per_day.values()) == 4  # the 00:30 one of 1 December is not here


def test_follow_ups_per_salesperson_and_per_active_day(history: History) -> None:
    result = figures(history.world.root, "followups")
    rows = {row.label: row.values for row in result.rows}
    assert rows["李爱丽"] == {"count": 3, "customers": 1, "days": 2, "per_day": Decimal("1.5")}
    assert rows["张查理"] == {"count": 1, "customers": 1, "days": 1, "per_day": Decimal("1.0")}
    assert result.totals["count"] == 4


def test_a_salesperson_sees_only_figures_of_their_own_records(history: History) -> None:
    charlie = figures(history.world.charlie, "funnel")
    assert charlie.totals["count"] == 1 and charlie.totals["amount"] == Decimal("70000")
    alice = figures(history.world.alice, "funnel")
    assert alice.totals["count"] == 4 and alice.totals["amount"] == Decimal("200000")
    bob = figures(history.world.bob, "funnel")  # Shanghai's manager: Alice's, not Charlie's
    assert bob.totals == alice.totals
    assert by_label(figures(history.world.charlie, "followups"), "count") == {"张查理": 1}


def test_wins_and_losses_by_result_and_reason_with_the_win_rate(history: History) -> None:
    result = figures(history.world.root, "win_loss")
    assert by_label(result, "count") == {"Won": 1, "Lost": 1}
    assert result.totals["win_rate"] == Decimal("50.0")
    assert result.totals["won_amount"] == Decimal("100000")
    losses = figures(history.world.root, "losses", f"{NOVEMBER}&by=competitor")
    assert by_label(losses, "amount") == {"对手科技": Decimal("20000")}
    reasons = figures(history.world.root, "losses", f"{NOVEMBER}&by=reason")
    assert by_label(reasons, "count") == {"Price too high": 1}


def test_the_period_before_is_compared_row_by_row(history: History) -> None:
    result = figures(history.world.root, "funnel", "date_from=2026-12-01&date_to=2026-12-31&compare=previous")
    assert result.filters.previous == Period(date(2026, 11, 1), date(2026, 11, 30))
    contact = result.rows[0]
    assert (contact.values["count"], contact.previous["count"]) == (1, 3)
    assert contact.change("count") == Decimal("-200") / 3
    assert result.previous_totals["count"] == 5


def test_customer_composition_by_source_and_a_default_pipeline(history: History) -> None:
    result = figures(history.world.root, "composition", "by=source")
    assert by_label(result, "count") == {"Exhibition": 1, "Online marketing": 1}
    assert Filters().period is None
    assert Pipeline.objects.filter(code="project").exists()


def test_periods_compare_with_whole_months_before_or_a_year_earlier() -> None:
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).previous("previous") == Period(
        date(2026, 2, 1), date(2026, 2, 28)
    )
    assert Period(date(2026, 1, 1), date(2026, 3, 31)).previous("previous") == Period(
        date(2025, 10, 1), date(2025, 12, 31)
    )
    assert Period(date(2026, 3, 5), date(2026, 3, 14)).previous("previous") == Period(
        date(2026, 2, 23), date(2026, 3, 4)
    )
    assert Period(date(2028, 2, 29), date(2028, 2, 29)).previous("year") == Period(date(2027, 2, 28), date(2027, 2, 28))


def test_plan_completion_by_the_day_plans_fall_due_in_company_time(history: History) -> None:
    import time_machine

    from guanxi.activities import services as activities

    from .conftest import SHANGHAI, at

    charlie, customer = history.world.charlie, history.charlie_customer
    with time_machine.travel(at(3, 9, month=12), tick=False):
        plans = [
            activities.plan_create(actor=charlie, subject=subject, due_at=due, customer=customer)
            for subject, due in (
                ("一", datetime(2027, 1, 5, 10, tzinfo=SHANGHAI)),
                ("二", datetime(2027, 1, 31, 23, 30, tzinfo=SHANGHAI)),  # 15:30 UTC: January in Beijing
                ("三", datetime(2027, 2, 1, 0, 30, tzinfo=SHANGHAI)),  # 31 Jan 16:30 UTC: February in Beijing
            )
        ]
        activities.plan_complete(actor=charlie, plan=plans[0])
        activities.plan_cancel(actor=charlie, plan=plans[2])
    january = figures(charlie, "plans", "date_from=2027-01-01&date_to=2027-01-31")
    assert by_label(january, "count") == {"张查理": 2}
    assert january.totals == {"count": 2, "done": 1, "cancelled": 0, "open": 1, "completion": Decimal("50.0")}
    assert figures(charlie, "plans", "date_from=2027-02-01&date_to=2027-02-28").totals["cancelled"] == 1
    assert figures(history.world.alice, "plans", "date_from=2027-01-01&date_to=2027-01-31").totals["count"] == 0


def test_customers_without_follow_up_for_the_given_days(history: History) -> None:
    # on 2 December: Alice's customer was followed up at 00:30 on 1 December, Charlie's on 12 November
    assert by_label(figures(history.world.root, "quiet_customers", "days=10"), "count") == {"张查理": 1}
    assert figures(history.world.root, "quiet_customers", "days=30").totals["count"] == 0
    assert figures(history.world.alice, "quiet_customers", "days=10").totals["count"] == 0
    report = report_get("quiet_customers")
    form = ReportFilterForm(QueryDict("days=0"), report=report, actor=history.world.root)
    assert not form.is_valid() and "days" in form.errors


def test_customer_composition_by_level_counts_the_unset_ones_too(history: History) -> None:
    result = figures(history.world.root, "composition", "by=status")
    assert sum(by_label(result, "count").values()) == 2  # type: ignore[arg-type]
    created = figures(history.world.root, "composition", "date_from=2026-11-02&date_to=2026-11-02&by=level")
    assert created.totals["count"] == 2  # both were created on 2 November
    assert figures(history.world.root, "composition", "date_from=2026-11-03&date_to=2026-11-30").totals == {"count": 0}


def test_lead_response_time_from_arrival_to_the_first_follow_up(history: History) -> None:
    import time_machine

    from guanxi.activities import services as activities
    from guanxi.leads import services as leads

    from .conftest import at

    alice = history.world.alice
    with time_machine.travel(at(6, 10), tick=False):
        first = leads.lead_create(actor=alice, data={"name": "王五", "company": "甲公司", "mobile": "13700000001"})
    with time_machine.travel(at(7, 9), tick=False):
        leads.lead_create(actor=alice, data={"name": "赵六", "company": "乙公司", "mobile": "13700000002"})
        activities.followup_create(actor=alice, content="首次电话", occurred_at=at(6, 13, 30), related=first)
        activities.followup_create(actor=alice, content="再次电话", occurred_at=at(6, 16), related=first)
    result = figures(alice, "lead_response")
    assert [row.values for row in result.rows] == [
        {"count": 2, "responded": 1, "response_rate": Decimal("50.0"), "hours": Decimal("3.5")}
    ]
    assert result.totals["count"] == 2 and result.totals["response_rate"] == Decimal("50.0")
