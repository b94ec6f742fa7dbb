"""The import benchmark's file (SPEC §13.1): a customer list as users bring it, written once to
var/bench/ and reused. Chinese headers, each company with its first contact, industries and sources by
their Chinese labels, levels by code; 5 % of the rows bad (a short mobile, an unknown level or no name, in
turn) and 2 % naming a customer the database already has (the duplicate strategy skips them)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import xlsxwriter
from django.conf import settings

from guanxi.customers.keys import name_key
from guanxi.customers.models import Customer

from . import words
from .dataset import Out, vacuum_swept

ROWS = int(os.environ.get("GUANXI_BENCH_IMPORT_ROWS", "100000"))  # the scale; smaller for development
BAD_EVERY, DUPLICATE_EVERY = 20, 50  # 5 % and 2 %
HEADER = ["客户名称", "行业", "来源", "级别", "地址", "电话", "联系人姓名", "联系人手机", "联系人职位"]
INDUSTRIES = ["制造业", "信息技术", "批发零售", "交通物流", "医疗健康", "商务服务", "教育", "汽车"]
SOURCES = ["展会", "网络营销", "电话营销", "自然到店"]
LEVELS = ["O", "H", "A", "B", "C", "N"]


def import_file(rows: int = ROWS) -> Path:
    """The .xlsx of ``rows`` customers, made on the first call."""
    path = Path(settings.VAR_DIR) / "bench" / f"import-customers-{rows}.xlsx"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    existing = list(Customer.objects.order_by("pk").values_list("name", flat=True)[: rows // DUPLICATE_EVERY + 1])
    seen = set(Customer.objects.values_list("name_key", flat=True)) if rows <= 200_000 else set()
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("客户")
    sheet.write_row(0, 0, HEADER)
    for line in range(1, rows + 1):
        name = _new_name(rng, seen)
        mobile = rng.choice(words.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        level = rng.choice(LEVELS)
        if line % DUPLICATE_EVERY == 0 and existing:
            name = existing[(line // DUPLICATE_EVERY) % len(existing)]
        elif line % BAD_EVERY == 0:
            mobile, level, name = [(mobile[:6], level, name), (mobile, "Z", name), (mobile, level, "")][line % 3]
        person = rng.choice(words.SURNAMES) + rng.choice(words.GIVEN_CHARS)
        area = rng.choice(words.AREA_CODES)
        sheet.write_row(
            line,
            0,
            [
                name, rng.choice(INDUSTRIES), rng.choice(SOURCES), level,
                f"{rng.choice(words.DISTRICTS)}{rng.choice(words.STREETS)}{rng.randrange(1, 999)}号",
                f"{area}-{rng.randrange(10**7, 10**8)}", person, mobile, rng.choice(words.POSITIONS)[0],
            ],
        )  # fmt: skip
    workbook.close()
    return path


# What an import writes: its rolled-back runs leave each row's dead version behind in these.
WRITTEN_TABLES = [
    "customers_customer", "customers_customername", "customers_contact", "core_auditentry", "core_outboxevent",
    "io_importjob", "io_importedrow", "io_rejectedrow",
]  # fmt: skip


def clear_earlier_runs(out: Out) -> None:
    """Vacuum what earlier runs of the import left, as a live system's autovacuum would: each rolled-back run
    leaves some 100,000 dead customers (all the importer's, so the holding-limit count read them all) and
    their names queued in the trigram index's pending list, and every later run, of any case, paid for them."""
    vacuum_swept(out, "io", WRITTEN_TABLES, set())


def _new_name(rng: random.Random, seen: set[str]) -> str:
    while True:
        city, _province = rng.choice(words.CITIES)
        brand = "".join(rng.sample(words.BRAND_CHARS, 3))
        name = f"{city}{brand}{rng.choice(words.INDUSTRIES)}有限公司"
        key = name_key(name)
        if key not in seen:
            seen.add(key)
            return name
