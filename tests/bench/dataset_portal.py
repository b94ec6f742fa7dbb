"""The partner portal for the benchmark (SPEC §14.9): one channel partner of the first unit that brought 10,000
of its customers (and a share of its leads, when the dataset has leads), with a portal user. Idempotent, on
top of a loaded dataset; a few updates, no new customers."""

from __future__ import annotations

import time

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.portal.models import PartnerMember

from .dataset import BENCH_PASSWORD, Out

USERNAME = "bench.partner"
BROUGHT = 10_000


def prepare(out: Out) -> None:
    if PartnerMember.objects.filter(user__username=USERNAME).exists() or not Customer.all_objects.exists():
        return
    started = time.monotonic()
    with transaction.atomic():
        first = Customer.objects.filter(owner__isnull=False).order_by("pk").first()
        assert first is not None
        unit = first.business_unit_id
        Customer.all_objects.filter(pk=first.pk).update(
            kind=Customer.Kind.PARTNER, partner_type="distributor", partner_level="gold", territory="华东"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE customers_customer SET partner_id = %s WHERE id IN (SELECT id FROM customers_customer "
                "WHERE business_unit_id = %s AND id <> %s AND deleted_at IS NULL AND kind <> 'partner' "
                "ORDER BY id LIMIT %s)",
                [first.pk, unit, first.pk, BROUGHT],
            )
            brought = cursor.rowcount
            cursor.execute(
                "UPDATE leads_lead SET partner_id = %s WHERE id IN (SELECT id FROM leads_lead "
                "WHERE business_unit_id = %s ORDER BY id LIMIT %s)",
                [first.pk, unit, BROUGHT // 2],
            )
            cursor.execute("ANALYZE customers_customer")  # the planner learns how many customers a partner has
            cursor.execute("ANALYZE leads_lead")
        user = User.objects.create(
            username=USERNAME, display_name="渠道伙伴用户", email="bench.partner@example.com",
            password=make_password(BENCH_PASSWORD),
        )  # fmt: skip
        PartnerMember.objects.create(user=user, partner_id=first.pk, business_unit_id=unit)
    out(f"partner portal: a partner that brought {brought:,} customers, in {time.monotonic() - started:.1f} s")
