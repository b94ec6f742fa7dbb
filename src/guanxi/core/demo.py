"""The core's part of the demo company: two custom fields on users (工号, 入职日期) with values.
Runs after the other apps' demos (see the demo command), when the demo people exist."""

from datetime import date, timedelta
from typing import TextIO

from guanxi.org.models import User

from .config.custom_fields import custom_field_create, custom_fields_for, custom_values_update
from .models import CustomField

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
