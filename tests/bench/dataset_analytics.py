"""Sales targets for the benchmark (SPEC §12.6): every salesperson's months of this year in amount and count,
each department's and the unit's, added once on top of a loaded dataset."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from guanxi.analytics.framework import company_today
from guanxi.analytics.models import Target
from guanxi.org.models import Department, User

from .dataset import Out


def prepare(out: Out) -> None:
    year = company_today().year
    if Target.objects.filter(year=year).exists():
        return
    people = list(User.objects.filter(roles__code="salesperson", department__isnull=False).select_related("department"))
    if not people:
        return
    rng = random.Random(1212)
    rows = []
    for person in people:
        assert person.department is not None
        base = Decimal(rng.randrange(200_000, 800_000, 10_000))
        for month in range(1, 13):
            unit = person.department.business_unit_id
            rows.append(
                Target(
                    business_unit_id=unit,
                    department=person.department,
                    user=person,
                    kind="amount",
                    year=year,
                    month=month,
                    value=base,
                )
            )
            rows.append(
                Target(
                    business_unit_id=unit,
                    department=person.department,
                    user=person,
                    kind="count",
                    year=year,
                    month=month,
                    value=Decimal(3),
                )
            )
    for department in Department.objects.all():
        for month in range(1, 13):
            rows.append(
                Target(
                    business_unit_id=department.business_unit_id,
                    department=department,
                    kind="amount",
                    year=year,
                    month=month,
                    value=Decimal(5_000_000),
                )
            )
    with transaction.atomic():
        Target.objects.bulk_create(rows, batch_size=5000)
    out(f"analytics: {len(rows)} monthly targets for {year}")
