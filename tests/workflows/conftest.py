"""A record type of the tests' own, so the engine is tested without any record's rules."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from guanxi.org.models import User
from guanxi.workflows import services
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.registry import RecordType, register_record_type
from tests.conftest import World, make_user

CALLS: list[tuple[str, str, str]] = []


def _record(outcome: str) -> Callable[[ApprovalRequest, User, str], None]:
    def called(request: ApprovalRequest, actor: User, comment: str) -> None:
        CALLS.append((outcome, request.object_id, actor.username))

    return called


register_record_type(
    RecordType(
        "tests.expense",
        "Expense claim",
        on_approved=_record("approved"),
        on_rejected=_record("rejected"),
        on_withdrawn=_record("withdrawn"),
        url=lambda object_id: "/",
    )
)


@dataclass
class Org:
    world: World
    dora: User  # leads the head office: Bob's manager through the department tree
    calls: list[tuple[str, str, str]] = field(default_factory=list)


@pytest.fixture
def org(world: World) -> Org:
    CALLS.clear()
    dora = make_user("dora", "多拉", world.head_office)
    world.head_office.lead = dora
    world.head_office.save()
    return Org(world, dora, CALLS)


def submit(actor: User, amount: Decimal | None = None, obj: object = None) -> ApprovalRequest:
    return services.approval_submit(
        actor=actor,
        record_type="tests.expense",
        obj=obj or actor,  # type: ignore[arg-type]
        unit=actor.business_unit_id,  # type: ignore[arg-type]
        title="差旅报销",
        amount=amount,
    )
