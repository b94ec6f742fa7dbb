"""Shared tools for the benchmark (SPEC §14.4–14.5): a document library of up to 500,000 files in two hundred
folders that the sales regions may read, and an announcement to the whole unit that half of it has read;
loaded with COPY once, on top of a loaded dataset.

Beside them, a business unit of its own (``collab``) of 5,000 people in a few departments, with its unit admin's
announcement to all of them that 60 % have read over three days: the read receipts of a unit of thousands. A unit
of its own keeps those people out of the sales unit's menus and lists, and its admin sees only that unit; the
group-wide ``bench.admin`` does see them, as 5,000 more options in every owner menu (docs/decisions.md)."""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from guanxi.collab.announcements import services as announcements
from guanxi.collab.documents import services as documents
from guanxi.collab.documents.models import Document, Folder, Level
from guanxi.collab.models import Announcement, AnnouncementRead
from guanxi.core.permissions import roles_changed
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit, Department, Role, User

from . import words
from .dataset import BENCH_PASSWORD, Names, Out, copy_statement, indexes_deferred, mobile, stamp

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


UNIT = "collab"  # the receipts' business unit
AUDIENCE = 5_000  # its people, its admin included
TEAMS = 10
READ_SHARE = 0.6
READ_OVER = timedelta(days=3)


def prepare(out: Out, *, audience: int = AUDIENCE) -> None:
    if not Customer.all_objects.exists():
        return
    if not Document.all_objects.exists():
        _library(out)
    if not BusinessUnit.objects.filter(code=UNIT).exists():
        with transaction.atomic():
            load_unit(out, audience=audience)


def _library(out: Out) -> None:
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


def load_unit(out: Out, *, audience: int = AUDIENCE) -> None:
    """The receipts' unit: its admin, ``audience`` people in all (bulk inserts: the argon2 hash is made once),
    and the admin's announcement to the whole unit, published three days ago and read since by 60 %."""
    started = time.monotonic()
    rng = random.Random(9)
    names = Names(rng)
    unit = BusinessUnit.objects.create(name="华信协同事业部", code=UNIT)
    head = Department.objects.create(business_unit=unit, name="协同事业部")
    head.path = f"/{head.pk}/"
    head.save(update_fields=["path"])
    teams = [
        Department.objects.create(
            business_unit=unit, parent=head, name=f"{words.REGIONS[n % 6][:2]}{words.TEAM_NAMES[n]}"
        )
        for n in range(TEAMS)
    ]
    for team in teams:
        team.path = f"{head.path}{team.pk}/"
    Department.objects.bulk_update(teams, ["path"])
    password = make_password(BENCH_PASSWORD)

    def person(n: int, username: str, department: Department) -> User:
        return User(
            username=username, display_name="".join(names.person()), mobile=mobile(100_000 + n, offset=7_654_321),
            email=f"{username}@huaxin.example.cn", department=department, password=password,
        )  # fmt: skip

    admin = person(0, f"{UNIT}.admin", head)
    staff = [person(n, f"{UNIT}{n:05d}", teams[n % TEAMS]) for n in range(1, audience)]
    User.objects.bulk_create([admin, *staff], batch_size=1000)
    roles = {role.code: role.pk for role in Role.objects.filter(code__in=["unit_admin", "salesperson"])}
    User.roles.through.objects.bulk_create(
        [User.roles.through(user_id=admin.pk, role_id=roles["unit_admin"])]
        + [User.roles.through(user_id=user.pk, role_id=roles["salesperson"]) for user in staff],
        batch_size=5000,
    )
    roles_changed()  # a bulk insert sends no signal
    row = announcements.announcement_create(
        actor=User.objects.select_related("department").get(pk=admin.pk),
        data={
            "title": "协同事业部全员通知：新版考勤制度",
            "body": "<p>请全体同事阅读并遵照执行。</p>",
            "audience": "unit",
        },
    )
    published = timezone.now() - READ_OVER
    Announcement.objects.filter(pk=row.pk).update(publish_at=published, published_at=published)
    readers = rng.sample([admin, *staff], round(READ_SHARE * audience))
    # most read it on the first day, a few days later: a realistic spread of ``read_at``
    reads = [
        AnnouncementRead(
            announcement=row, user=user, read_at=published + min(READ_OVER, timedelta(hours=rng.expovariate(1 / 12)))
        )
        for user in readers
    ]
    AnnouncementRead.objects.bulk_create(reads, batch_size=5000)
    with connection.cursor() as cursor:
        for model in (User, AnnouncementRead):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    took = time.monotonic() - started
    out(f"  unit {UNIT}: {audience:,} people, an announcement read by {len(reads):,} in {took:.1f} s")


def busiest_folder() -> Folder:
    from django.db.models import Count

    return Folder.objects.annotate(n=Count("documents")).order_by("-n").first()  # type: ignore[return-value]
