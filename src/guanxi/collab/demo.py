"""Demo shared tools (SPEC §14.4–14.5): announcements of the group and of each unit (the older ones read by
most, one still unread by everyone, one scheduled for next week, a pinned one), a document tree with access
entries and a contract with three versions, and the twenty sales scripts in Chinese. Built through the
services."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.org.models import Department, Role, User
from guanxi.sales.models import Opportunity, Stage

from .announcements import services as announcements
from .announcements.models import Announcement, AnnouncementRead
from .announcements.selectors import audience_users
from .documents import services as documents
from .documents.models import Level
from .scripts import services as scripts
from .scripts.models import Script

SCRIPTS = json.loads((Path(__file__).parent / "data" / "scripts.json").read_text(encoding="utf-8"))
TERMS = "报价有效期30天，价格不含运费。\n".encode()
STAGE_OF_SCENARIO = {"first_call": 0, "needs": 1, "price_objection": 2, "competitor": 2, "closing": 3}


def pdf(text: str) -> bytes:
    """A small, valid one-page PDF saying ``text`` (ASCII)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


def load(out: TextIO) -> None:
    admin = User.objects.filter(username="admin").first()
    unit_admin = User.objects.filter(username="unitadmin").first()
    if admin is None or unit_admin is None:
        out.write("Demo shared tools: the demo company is missing, skipped.\n")
        return
    if not Announcement.all_objects.exists():
        _announcements(admin, unit_admin)
    if not documents.Folder.all_objects.exists():
        _documents(unit_admin)
    if not Script.all_objects.exists():
        _scripts()
    out.write(
        f"Demo shared tools: {Announcement.objects.count()} announcements, "
        f"{documents.Document.objects.count()} documents, {Script.objects.count()} sales scripts.\n"
    )


def _announcements(admin: User, unit_admin: User) -> None:
    now = timezone.now()
    announcements.announcement_create(
        actor=admin,
        data={
            "title": "关于2026年春节放假安排的通知",
            "body": "<p>各位同事：</p><p>根据国务院办公厅通知，<strong>2月14日至2月22日</strong>放假调休，共9天。"
            "请各部门提前安排好客户跟进计划，放假期间保持手机畅通。</p>",
            "audience": "all",
            "pinned": True,
            "publish_at": now - timedelta(days=6),
        },
    )
    sales = list(Department.objects.filter(business_unit__code="industrial", name="销售中心"))
    announcements.announcement_create(
        actor=unit_admin,
        data={
            "title": "第四季度销售冲刺激励政策",
            "body": "<p>第四季度签约额超过目标<strong>120%</strong>的销售，额外奖励季度奖金的30%。</p>"
            "<ul><li>统计口径：已回款合同</li><li>截止日期：12月31日</li></ul>",
            "audience": "departments",
            "departments": sales,
            "publish_at": now - timedelta(days=2),
        },
    )
    announcements.announcement_create(
        actor=unit_admin,
        data={
            "title": "CRM系统升级：新增文档管理与销售话术库",
            "body": "<p>系统已上线文档管理、销售话术和费用报销功能，请大家在本周内熟悉使用。</p>",
            "audience": "unit",
            "publish_at": now - timedelta(hours=3),
        },
    )
    _read_by_most(now)
    managers = list(Role.objects.filter(code__in=["sales_manager", "unit_head"]))
    announcements.announcement_create(
        actor=unit_admin,
        data={
            "title": "年度经营会议安排（预告）",
            "body": "<p>年度经营会议将于下月初召开，请各位经理准备本部门的年度总结。</p>",
            "audience": "roles",
            "roles": managers,
            "publish_at": now + timedelta(days=7),
            "expires_at": now + timedelta(days=30),
        },
    )


def _read_by_most(now: datetime) -> None:
    """Colleagues read what was published days ago in their working hours, most on the next morning: the
    holiday notice nine in ten, the incentive policy two in three. The upgrade of three hours ago stays unread."""
    for announcement, share in zip(Announcement.objects.order_by("pk")[:2], (0.9, 0.67), strict=True):
        published = timezone.localtime(announcement.published_at or now)
        morning = published.replace(hour=9, minute=0) + timedelta(days=1 if published.hour >= 9 else 0)
        people = list(audience_users(announcement).order_by("pk"))
        for n, person in enumerate(people[: round(len(people) * share)]):
            announcements.announcement_read(actor=person, announcement=announcement)
            read_at = morning + timedelta(days=n % 5 // 3, minutes=n * 37 % 540)  # 09:00–18:00, a few later
            AnnouncementRead.objects.filter(announcement=announcement, user=person).update(read_at=min(read_at, now))


def _documents(unit_admin: User) -> None:
    root = documents.folder_create(actor=unit_admin, name="公司制度")
    sales_root = documents.folder_create(actor=unit_admin, name="销售资料")
    contracts = documents.folder_create(actor=unit_admin, name="合同模板", parent=sales_root)
    finance_only = documents.folder_create(actor=unit_admin, name="报价审批记录", parent=sales_root, inherit=False)
    everyone = Department.objects.filter(business_unit__code="industrial", parent__isnull=True).first()
    sales_dept = Department.objects.filter(business_unit__code="industrial", name="销售中心").first()
    managers = Role.objects.filter(code="sales_manager").first()
    if everyone:
        documents.folder_access_set(
            actor=unit_admin, folder=root, inherit=True, grants=[{"level": Level.VIEW, "department": everyone}]
        )
    if sales_dept and managers:
        documents.folder_access_set(
            actor=unit_admin, folder=sales_root, inherit=True,
            grants=[{"level": Level.VIEW, "department": sales_dept}, {"level": Level.EDIT, "role": managers}],
        )  # fmt: skip
        documents.folder_access_set(
            actor=unit_admin, folder=finance_only, inherit=False, grants=[{"level": Level.MANAGE, "role": managers}]
        )
    documents.document_upload(
        actor=unit_admin, folder=root, upload=SimpleUploadedFile("handbook.pdf", pdf("Employee handbook 2026")),
        name="员工手册（2026版）.pdf", tags="制度 手册",
    )  # fmt: skip
    contract = documents.document_upload(
        actor=unit_admin, folder=contracts, upload=SimpleUploadedFile("contract.pdf", pdf("Sales contract v1")),
        name="设备销售合同模板.pdf", tags="合同 模板",
    )  # fmt: skip
    for number, note in [(2, "法务修改付款条款"), (3, "增加质保条款")]:
        documents.document_version_add(
            actor=unit_admin, document=contract,
            upload=SimpleUploadedFile("contract.pdf", pdf(f"Sales contract v{number}")), note=note,
        )  # fmt: skip
    documents.document_upload(
        actor=unit_admin, folder=contracts, upload=SimpleUploadedFile("quote-terms.txt", TERMS),
        name="报价条款说明.txt", tags="报价",
    )  # fmt: skip
    customer = Customer.objects.filter(business_unit__code="industrial").order_by("pk").first()
    if customer is not None:
        documents.record_document_upload(
            actor=unit_admin, record_type="customers.customer", record_id=str(customer.pk),
            upload=SimpleUploadedFile("site-survey.pdf", pdf("Site survey")), tags="现场勘察",
        )  # fmt: skip


def _stages_of_busiest_pipeline(code: str) -> list[Stage]:
    """The open stages of the pipeline the unit's opportunities use most, where its scripts will be read."""
    busiest = (
        Opportunity.objects.filter(business_unit__code=code)
        .values("pipeline")
        .annotate(count=Count("pk"))
        .order_by("-count")
        .values_list("pipeline", flat=True)
        .first()
    )
    return list(Stage.objects.filter(pipeline=busiest, kind="open").order_by("sort_order"))


def _scripts() -> None:
    authors = {
        "industrial": User.objects.filter(username="sh.manager").first(),
        "auto": User.objects.filter(username="auto.manager").first(),
    }
    for code, author in authors.items():
        if author is None:
            continue
        author.__dict__.pop("_grants", None)
        stages = _stages_of_busiest_pipeline(code)
        rows = SCRIPTS if code == "industrial" else SCRIPTS[-1:] + SCRIPTS[6:9]
        for index, (scenario, title, body, tags) in enumerate(rows):
            position = STAGE_OF_SCENARIO.get(scenario)
            stage = stages[position] if position is not None and position < len(stages) else None
            scripts.script_create(
                actor=author,
                data={"title": title, "scenario": scenario, "body": body, "tags": tags, "stage": stage,
                      "featured": index % 5 == 0},
            )  # fmt: skip
    voters = list(User.objects.filter(username__in=["sales1", "sales2", "sales3", "sales4"]))
    for index, script in enumerate(Script.objects.filter(business_unit__code="industrial").order_by("pk")):
        for number, voter in enumerate(voters):
            if (index + number) % 3 != 2:
                scripts.script_vote(actor=voter, script=script, useful=(index + number) % 4 != 0)
