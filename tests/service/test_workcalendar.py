"""Working time on the Chinese calendar (SPEC §9.3): weekends, public holidays and adjusted working days."""

from datetime import date, datetime

import pytest

from guanxi.service.workcalendar import LAST_YEAR, Calendar
from tests.service.conftest import SHANGHAI

CN = Calendar(chinese=True, start_hour=9, end_hour=18)  # nine working hours a day


def at(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def test_a_deadline_crosses_the_weekend() -> None:
    # Friday 2026-06-05 16:00 + 4 working hours: 2 on Friday, the weekend skipped, 2 on Monday
    assert CN.add(at(2026, 6, 5, 16), 4 * 60) == at(2026, 6, 8, 11)
    assert CN.minutes_between(at(2026, 6, 5, 16), at(2026, 6, 8, 11)) == 4 * 60


def test_national_day_is_skipped_and_the_adjusted_saturday_is_worked() -> None:
    # 国庆节 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are working days
    assert CN.is_workday(date(2025, 9, 28)) and CN.is_workday(date(2025, 10, 11))
    assert not CN.is_workday(date(2025, 10, 3)) and not CN.is_workday(date(2025, 10, 8))
    # Tuesday 30 September 17:00 + 2 working hours: 1 that evening, then nothing until Thursday 9 October
    assert CN.add(at(2025, 9, 30, 17), 2 * 60) == at(2025, 10, 9, 10)
    # Friday 10 October 17:00 + 2 hours: the adjusted Saturday 11 October is worked
    assert CN.add(at(2025, 10, 10, 17), 2 * 60) == at(2025, 10, 11, 10)
    weekdays = Calendar(chinese=False)
    assert weekdays.add(at(2025, 10, 10, 17), 2 * 60) == at(2025, 10, 13, 10)


def test_spring_festival_pauses_the_clock() -> None:
    # 春节 2026: 15–23 February off, Saturday 14 and 28 February worked
    assert CN.is_workday(date(2026, 2, 14)) and CN.is_workday(date(2026, 2, 28))
    assert not any(CN.is_workday(date(2026, 2, day)) for day in range(15, 24))
    # Friday 13 February 17:00 + 3 working hours: 1 on Friday, 2 on the worked Saturday 14th
    assert CN.add(at(2026, 2, 13, 17), 3 * 60) == at(2026, 2, 14, 11)
    # Saturday 14 February 17:00 + 2 hours: then the whole festival off, back on Tuesday 24th
    assert CN.add(at(2026, 2, 14, 17), 2 * 60) == at(2026, 2, 24, 10)
    assert CN.minutes_between(at(2026, 2, 14, 17), at(2026, 2, 24, 10)) == 2 * 60


def test_time_before_opening_and_after_closing_does_not_count() -> None:
    assert CN.add(at(2026, 6, 1, 7), 60) == at(2026, 6, 1, 10)
    assert CN.add(at(2026, 6, 1, 20), 60) == at(2026, 6, 2, 10)
    assert CN.minutes_between(at(2026, 6, 1, 20), at(2026, 6, 2, 8)) == 0


def test_overdue_time_is_negative() -> None:
    assert CN.minutes_between(at(2026, 6, 2, 11), at(2026, 6, 1, 17)) == -(1 + 2) * 60


@pytest.mark.parametrize("year", [LAST_YEAR + 1, LAST_YEAR + 5])
def test_past_the_calendars_last_year_weekends_alone_decide(year: int) -> None:
    first_of_october = date(year, 10, 1)
    assert CN.is_workday(first_of_october) == (first_of_october.weekday() < 5)
