"""Care rules: lunar birthdays for known years (a leap month, a 30th in a short month), solar birthdays,
holidays from the service calendar, purchase anniversaries, the first service after delivery, mileage
milestones; each occasion planned once for the owner with the rule's message; bad rules refused by field."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from guanxi.activities.models import Plan
from guanxi.core.models import CustomField
from guanxi.customers.models import Contact
from guanxi.retention import care
from guanxi.retention.care import birthday_between, lunar_birthday, solar_birthday
from guanxi.retention.models import CareOccasion, CareRule
from guanxi.sales.orders.models import Order
from tests.conftest import World

from .conftest import moment, order_row, won


def test_a_lunar_birthday_moves_with_the_lunar_calendar() -> None:
    mid_autumn_1985 = date(1985, 9, 29)  # 八月十五
    assert [lunar_birthday(mid_autumn_1985, year) for year in (2024, 2025, 2026)] == [
        date(2024, 9, 17), date(2025, 10, 6), date(2026, 9, 25),
    ]  # fmt: skip
    new_year_1990 = date(1990, 1, 27)  # 正月初一
    assert [lunar_birthday(new_year_1990, year) for year in (2024, 2025, 2026)] == [
        date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17),
    ]  # fmt: skip


def test_a_leap_month_birthday_keeps_the_ordinary_month_in_years_without_that_leap_month() -> None:
    leap = date(2023, 4, 1)  # 2023 闰二月十一
    assert lunar_birthday(leap, 2024) == date(2024, 3, 20)  # 二月十一: 2024 has no leap second month
    assert lunar_birthday(leap, 2042) == date(2042, 4, 1)  # 2042 has one: 闰二月十一


def test_a_thirtieth_falls_on_the_twenty_ninth_when_the_month_is_short() -> None:
    eve = date(2024, 2, 9)  # 2023 腊月三十 (除夕)
    assert lunar_birthday(eve, 2025) == date(2026, 2, 16)  # 2025's 腊月 has 29 days


def test_solar_birthdays_and_the_window() -> None:
    assert solar_birthday(date(1992, 2, 29), 2026) == date(2026, 2, 28)
    assert birthday_between(date(1980, 12, 30), False, date(2026, 12, 28), date(2027, 1, 3)) == date(2026, 12, 30)
    assert birthday_between(date(1980, 1, 2), False, date(2026, 12, 28), date(2027, 1, 3)) == date(2027, 1, 2)
    assert birthday_between(date(1980, 6, 2), False, date(2026, 12, 28), date(2027, 1, 3)) is None


def _rule(shop: World, kind: str, **data) -> CareRule:
    values = {"name": "关怀", "kind": kind, "days_ahead": 7, "template": "{customer}：{occasion} 快乐！", **data}
    return care.care_rule_create(actor=shop.root, unit=shop.unit, data=values)


def test_birthdays_solar_and_lunar_within_the_days_ahead_are_planned_once(shop: World) -> None:
    today = timezone.localdate()
    customer = won(shop.alice)
    in_five_days = today + timedelta(days=5)
    solar = Contact.objects.get(customer=customer)
    Contact.all_objects.filter(pk=solar.pk).update(birthday=in_five_days.replace(year=1980))
    lunar_day = date(1985, 9, 29)
    Contact.all_objects.create(customer=customer, name="李四", birthday=lunar_day, birthday_is_lunar=True)
    far = won(shop.alice)
    Contact.all_objects.filter(customer=far).update(birthday=(today + timedelta(days=20)).replace(year=1980))
    _rule(shop, "birthday")
    for _run in range(2):
        care.care_scan(moment(today))
    plans = list(Plan.objects.filter(customer=customer))
    expected = 1 + (1 if birthday_between(lunar_day, True, today, today + timedelta(days=7)) else 0)
    assert len(plans) == expected
    plan = next(plan for plan in plans if plan.contact_id == solar.pk)
    assert plan.owner_id == shop.alice.pk
    assert timezone.localdate(plan.due_at) == in_five_days
    assert plan.script == f"{customer.name}：张三 快乐！"
    assert not Plan.objects.filter(customer=far).exists()


def test_a_lunar_birthday_next_week_is_planned(shop: World) -> None:
    today = timezone.localdate()
    customer = won(shop.alice)
    # someone born on the solar day whose lunar date comes round again in four days
    target = today + timedelta(days=4)
    from lunardate import LunarDate

    lunar = LunarDate.from_solar_date(target.year, target.month, target.day)
    born = LunarDate(1988, lunar.month, min(lunar.day, 29)).to_solar_date()
    Contact.all_objects.filter(customer=customer).update(birthday=born, birthday_is_lunar=True)
    _rule(shop, "birthday", days_ahead=10)
    care.care_scan(moment(today))
    assert Plan.objects.filter(customer=customer).count() == 1


def test_holidays_anniversaries_first_service_and_milestones(shop: World) -> None:
    customer = won(shop.alice, custom={})
    Order.all_objects.all().delete()
    order = order_row(customer, date(2024, 10, 3), "8000")
    Order.all_objects.filter(pk=order.pk).update(delivery_on=date(2026, 9, 2))
    CustomField.objects.create(model="customers.customer", key="mileage", label="里程", type="number")
    _rule(shop, "holiday")
    _rule(shop, "anniversary")
    _rule(shop, "first_service", days_after=30)
    _rule(shop, "milestone", field_key="mileage", thresholds=[50000, 100000, 150000])
    type(customer).all_objects.filter(pk=customer.pk).update(custom={"mileage": 100500})
    at = moment(date(2026, 9, 28))  # 国庆节 on 1 October, the purchase's second anniversary on 3 October
    care.care_scan(at)
    care.care_scan(at)
    keys = sorted(CareOccasion.objects.values_list("key", flat=True))
    assert keys == [
        "anniversary:2026", f"first_service:{order.pk}", "holiday:national_day:2026",
        "milestone:mileage:100000", "milestone:mileage:50000",
    ]  # fmt: skip
    assert Plan.objects.filter(customer=customer).count() == 5
    type(customer).all_objects.filter(pk=customer.pk).update(custom={"mileage": 151000})
    care.care_scan(at)
    assert CareOccasion.objects.filter(key="milestone:mileage:150000").count() == 1
    assert Plan.objects.filter(customer=customer).count() == 6


def test_the_database_keeps_one_occasion_per_rule_and_customer(shop: World) -> None:
    customer = won(shop.alice)
    rule = _rule(shop, "holiday")
    now = timezone.now()
    CareOccasion.objects.create(
        rule=rule, customer=customer, key="holiday:x:2026", occurs_on=now.date(), created_at=now
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CareOccasion.objects.create(rule=rule, customer=customer, key="holiday:x:2026", occurs_on=now.date(),
                                    created_at=now)  # fmt: skip


def test_bad_rules_are_refused_by_field(shop: World) -> None:
    with pytest.raises(ValidationError) as refusal:
        _rule(shop, "milestone", days_ahead=0, template="", field_key="nope", thresholds=["-5"])
    assert set(refusal.value.message_dict) == {"days_ahead", "template", "field_key", "thresholds"}
    with pytest.raises(ValidationError) as refusal:
        _rule(shop, "first_service", days_after=0)
    assert set(refusal.value.message_dict) == {"days_after"}
    assert not CareRule.objects.exists()
