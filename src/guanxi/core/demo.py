"""The core's part of the demo company: two custom fields on users (工号, 入职日期) with values.
Runs after the other apps' demos (see the demo command), when the demo people exist.

Also the demo's clock: the apps build their records through the services *as of* moments of the past year,
in office hours, so dates, numbers, expiry times and audit entries read like a company's real history."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import TextIO

import time_machine
from django.utils import timezone

from guanxi.org.models import User

from .config.custom_fields import custom_field_create, custom_fields_for, custom_values_update
from .models import CustomField

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


FIELDS = [
    ("employee_no", "工号", CustomField.Type.TEXT, "公司发放的员工编号"),
    ("hire_date", "入职日期", CustomField.Type.DATE, ""),
]


def load(out: TextIO) -> None:
    admin = User.objects.filter(is_superuser=True, status=User.Status.ACTIVE).order_by("pk").first()
    if admin is None:
        out.write("Custom fields: no administrator yet, skipped.\n")
        return
    existing = {field.key for field in custom_fields_for(User, unit=None, enabled_only=False)}
    for key, label, type, help_text in FIELDS:
        if key not in existing:
            custom_field_create(actor=admin, model="org.user", key=key, label=label, type=type, help_text=help_text)

    filled = 0
    for number, user in enumerate(User.objects.order_by("date_joined", "pk"), start=1):
        if "employee_no" in (user.custom or {}):
            continue
        hired = date(2018, 3, 1) + timedelta(days=97 * number)  # the same dates on every machine
        values = {"employee_no": f"HX{number:04d}", "hire_date": hired.isoformat()}
        custom_values_update(actor=admin, obj=user, values=values)
        filled += 1
    out.write(f"Custom fields on users: 工号, 入职日期 — {filled} people filled in.\n")
