"""Channel partner performance and the expense analysis in the report framework: figures per partner and per
category, claimant, customer and month, each within the reader's scope; drill-downs and the export."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.http import QueryDict
from django.utils import timezone

from guanxi.analytics.forms import ReportFilterForm
from guanxi.analytics.framework import Result, report_get, run
from guanxi.expenses import services as expenses
from guanxi.org.models import User
from tests.conftest import TwoUnits, World, client_for
from tests.customers.test_partners import partner
from tests.customers.test_services import register
from tests.expenses.conftest import office  # noqa: F401 — the expenses' world
from tests.sales.test_partners import channel  # noqa: F401 — two units, a partner and its customers


def _recent() -> str:
    today = timezone.localdate()
    return f"date_from={(today - timedelta(days=40)).isoformat()}&date_to={today.isoformat()}"


def figures(actor: User, name: str, query: str = "") -> Result:
    report = report_get(name)
    form = ReportFilterForm(QueryDict(f"{_recent()}&{query}"), report=report, actor=actor)
    assert form.is_valid(), form.errors
    return run(actor=actor, report=report, filters=form.filters())


def test_partner_performance_sums_what_each_partner_brought_within_the_scope(channel: TwoUnits) -> None:  # noqa: F811
    partner(channel.alice, "温州永盛代理有限公司", partner_type="agent")  # brought nothing
    partner(channel.bella, "杭州渠道有限公司")  # another unit's
    whole = figures(channel.ada, "partner_performance")
    assert [(row.label, row.values) for row in whole.rows] == [
        (
            "华东渠道贸易有限公司",
            {"customers": 2, "won": 1, "won_amount": Decimal("100000.00"), "orders": 1, "ordered": Decimal("2260.00")},
        )
    ]
    assert whole.totals["won_amount"] == Decimal("100000.00")
    alice = figures(channel.alice, "partner_performance")
    assert alice.rows[0].values["customers"] == 1  # Charlie's customer is outside her scope
    assert figures(channel.bella, "partner_performance").rows == []
    by_type = figures(channel.ada, "partner_performance", "by=partner_type")
    assert [(row.label, row.values["customers"]) for row in by_type.rows] == [("Distributor", 2)]


def test_a_partner_drills_into_the_customers_it_brought(channel: TwoUnits) -> None:  # noqa: F811
    row = figures(channel.ada, "partner_performance").rows[0]
    query = parse_qs(urlsplit(row.drill).query)
    assert urlsplit(row.drill).path == "/customers/" and query["partner"] == [str(channel.dealer.pk)]  # type: ignore[attr-defined]
    listed = client_for(channel.ada).get(row.drill).context["page_obj"].object_list
    assert sorted(customer.name for customer in listed) == ["北京远航科技有限公司", "苏州精工机械有限公司"]


def _line(amount: str, category: str, days: int = 2) -> dict[str, object]:
    return {"category": category, "spent_on": timezone.localdate() - timedelta(days=days), "amount": Decimal(amount)}


def test_the_expense_analysis_groups_claimed_lines_and_drills_into_them(office: World) -> None:  # noqa: F811
    customer = register(office.alice, "上海拜访客户有限公司")
    submitted = expenses.expense_create(
        actor=office.alice,
        data={"title": "拜访客户", "customer": customer},
        lines=[_line("100.00", "travel"), _line("300.00", "meals")],
    )
    expenses.expense_submit(actor=office.alice, expense=submitted)
    expenses.expense_create(actor=office.alice, data={"title": "草稿"}, lines=[_line("50.00", "travel")])  # a draft
    result = figures(office.bob, "expenses")
    assert {row.label: row.values["amount"] for row in result.rows} == {
        "Meals and entertainment": Decimal("300.00"),
        "Travel": Decimal("100.00"),
    }
    assert result.totals["amount"] == Decimal("400.00")
    by_customer = figures(office.bob, "expenses", "by=customer")
    assert [(row.label, row.values["claims"]) for row in by_customer.rows] == [("上海拜访客户有限公司", 1)]
    by_person = figures(office.bob, "expenses", "by=owner")
    assert [row.label for row in by_person.rows] == ["李爱丽"]
    by_month = figures(office.bob, "expenses", "by=month")
    assert sum((row.values["amount"] for row in by_month.rows), Decimal(0)) == Decimal("400.00")
    meals = next(row for row in result.rows if row.key == "meals")
    web = client_for(office.bob)
    lines = web.get(meals.drill).context["lines"]
    assert [(line.text, line.url) for line in lines] == [(f"{submitted.number} #2", f"/expenses/{submitted.pk}/")]
    [month] = by_month.rows  # both lines were spent on the same day
    assert month.values["lines"] == 2 and len(web.get(month.drill).context["lines"]) == 2
    exported = web.get("/reports/expenses/export/?format=csv&" + _recent()).content.decode("utf-8-sig")
    assert exported.splitlines()[1:] == ["餐饮招待,300.00,1,1", "差旅费,100.00,1,1", "合计,400.00,2,2"]
