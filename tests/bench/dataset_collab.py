"""Shared tools for the benchmark (SPEC §14.4–14.5): a document library of up to 500,000 files in two hundred
folders that the sales regions may read, and an announcement to the whole unit that half of it has read;
loaded with COPY once, on top of a loaded dataset."""

from __future__ import annotations

import random
import time

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from guanxi.collab.announcements import services as announcements
from guanxi.collab.documents import services as documents
from guanxi.collab.documents.models import Document, Folder, Level
from guanxi.collab.models import AnnouncementRead
from guanxi.customers.models import Customer
from guanxi.org.models import Department, User

from .dataset import Out, copy_statement, indexes_deferred, stamp

CHUNK = 20_000
DOCUMENTS = 500_000
ROOTS, CHILDREN = 20, 10
KINDS = ["合同书", "报价单", "技术方案", "验收报告", "会议纪要", "产品手册", "发票", "培训资料", "投标文件", "质检报告"]
CUSTOMERS = ["华东精工", "申达机械", "宏远电气", "天成汽配", "金鹰重工", "明辉科技", "恒通物流", "瑞丰化工"]
YEAR = 365 * 86400
COLUMNS = [
    "id", "business_unit_id", "folder_id", "owner_id", "name", "tags", "record_type", "record_id", "size",
    "content_type", "search_text", "created_at", "updated_at",
]  # fmt: skip


def prepare(out: Out) -> None:
    if Document.all_objects.exists() or not Customer.all_objects.exists():
        return
    started = time.monotonic()
    rng = random.Random(25)
    admin = User.objects.select_related("department").get(username="bench.admin")
    with transaction.atomic():
        leaves = _folders(admin)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            total = _documents(cursor, rng, admin, leaves, out)
            for sql in connection.ops.sequence_reset_sql(no_style(), [Document]):
                cursor.execute(sql)
            cursor.execute("ANALYZE collab_document")
        readers = _announcement(admin)
    took = time.monotonic() - started
    out(f"  {total:,} documents in {len(leaves)} folders, an announcement read by {readers:,} in {took:.1f} s")


def _folders(admin: User) -> list[int]:
    regions = list(Department.objects.filter(parent=None, business_unit_id=admin.business_unit_id))
    leaves = []
    for r in range(ROOTS):
        root = documents.folder_create(actor=admin, name=f"资料库{r + 1:02d}")
        grants = [{"level": Level.VIEW, "department": region} for region in regions]
        documents.folder_access_set(actor=admin, folder=root, inherit=True, grants=grants)
        leaves += [
            documents.folder_create(actor=admin, name=f"{KINDS[c % len(KINDS)]}{c + 1}", parent=root).pk
            for c in range(CHILDREN)
        ]
    return leaves


def _documents(cursor: object, rng: random.Random, admin: User, leaves: list[int], out: Out) -> int:
    total = min(DOCUMENTS, Customer.all_objects.count() // 2)
    statement, suffix = copy_statement(Document, COLUMNS)
    now = time.time()
    raw = cursor.cursor  # type: ignore[attr-defined]
    with indexes_deferred(cursor, [Document._meta.db_table], out):
        for start in range(0, total, CHUNK):
            rows = []
            for pk in range(start + 1, min(start + CHUNK, total) + 1):
                name = f"{rng.choice(CUSTOMERS)}{rng.choice(KINDS)}{pk:07d}.pdf"
                tags = f"{rng.choice(KINDS)} {rng.choice(CUSTOMERS)}"
                created = now - rng.random() * YEAR
                rows.append("\t".join([
                    str(pk), str(admin.business_unit_id), str(rng.choice(leaves)), str(admin.pk), name, tags, "", "",
                    str(rng.randint(20_000, 5_000_000)), "application/pdf", f"{name} {tags}".lower(), stamp(created),
                    stamp(created),
                ]) + suffix)  # fmt: skip
            with raw.copy(statement) as copy:
                copy.write("\n".join(rows) + "\n")
    return total


def _announcement(admin: User) -> int:
    row = announcements.announcement_create(
        actor=admin, data={"title": "年度经营会议通知", "body": "<p>请各部门准备年度总结。</p>", "audience": "unit"}
    )
    people = list(User.objects.filter(department__business_unit_id=admin.business_unit_id).values_list("pk", flat=True))
    now = timezone.now()
    readers = people[::2]
    AnnouncementRead.objects.bulk_create(
        [AnnouncementRead(announcement=row, user_id=pk, read_at=now) for pk in readers], batch_size=5000
    )
    return len(readers)


def busiest_folder() -> Folder:
    from django.db.models import Count

    return Folder.objects.annotate(n=Count("documents")).order_by("-n").first()  # type: ignore[return-value]
