"""Demo sales targets for this year (SPEC §12.6): each salesperson's months in amount and count, their
departments' and each unit's, set by the unit heads through the targets grid's service, so the attainment
page, the ranking and the dashboard cards show something to compare with the demo's won opportunities."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import TextIO

from guanxi.org.models import User

from . import services
from .framework import company_today
from .models import Target

# unit head → (salespeople, their monthly amount target range in yuan)
TEAMS = {
    "director": (["sales1", "sales2", "sales3", "sales4"], (300_000, 600_000)),
    "auto.head": (["auto.sales1", "auto.sales2", "auto.sales3"], (150_000, 320_000)),
}


def load(out: TextIO) -> None:
    year = company_today().year
    if Target.objects.filter(year=year).exists():
        out.write(f"Demo targets: {year}'s already there.\n")
        return
    rng = random.Random(2026)
    made = 0
    for head_name, (names, (low, high)) in TEAMS.items():
        head = User.objects.filter(username=head_name).select_related("department").first()
        people = list(User.objects.filter(username__in=names).select_related("department"))
        if head is None or not people:
            out.write("Demo targets: the demo company is missing, skipped.\n")
            return
        amounts: dict[str, str] = {}
        counts: dict[str, str] = {}
        by_department: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 12)
        unit = [Decimal(0)] * 12
        for person in people:
            base = rng.randrange(low, high, 10_000)
            for month in range(1, 13):
                # quieter in February (the Spring Festival), busier towards the year's end
                season = Decimal("0.6") if month == 2 else Decimal(1) + Decimal(month) / 40
                amount = (Decimal(base) * season).quantize(Decimal("10000"))
                amounts[f"u{person.pk}-{month}"] = str(amount)
                counts[f"u{person.pk}-{month}"] = str(max(1, int(amount // 120_000)))
                assert person.department is not None
                by_department[person.department.pk][month - 1] += amount
                unit[month - 1] += amount
        for department, months in by_department.items():
            for month, amount in enumerate(months, start=1):
                amounts[f"d{department}-{month}"] = str(amount)
        for month, amount in enumerate(unit, start=1):
            amounts[f"unit-{month}"] = str((amount * Decimal("1.1")).quantize(Decimal("10000")))
        made += services.targets_set(actor=head, year=year, kind="amount", cells=amounts)
        made += services.targets_set(actor=head, year=year, kind="count", cells=counts)
    out.write(f"Demo targets: {made} monthly targets for {year}.\n")
