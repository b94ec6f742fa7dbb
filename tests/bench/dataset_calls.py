"""The call centre for the benchmark (SPEC §9.6): an agent with an extension who may look up the unit's
customers, and the PBX's integration user; the two million contacts of the loaded dataset are the callers."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from guanxi.calls.models import Extension
from guanxi.org.models import Department, Role, User

from .dataset import Out

AGENT, PBX = "bench.callagent", "bench.pbx"


def _role(code: str, permissions: list[str]) -> Role:
    role, _created = Role.objects.update_or_create(
        code=code, defaults={"name": code, "permissions": permissions, "data_scope": "unit"}
    )
    return role


def prepare(out: Out) -> None:
    """Idempotent: the people are created once."""
    if User.objects.filter(username=AGENT).exists():
        return
    department = Department.objects.filter(parent__isnull=True).order_by("pk").first()
    if department is None:
        out("calls: no dataset loaded, skipped")
        return
    agent_role = _role("bench_call_agent", ["calls.view", "calls.create", "customers.view", "activities.view"])
    pbx_role = _role("bench_pbx", ["call_events.create"])
    password = make_password("bench-password")
    agent = User.objects.create(username=AGENT, display_name="坐席", department=department, password=password)
    agent.roles.add(agent_role)
    pbx = User.objects.create(username=PBX, display_name="交换机", department=department, password=password)
    pbx.roles.add(pbx_role)
    Extension.objects.create(user=agent, business_unit_id=department.business_unit_id, number="8001")
    out("calls: an agent with extension 8001 and the PBX's user")
