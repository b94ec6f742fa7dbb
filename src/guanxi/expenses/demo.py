"""Demo expense claims (SPEC §14.7): the industrial unit's flow (the manager, then the unit head from
¥5,000), and claims of its salespeople in every state, charged to their customers and opportunities."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit, Role, User
from guanxi.sales.models import Opportunity
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_decide, approval_flow_save

from . import services
from .models import Expense

# (claimant, purpose, [(category, days ago, amount, note)], how far it goes); the claims still waiting are
# in other managers' inboxes than sh.manager's, which the quotes' demo keeps to one request.
CLAIMS = [
    (
        "sales1",
        "拜访苏州客户差旅",
        [("travel", 9, "356.50", "高铁往返"), ("hotel", 9, "480.00", "一晚"), ("meals", 8, "268.00", "客户午餐")],
        "paid",
    ),
    (
        "sales1",
        "客户技术交流会招待",
        [("meals", 5, "1860.00", "十人晚宴"), ("gifts", 5, "920.00", "伴手礼")],
        "approved",
    ),
    (
        "sales3",
        "杭州项目投标差旅",
        [("travel", 6, "412.00", "高铁"), ("hotel", 6, "960.00", "两晚"), ("transport", 5, "126.00", "出租车")],
        "pending",
    ),
    (
        "sales4",
        "大客户样机运输与安装",
        [("samples", 4, "5200.00", "样机运输"), ("transport", 4, "680.00", "吊装")],
        "pending",
    ),
    ("sales3", "展会客户宴请", [("meals", 12, "2380.00", "")], "rejected"),
    ("sales3", "宁波客户回访", [("travel", 1, "298.00", "高铁")], "draft"),
    (
        "sales4",
        "北京客户年度拜访",
        [("travel", 15, "1120.00", "机票"), ("hotel", 14, "1350.00", "三晚"), ("gifts", 14, "600.00", "")],
        "paid",
    ),
]


def load(out: TextIO) -> None:
    if Expense.all_objects.exists():
        out.write(f"Demo expenses: {Expense.objects.count()} claims already there.\n")
        return
    unit = BusinessUnit.objects.filter(code="industrial").first()
    admin = User.objects.filter(username="admin").first()
    finance = User.objects.filter(username="finance").first()
    head = Role.objects.filter(code="unit_head").first()
    if unit is None or admin is None or finance is None or head is None:
        out.write("Demo expenses: the demo company is missing, skipped.\n")
        return
    approval_flow_save(
        actor=admin, unit=unit, record_type=services.EXPENSE_APPROVAL,
        steps=[{"kind": "manager", "levels": 1}, {"kind": "role", "role": head, "min_amount": Decimal("5000")}],
    )  # fmt: skip
    today = timezone.localdate()
    for username, title, lines, goal in CLAIMS:
        person = User.objects.filter(username=username).first()
        if person is None:
            continue
        opportunity = Opportunity.objects.filter(owner=person).order_by("pk").first()
        customer = opportunity.customer if opportunity else Customer.objects.filter(owner=person).order_by("pk").first()
        expense = services.expense_create(
            actor=person,
            data={"title": title, "customer": customer, "opportunity": opportunity},
            lines=[
                {
                    "category": category,
                    "spent_on": today - timedelta(days=days),
                    "amount": Decimal(amount),
                    "note": note,
                }
                for category, days, amount, note in lines
            ],
        )
        if goal == "draft":
            continue
        services.expense_submit(actor=person, expense=expense)
        if goal == "pending":
            continue
        _decide(expense, approve=goal != "rejected")
        if goal == "paid":
            services.expense_pay(actor=finance, expense=expense, reference=f"FK{expense.number[-6:]}")
    out.write(f"Demo expenses: {Expense.objects.count()} claims.\n")


def _decide(expense: Expense, *, approve: bool) -> None:
    """Each waiting step decided by its first approver, until the claim is decided."""
    for _step in range(5):
        request = ApprovalRequest.objects.filter(
            record_type=services.EXPENSE_APPROVAL, object_id=str(expense.pk), status="pending"
        ).first()
        if request is None:
            return
        task = request.tasks.filter(position=request.step, decision="pending").select_related("approver").first()
        if task is None:
            return
        approval_decide(actor=task.approver, request=request, approve=approve, comment="" if approve else "请补充发票")
