"""The demo company reads like a real one: two units, a year of history, plans in office hours."""

import re
from collections import Counter
from datetime import timedelta
from io import StringIO
from typing import Any

from django.db.models import F
from django.utils import timezone

from guanxi.activities.models import FollowUp, Plan
from guanxi.core.demo import OFFICE_HOURS
from guanxi.customers.demo import PLACES
from guanxi.customers.models import Customer
from guanxi.leads.models import Lead
from guanxi.org.models import BusinessUnit, User
from guanxi.pool.models import PoolEvent
from guanxi.sales.models import Opportunity
from guanxi.sales.quotes.models import Quote
from guanxi.workflows.selectors import inbox


def _in_office_hours(moment: Any) -> bool:
    local = timezone.localtime(moment)
    return OFFICE_HOURS[0] <= local.hour < OFFICE_HOURS[1]


def test_the_group_has_two_units_each_with_its_own_admin_managers_and_salespeople(demo: str, db: None) -> None:
    units = {unit.code: unit for unit in BusinessUnit.objects.all()}
    assert {"industrial", "auto"} <= set(units)
    for code in ("industrial", "auto"):
        roles = Counter(
            role
            for user in User.objects.filter(department__business_unit=units[code])
            for role in user.roles.values_list("code", flat=True)
        )
        assert roles["unit_admin"] == 1 and roles["sales_manager"] >= 1 and roles["salesperson"] >= 2, code
        assert Customer.objects.filter(business_unit=units[code]).count() > 50, code
    assert "auto.sales1" in demo and "sales1" in demo and "汽车销售" in demo and "华东工业装备" in demo


def test_customers_were_registered_over_the_past_year_and_followed_up_after(demo: str, db: None) -> None:
    now = timezone.now()
    created = list(Customer.objects.values_list("created_at", flat=True))
    assert min(created) < now - timedelta(days=180) and max(created) < now
    assert sum(moment > now - timedelta(days=1) for moment in created) < len(created) / 10
    assert all(_in_office_hours(moment) for moment in created)
    assert not FollowUp.objects.filter(occurred_at__lt=F("customer__created_at")).exists()
    held = Customer.objects.filter(owner__isnull=False, expires_at__isnull=False)
    assert not held.filter(expires_at__lt=now).exists()  # nothing falls due the moment the server starts
    assert len({(moment - now).days for moment in held.values_list("expires_at", flat=True)}) > 10
    assert held.filter(expires_at__lt=now + timedelta(days=7)).exists()  # some return within days
    leads = list(Lead.objects.values_list("created_at", flat=True))
    assert min(leads) < now - timedelta(days=30) and all(moment < now for moment in leads)


def test_a_salesperson_has_a_handful_of_plans_today_and_all_plans_fall_in_office_hours(demo: str, db: None) -> None:
    today = timezone.localdate()
    manual = Plan.objects.filter(origin=Plan.Origin.MANUAL, status="open")
    assert all(_in_office_hours(plan.due_at) for plan in manual)
    for username in ("sales1", "sales2", "auto.sales1", "auto.sales2"):
        due_today = [
            plan for plan in manual.filter(owner__username=username) if timezone.localdate(plan.due_at) == today
        ]
        assert 3 <= len(due_today) <= 10, username  # with a call-back of a call missed on the last workday
    assert manual.filter(due_at__lt=timezone.now() - timedelta(days=1)).exists()  # a few overdue
    assert manual.filter(due_at__gt=timezone.now() + timedelta(days=7)).exists()  # and some weeks ahead


def test_each_unit_sells_what_it_sells_through_its_own_pipeline(demo: str, db: None) -> None:
    industrial = Opportunity.objects.filter(customer__business_unit__code="industrial")
    cars = Opportunity.objects.filter(customer__business_unit__code="auto")
    assert industrial.exists() and cars.exists()
    assert set(industrial.values_list("pipeline__code", flat=True)) == {"project"}
    assert set(cars.values_list("pipeline__code", flat=True)) == {"dealership"}
    assert not industrial.filter(need__contains="试驾").exists()
    food = industrial.filter(customer__name__contains="食品").values_list("name", flat=True)
    assert all("包装" in name for name in food)


def test_addresses_lie_in_the_customer_s_region_and_chinese_text_has_full_width_punctuation(
    demo: str, db: None
) -> None:
    districts = {county: district for _province, _city, county, district, _streets in PLACES.values()}
    located = Customer.objects.exclude(county="")
    assert located.exists()
    assert all(customer.address.startswith(districts[customer.county]) for customer in located)
    texts = [*Customer.objects.values_list("remarks", flat=True), *FollowUp.objects.values_list("content", flat=True)]
    assert not [text for text in texts if re.search(r"[\u4e00-\u9fff][,;:!?]", text)]


def test_opportunities_moved_through_their_stages_over_weeks_before_today(demo: str, db: None) -> None:
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    opportunities = Opportunity.objects.select_related("customer").prefetch_related("stage_changes")
    assert opportunities.exists()
    for opportunity in opportunities:
        moments = [change.at for change in sorted(opportunity.stage_changes.all(), key=lambda change: change.pk)]
        assert moments == sorted(moments) and len(set(moments)) == len(moments), opportunity.number
        assert opportunity.customer.created_at < opportunity.created_at == moments[0] < today, opportunity.number
        assert opportunity.stage_entered_at == moments[-1] < today, opportunity.number
        assert opportunity.number[2:10] == timezone.localtime(opportunity.created_at).strftime("%Y%m%d")
    spans = [(o.stage_entered_at - o.created_at).days for o in opportunities.filter(status="won")]
    assert max(spans) > 14  # a deal takes weeks, not a second


def test_customers_last_changed_on_their_own_days_and_the_pool_filled_over_weeks(demo: str, db: None) -> None:
    today = timezone.localdate()
    changed = [timezone.localdate(moment) for moment in Customer.objects.values_list("updated_at", flat=True)]
    assert sum(day == today for day in changed) < len(changed) / 10
    returns = PoolEvent.objects.filter(kind__in=[PoolEvent.Kind.RETURN, PoolEvent.Kind.RECLAIM])
    days = Counter(timezone.localdate(moment) for moment in returns.values_list("at", flat=True))
    assert len(days) > 10 and days[today] < returns.count() / 5
    pooled = Customer.objects.filter(status="pool").values_list("pooled_at", flat=True)
    assert sum(timezone.localdate(moment) == today for moment in pooled) < len(pooled) / 5


def test_the_demo_people_have_chinese_job_titles(demo: str, db: None) -> None:
    titles = dict(User.objects.filter(custom__has_key="job_title").values_list("username", "custom__job_title"))
    assert titles["sales1"] == "销售工程师" and titles["auto.sales1"] == "销售顾问"
    assert all(re.fullmatch(r"[\u4e00-\u9fff（）]+", title) for title in titles.values()), titles
    assert "Salesperson" not in demo and "销售工程师" in demo


def test_quotes_were_made_over_months_and_went_as_far_as_their_age(demo: str, db: None) -> None:
    quotes = list(Quote.objects.select_related("customer"))
    assert {quote.status for quote in quotes} >= {
        "draft",
        "pending",
        "approved",
        "sent",
        "accepted",
        "rejected",
        "expired",
    }
    made = {timezone.localdate(quote.created_at) for quote in quotes}
    assert len(made) > 5 and min(made) < timezone.localdate() - timedelta(days=60)
    for quote in quotes:
        assert quote.customer.created_at < quote.created_at <= timezone.now(), quote.number
        assert quote.number[2:10] == timezone.localtime(quote.created_at).strftime("%Y%m%d"), quote.number
    waiting = User.objects.get(username="sh.manager")
    assert inbox(actor=waiting).filter(record_type="sales.quote").count() == 1  # contracts wait there too


def test_this_years_sales_targets_are_set_once_and_measured(demo: str, db: None) -> None:
    from guanxi.analytics import demo as analytics_demo
    from guanxi.analytics.models import Target
    from guanxi.analytics.targets import attainment

    assert Target.objects.filter(user__username="sales1", kind="amount").count() == 12
    assert Target.objects.filter(user__isnull=True, department__isnull=True).count() == 24  # two units × 12 months
    count, out = Target.objects.count(), StringIO()
    analytics_demo.load(out)
    assert Target.objects.count() == count and "already there" in out.getvalue()
    year = Target.objects.values_list("year", flat=True).first()
    result = attainment(actor=User.objects.get(username="director"), year=year or 0, period="y")
    assert str(User.objects.get(username="sales1")) in {row.label for row in result.people}
    assert result.unit is not None and result.unit.target > 0 and result.unit.actual > 0


def test_the_shared_tools_and_expenses_load_once_in_every_state(demo: str, db: None) -> None:
    from guanxi.collab import demo as collab_demo
    from guanxi.collab.announcements import selectors as announcements
    from guanxi.collab.models import Announcement, Document, Folder, Script
    from guanxi.expenses import demo as expenses_demo
    from guanxi.expenses.models import Expense

    assert announcements.unread_count(actor=User.objects.get(username="sales1")) >= 1
    assert Announcement.objects.filter(published_at__isnull=True).count() == 1  # one scheduled for next week
    contract = Document.objects.get(name="设备销售合同模板.pdf")
    assert contract.versions.count() == 3 and Folder.objects.filter(inherit=False).exists()
    assert Script.objects.filter(business_unit__code="industrial").count() == 20
    assert set(Expense.objects.values_list("status", flat=True)) == {"draft", "pending", "approved", "rejected", "paid"}
    counts = (Announcement.objects.count(), Document.objects.count(), Script.objects.count(), Expense.objects.count())
    out = StringIO()
    collab_demo.load(out)
    expenses_demo.load(out)
    again = (Announcement.objects.count(), Document.objects.count(), Script.objects.count(), Expense.objects.count())
    assert again == counts and "Demo expenses: 7 claims already there." in out.getvalue()


def test_the_demo_mailbox_and_webhook_show_mail_on_two_customers_and_a_delivery_log(demo: str, db: None) -> None:
    from guanxi.integrations import demo as integrations_demo
    from guanxi.integrations.mailboxes.models import Email, EmailLink
    from guanxi.integrations.webhooks.models import Delivery

    assert Email.objects.filter(mailbox__owner__username="sales1").count() == 6
    assert EmailLink.objects.values("customer").distinct().count() == 2
    assert Email.objects.filter(attachments__isnull=False).exists()
    log = Delivery.objects.filter(subscription__name="ERP 订单同步")
    assert log.filter(status="delivered", last_status_code=200).count() == log.count() >= 2
    out = StringIO()
    integrations_demo.load(out)
    assert "already there" in out.getvalue() and Email.objects.count() == 6
