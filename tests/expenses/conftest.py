"""Alice sells and Bob, her manager, approves; Dora heads the unit; Fay pays (the group's finance)."""

from decimal import Decimal

import pytest

from guanxi.expenses import services
from guanxi.org.models import Role
from guanxi.workflows import services as approvals
from tests.conftest import World, grant, make_user


@pytest.fixture
def office(world: World) -> World:
    """Alice sells (Bob, her manager, approves); Dora heads the unit; Fay pays (group finance)."""
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    world.dora = grant(make_user("dora", "朵拉", world.head_office), "unit_head")  # type: ignore[attr-defined]
    world.fay = grant(make_user("fay", "菲", world.head_office), "group_management")  # type: ignore[attr-defined]
    head = Role.objects.get(code="unit_head")
    approvals.approval_flow_save(
        actor=world.root, unit=world.unit, record_type=services.EXPENSE_APPROVAL,
        steps=[{"kind": "manager", "levels": 1}, {"kind": "role", "role": head, "min_amount": Decimal("5000")}],
    )  # fmt: skip
    return world
