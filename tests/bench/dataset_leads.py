"""Leads for the benchmark (SPEC §5): half a million by default, spread over the salespeople like their
customers, a tenth waiting unassigned in a department, in every status; loaded with COPY after the customers."""

from __future__ import annotations

import random
import time

from django.core.management.color import no_style
from django.db import connection

from guanxi.customers import keys
from guanxi.leads.models import Lead
from guanxi.org.models import Department, User

from . import words
from .dataset import NULL, Names, Org, Out, Params, copy_statement, indexes_deferred, loader, mobile, stamp

CHUNK = 20_000
COLUMNS = [
    "id", "number", "business_unit_id", "department_id", "owner_id", "created_by_id", "status", "channel", "name",
    "company", "company_key", "mobile", "source", "campaign", "province", "created_at", "updated_at", "deleted_at",
    "assigned_at", "last_followup_at",
]  # fmt: skip
STATUSES = ["new"] * 35 + ["contacted"] * 25 + ["qualified"] * 15 + ["converted"] * 15 + ["invalid"] * 10
CHANNELS = ["manual"] * 5 + ["web_form"] * 3 + ["api"] * 1 + ["import"] * 1
SOURCES = ["telemarketing", "online", "exhibition", "referral", "sub_dealer", "other"]
CAMPAIGNS = ["", "", "2026 官网", "2026 上海工博会", "春季促销"]
UNASSIGNED_SHARE = 0.1
YEAR = 365 * 86400


@loader
def load_leads(params: Params, org: Org, rng: random.Random, out: Out) -> None:
    if not params.leads:
        return
    started = time.monotonic()
    department_of = dict(User.objects.filter(pk__in=org.owners).values_list("pk", "department_id"))
    leaves = list(Department.objects.exclude(parent=None).values_list("pk", flat=True)) or list(
        Department.objects.values_list("pk", flat=True)
    )
    names = Names(rng)
    statement, suffix = copy_statement(Lead, COLUMNS)
    now = time.time()
    with connection.cursor() as cursor, indexes_deferred(cursor, [Lead._meta.db_table], out):
        raw = cursor.cursor
        for start in range(0, params.leads, CHUNK):
            size = min(CHUNK, params.leads - start)
            owners = rng.choices(org.owners, cum_weights=org.cum_weights, k=size)
            rows = []
            for offset in range(size):
                pk = start + offset + 1
                unassigned = rng.random() < UNASSIGNED_SHARE
                owner = None if unassigned else owners[offset]
                department = rng.choice(leaves) if owner is None else department_of.get(owner)
                person = "".join(names.person())
                company = ""
                if rng.random() < 0.8:
                    city, _province = rng.choice(words.CITIES)
                    company = f"{city}{''.join(rng.sample(words.BRAND_CHARS, 2))}{rng.choice(words.INDUSTRIES)}有限公司"
                created = now - rng.random() * YEAR
                updated = created + rng.random() * (now - created)
                status = rng.choice(STATUSES)
                followed = stamp(created + rng.random() * (updated - created)) if status != "new" else NULL
                rows.append(
                    "\t".join(
                        [
                            str(pk),
                            f"XB{pk:08d}",
                            str(org.unit_id),
                            str(department) if department else NULL,
                            str(owner) if owner else NULL,
                            str(owners[offset]),
                            status,
                            rng.choice(CHANNELS),
                            person,
                            company,
                            keys.name_key(company)[:60] if company else "",
                            mobile(pk - 1, offset=3_141_593),
                            rng.choice(SOURCES),
                            rng.choice(CAMPAIGNS),
                            rng.choice(["", "310000", "110000", "440000", "330000"]),
                            stamp(created),
                            stamp(updated),
                            stamp(updated) if rng.random() < 0.005 else NULL,
                            stamp(created) if owner else NULL,
                            followed,
                        ]
                    )
                    + suffix
                )
            with raw.copy(statement) as copy:
                copy.write("\n".join(rows) + "\n")
        for sql in connection.ops.sequence_reset_sql(no_style(), [Lead]):
            cursor.execute(sql)
    out(f"  {params.leads:,} leads in {time.monotonic() - started:.1f} s")
