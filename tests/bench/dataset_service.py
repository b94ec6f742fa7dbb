"""Service for the benchmark (SPEC §9): a service desk (a manager and thirty agents with skills), two tickets a
customer (two million at a million customers) mostly archived, a few thousand open ones with deadlines around
now, and a knowledge base of up to 50,000 articles; loaded with COPY once, on top of a loaded dataset."""

from __future__ import annotations

import random
import time

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction

from guanxi.customers.models import Customer
from guanxi.org.models import Department, Role, User
from guanxi.service import knowledge
from guanxi.service.models import Article, ArticleCategory, Skill, Ticket

from .dataset import NULL, Out, copy_statement, indexes_deferred, stamp

CHUNK = 20_000
AGENTS = 30
TICKETS_PER_CUSTOMER = 2
ARTICLES = 50_000
TYPES = (
    ["consultation"] * 35 + ["repair"] * 30 + ["complaint"] * 15 + ["suggestion"] * 8 + ["visit"] * 8 + ["other"] * 4
)
CHANNELS = ["phone_in", "phone_out", "web", "email", "wechat", "on_site"]
PRIORITIES = ["normal"] * 70 + ["important"] * 22 + ["urgent"] * 8
OPEN_SHARE = 0.004  # open tickets: a busy desk's few thousand at two million
SUBJECTS = ["设备异响", "液压漏油", "温控报警", "发票更正", "备件报价", "安装预约", "操作培训", "远程诊断",
            "交货延期", "保养咨询", "噪音偏大", "参数设置", "软件升级", "配件缺货", "上门维修"]  # fmt: skip
PARTS = ["主轴", "油缸", "电机", "控制器", "触摸屏", "滤芯", "轴承", "皮带", "传感器", "密封圈", "冷却器", "刀具"]
ACTIONS = ["检查", "更换", "清洁", "校准", "紧固", "润滑", "调整", "升级", "复位", "测试"]
CATEGORIES = ["设备维护", "安装调试", "备件与报价", "财务与发票", "远程服务", "投诉处理", "培训", "常见故障"]
TICKET_COLUMNS = [
    "id", "number", "business_unit_id", "customer_id", "type", "channel", "priority", "subject", "description",
    "status", "assignee_id", "department_id", "round", "satisfaction", "response_due_at", "resolve_due_at",
    "responded_at", "resolved_at", "archived_at", "breached_at", "created_at", "updated_at",
]  # fmt: skip
ARTICLE_COLUMNS = [
    "id", "business_unit_id", "category_id", "title", "body", "is_public", "search_text", "search_bigrams",
    "created_at", "updated_at",
]  # fmt: skip
YEAR = 365 * 86400
HOUR = 3600


def prepare(out: Out) -> None:
    if Ticket.all_objects.exists() or not Customer.all_objects.exists():
        return
    started = time.monotonic()
    rng = random.Random(18)
    with transaction.atomic():
        unit_id, agents, department_id = _desk()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the new people's checks before altering tables
            tickets = _tickets(cursor, rng, unit_id, agents, department_id, out)
            articles = _articles(cursor, rng, unit_id, out)
            for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket, Article]):
                cursor.execute(sql)
            cursor.execute("ANALYZE service_ticket")
            cursor.execute("ANALYZE service_article")
    out(f"  {tickets:,} tickets and {articles:,} articles in {time.monotonic() - started:.1f} s")


def _desk() -> tuple[int, list[int], int]:
    admin = User.objects.get(username="bench.admin")
    top = Department.objects.filter(parent=None, business_unit_id=admin.business_unit_id).first()
    assert top is not None
    department = Department.objects.create(business_unit_id=top.business_unit_id, parent=top, name="客户服务部")
    department.path = f"{top.path}{department.pk}/"
    department.save(update_fields=["path"])
    roles = {role.code: role for role in Role.objects.filter(code__in=["service_manager", "service_agent"])}
    password = make_password("bench-password-1")
    manager = User.objects.create(username="bench.service", display_name="服务经理", department=department,
                                  password=password)  # fmt: skip
    manager.roles.add(roles["service_manager"])
    agents = []
    for number in range(1, AGENTS + 1):
        agent = User.objects.create(username=f"bench.agent{number}", display_name=f"服务专员{number}",
                                    department=department, manager=manager, password=password)  # fmt: skip
        agent.roles.add(roles["service_agent"])
        Skill.objects.bulk_create([Skill(user=agent, type=code) for code in sorted(set(TYPES))[number % 3 :: 2]])
        agents.append(agent.pk)
    return top.business_unit_id, agents, department.pk


def _tickets(cursor: object, rng: random.Random, unit_id: int, agents: list[int], department_id: int, out: Out) -> int:
    customers = list(Customer.all_objects.values_list("pk", flat=True))
    total = len(customers) * TICKETS_PER_CUSTOMER
    statement, suffix = copy_statement(Ticket, TICKET_COLUMNS)
    now = time.time()
    with indexes_deferred(cursor, [Ticket._meta.db_table], out):
        raw = cursor.cursor  # type: ignore[attr-defined]
        for start in range(0, total, CHUNK):
            rows = []
            for pk in range(start + 1, min(start + CHUNK, total) + 1):
                is_open = rng.random() < OPEN_SHARE
                created = now - (rng.random() * 5 * 86400 if is_open else rng.random() * YEAR)
                status = rng.choice(["new", "assigned", "assigned", "in_progress"]) if is_open else "archived"
                assignee = NULL if status == "new" else str(rng.choice(agents))
                respond, resolve = created + 8 * HOUR, created + 72 * HOUR
                responded = stamp(created + HOUR) if status in ("in_progress", "archived") else NULL
                done = stamp(created + 30 * HOUR) if status == "archived" else NULL
                subject = f"{rng.choice(PARTS)}{rng.choice(SUBJECTS)}"
                rows.append("\t".join([
                    str(pk), f"FW{pk:010d}", str(unit_id), str(rng.choice(customers)), rng.choice(TYPES),
                    rng.choice(CHANNELS), rng.choice(PRIORITIES), subject, f"反映{subject}",
                    status, assignee, str(department_id) if assignee != NULL else NULL, "1",
                    str(rng.choice([3, 4, 5, 5, 2])) if status == "archived" else NULL, stamp(respond), stamp(resolve),
                    responded, done, done, NULL, stamp(created), stamp(created + 30 * HOUR),
                ]) + suffix)  # fmt: skip
            with raw.copy(statement) as copy:
                copy.write("\n".join(rows) + "\n")
    return total


def _articles(cursor: object, rng: random.Random, unit_id: int, out: Out) -> int:
    total = min(ARTICLES, Customer.all_objects.count() * 2)
    categories = [ArticleCategory.objects.create(business_unit_id=unit_id, name=name).pk for name in CATEGORIES]
    statement, suffix = copy_statement(Article, ARTICLE_COLUMNS)
    now = time.time()
    raw = cursor.cursor  # type: ignore[attr-defined]
    for start in range(0, total, CHUNK):
        rows = []
        for pk in range(start + 1, min(start + CHUNK, total) + 1):
            part, action, subject = rng.choice(PARTS), rng.choice(ACTIONS), rng.choice(SUBJECTS)
            title = f"{part}{subject}如何{action}（{pk}）"
            steps = "".join(f"<li>{rng.choice(ACTIONS)}{rng.choice(PARTS)}</li>" for _ in range(rng.randint(3, 6)))
            body = f"<p>出现{subject}时，先{action}{part}，再按以下步骤处理：</p><ol>{steps}</ol>"
            text = knowledge.search_text(title, body)
            created = now - rng.random() * YEAR
            rows.append("\t".join([
                str(pk), str(unit_id), str(rng.choice(categories)), title, body, "t" if rng.random() < 0.3 else "f",
                text, knowledge.bigrams(text), stamp(created), stamp(created),
            ]) + suffix)  # fmt: skip
        with raw.copy(statement) as copy:
            copy.write("\n".join(rows) + "\n")
    return total
