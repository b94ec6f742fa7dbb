"""The demo's clock: the apps build their records through the services *as of* moments of the past year,
in office hours, so dates, numbers, expiry times and audit entries read like a company's real history."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import time_machine
from django.utils import timezone

OFFICE_HOURS = (9, 18)  # company time (TIME_ZONE)


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Run the services as if it were ``moment``: what they stamp (created_at, numbers, audit entries) agrees."""
    with time_machine.travel(moment, tick=False):
        yield


def office_moment(rng: random.Random, day: date, *, hours: tuple[int, int] = OFFICE_HOURS) -> datetime:
    """A time of ``day`` in office hours, company time, on a quarter hour as people book and note them."""
    start, end = hours
    minutes = rng.randrange(start * 60, end * 60, 15)
    return timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))


def workday_back(rng: random.Random, *, newest: int, oldest: int) -> date:
    """A weekday between ``oldest`` and ``newest`` days before today (company time)."""
    day = timezone.localdate() - timedelta(days=rng.randint(newest, oldest))
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day
