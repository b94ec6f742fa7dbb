"""Working time (SPEC §9.3): service deadlines count only the unit's working hours on working days.

Working days follow the Chinese public-holiday calendar with its adjusted working days (调休: the Saturday
before 国庆节 is worked, the week of 春节 is not) through ``chinese-calendar``, whose data stops at the last year
the State Council has published. Past that year, and with the unit's "Monday to Friday" calendar, working
days are Monday to Friday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.utils import timezone

from guanxi.core.config.parameters import parameter_value
from guanxi.org.models import BusinessUnit

# The years the installed calendar knows (published holidays and adjusted working days).
FIRST_YEAR = min(chinese_calendar.holidays).year
LAST_YEAR = max(chinese_calendar.holidays).year


@dataclass(frozen=True)
class Calendar:
    chinese: bool = True  # the Chinese public holidays; False: Monday to Friday
    start_hour: int = 9
    end_hour: int = 18

    def is_workday(self, day: date) -> bool:
        if self.chinese and FIRST_YEAR <= day.year <= LAST_YEAR:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def hours_of(self, day: date) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        start = datetime.combine(day, time(self.start_hour), tzinfo=zone)
        end = datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=self.end_hour)
        return start, end

    def add(self, moment: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` of working time after ``moment`` (a deadline)."""
        current = timezone.localtime(moment)
        left = timedelta(minutes=minutes)
        day = current.date()
        for _ in range(3660):  # ten years of days: a target never reaches that far
            if self.is_workday(day):
                start, end = self.hours_of(day)
                begin = max(current, start)
                if begin < end:
                    if begin + left <= end:
                        return begin + left
                    left -= end - begin
            day += timedelta(days=1)
        raise ValueError("no working time in ten years: check the working hours")

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Working minutes from ``start`` to ``end``; negative when ``end`` comes first (time overdue)."""
        if end < start:
            return -self.minutes_between(end, start)
        first, last = timezone.localtime(start), timezone.localtime(end)
        total = timedelta()
        day = first.date()
        while day <= last.date():
            if self.is_workday(day):
                opens, closes = self.hours_of(day)
                begin, finish = max(first, opens), min(last, closes)
                if begin < finish:
                    total += finish - begin
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)


def calendar_of(unit: BusinessUnit | int | None) -> Calendar:
    """The unit's working calendar and hours (parameters ``general.working_calendar`` and the day's hours)."""
    return Calendar(
        chinese=parameter_value("general.working_calendar", unit=unit) == "cn",
        start_hour=parameter_value("general.workday_start_hour", unit=unit),
        end_hour=parameter_value("general.workday_end_hour", unit=unit),
    )


def calendar_covers(year: int) -> bool:
    """Does the installed holiday data know this year? Past it, weekends alone decide."""
    return FIRST_YEAR <= year <= LAST_YEAR


def holidays_starting(start: date, end: date) -> list[tuple[date, str]]:
    """The public holidays whose first day falls between ``start`` and ``end`` (both included), with the
    holiday's code (``spring_festival``, ``national_day``…): care rules greet customers for them."""
    names = {holiday.value: holiday.name for holiday in chinese_calendar.Holiday}
    found = []
    day = start
    while day <= end:
        if FIRST_YEAR <= day.year <= LAST_YEAR:
            _on, name = chinese_calendar.get_holiday_detail(day)
            _before, previous = chinese_calendar.get_holiday_detail(day - timedelta(days=1))
            if name and name != previous:
                found.append((day, names.get(name, name)))
        day += timedelta(days=1)
    return found
