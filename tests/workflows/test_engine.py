from decimal import Decimal

import pytest

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.jobs import run_job
from guanxi.core.models import Notification
from guanxi.org.models import Role, User
from guanxi.workflows import selectors, services, tasks  # noqa: F401 (importing the tasks registers the job)
from guanxi.workflows.models import ApprovalRequest, ApprovalTask, RequestStatus
from tests.conftest import grant, make_user

from .conftest import Org, submit


def steps(org: Org, *specs: dict[str, object]) -> None:
    services.approval_flow_save(actor=org.world.root, unit=org.world.unit, record_type="tests.expense", steps=specs)


def approvers(request: ApprovalRequest) -> list[tuple[int, str]]:
    return list(
        ApprovalTask.objects.filter(request=request)
        .order_by("position", "approver__username")
        .values_list("position", "approver__username")
    )


def test_without_a_flow_the_submitters_manager_approves_and_the_record_is_called_back(org: Org) -> None:
    w = org.world
    request = submit(w.alice, Decimal("120.50"))
    assert approvers(request) == [(1, "bob")]
    assert list(selectors.inbox(actor=w.bob)) == [request] and selectors.inbox_count(actor=w.bob) == 1
    assert Notification.objects.filter(recipient=w.bob, kind="approval_requested").exists()
    services.approval_decide(actor=w.bob, request=request, approve=True, comment="同意")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and org.calls == [("approved", str(w.alice.pk), "bob")]
    assert selectors.inbox_count(actor=w.bob) == 0
    assert Notification.objects.filter(recipient=w.alice, kind="approval_decided").exists()


def test_a_multi_step_flow_adds_the_step_whose_amount_threshold_is_reached(org: Org) -> None:
    w = org.world
    head = Role.objects.get(code="unit_head")
    grant(w.charlie, "unit_head")
    steps(
        org,
        {"kind": "manager", "levels": 1},
        {"kind": "role", "role": head},
        {"kind": "user", "user": org.dora, "min_amount": Decimal(500000)},
    )
    small = submit(w.alice, Decimal(1000))
    assert approvers(small) == [(1, "bob"), (2, "charlie")]
    big = submit(w.alice, Decimal(600000), obj=w.bob)
    assert approvers(big) == [(1, "bob"), (2, "charlie"), (3, "dora")]
    with pytest.raises(NotPermitted):  # not yet Charlie's turn
        services.approval_decide(actor=w.charlie, request=big, approve=True)
    for person in (w.bob, w.charlie):
        services.approval_decide(actor=person, request=big, approve=True)
        big.refresh_from_db()
        assert big.status == RequestStatus.PENDING and org.calls == []
    services.approval_decide(actor=org.dora, request=big, approve=True)
    big.refresh_from_db()
    assert (big.status, big.step) == (RequestStatus.APPROVED, 3) and org.calls == [("approved", str(w.bob.pk), "dora")]


def test_the_manager_chain_climbs_the_department_tree(org: Org) -> None:
    steps(org, {"kind": "manager", "levels": 2})
    assert approvers(submit(org.world.alice)) == [(1, "dora")]  # Alice → Bob (manager) → Dora (head office lead)


def test_an_approver_who_left_falls_to_their_manager_before_and_after_the_submit(org: Org) -> None:
    w = org.world
    User.objects.filter(pk=w.bob.pk).update(status=User.Status.LEFT)
    assert approvers(submit(w.alice)) == [(1, "dora")]
    User.objects.filter(pk=w.bob.pk).update(status=User.Status.ACTIVE)
    later = submit(w.alice, obj=w.bob)
    User.objects.filter(pk=w.bob.pk).update(status=User.Status.FROZEN)
    assert run_job("reroute_approvals") == "1" and run_job("reroute_approvals") == "0"
    assert selectors.inbox_count(actor=org.dora) == 2
    services.approval_decide(actor=org.dora, request=later, approve=True)
    assert org.calls == [("approved", str(w.bob.pk), "dora")]


def test_nobody_approves_their_own_request_nor_twice_in_one_flow(org: Org) -> None:
    w = org.world
    steps(org, {"kind": "manager", "levels": 1}, {"kind": "user", "user": w.bob}, {"kind": "user", "user": w.alice})
    request = submit(w.alice)
    # Bob's one approval covers both of his steps; Alice's own step falls to her manager, already asked.
    assert approvers(request) == [(1, "bob")]
    with pytest.raises(NotPermitted) as own:
        services.approval_decide(actor=w.alice, request=request, approve=True)
    assert own.value.code == "own_request"


def test_a_rejection_calls_the_record_back_and_ends_the_request(org: Org) -> None:
    w = org.world
    steps(org, {"kind": "manager", "levels": 1}, {"kind": "manager", "levels": 2})
    request = submit(w.alice)
    services.approval_decide(actor=w.bob, request=request, approve=False, comment="预算不足")
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED and org.calls == [("rejected", str(w.alice.pk), "bob")]
    assert selectors.inbox_count(actor=org.dora) == 0  # the second step is never asked
    with pytest.raises(DomainError) as late:
        services.approval_decide(actor=org.dora, request=request, approve=True)
    assert late.value.code == "already_decided" and late.value.status == 409


def test_withdraw_only_by_the_submitter_and_only_before_the_first_decision(org: Org) -> None:
    w = org.world
    steps(org, {"kind": "manager", "levels": 1}, {"kind": "manager", "levels": 2})
    request = submit(w.alice)
    with pytest.raises(NotPermitted):
        services.approval_withdraw(actor=w.bob, request=request)
    services.approval_decide(actor=w.bob, request=request, approve=True)
    with pytest.raises(DomainError) as refused:
        services.approval_withdraw(actor=w.alice, request=request)
    assert refused.value.code == "already_decided"
    fresh = submit(w.alice, obj=w.bob)
    services.approval_withdraw(actor=w.alice, request=fresh)
    fresh.refresh_from_db()
    assert fresh.status == RequestStatus.WITHDRAWN and ("withdrawn", str(w.bob.pk), "alice") in org.calls
    with pytest.raises(DomainError) as after:
        services.approval_decide(actor=w.bob, request=fresh, approve=True)
    assert after.value.code == "already_decided"


def test_one_record_waits_in_one_request_at_a_time(org: Org) -> None:
    submit(org.world.alice)
    with pytest.raises(DomainError) as twice:
        submit(org.world.alice)
    assert twice.value.code == "already_pending"


def test_a_flow_names_only_people_and_roles_of_its_own_unit(two_units: object) -> None:
    from django.core.exceptions import ValidationError

    units = two_units
    with pytest.raises(ValidationError) as wrong:
        services.approval_flow_save(
            actor=units.ada,  # type: ignore[attr-defined]
            unit=units.unit,  # type: ignore[attr-defined]
            record_type="tests.expense",
            steps=[{"kind": "user", "user": units.bella}],  # type: ignore[attr-defined]
        )
    assert "steps.0.user" in wrong.value.message_dict
    with pytest.raises(NotPermitted):
        services.approval_flow_save(
            actor=units.ben,  # type: ignore[attr-defined]
            unit=units.unit,  # type: ignore[attr-defined]
            record_type="tests.expense",
            steps=[{"kind": "manager", "levels": 1}],
        )


def test_a_stale_flow_version_is_refused(org: Org) -> None:
    steps(org, {"kind": "manager", "levels": 1})
    with pytest.raises(DomainError) as stale:
        services.approval_flow_save(
            actor=org.world.root,
            unit=org.world.unit,
            record_type="tests.expense",
            steps=[{"kind": "manager", "levels": 2}],
            version=7,
        )
    assert stale.value.code == "stale_version"


def test_a_department_without_any_manager_cannot_submit(org: Org) -> None:
    loner = make_user("loner", "独行", None)
    with pytest.raises(DomainError) as nobody:
        services.approval_submit(actor=loner, record_type="tests.expense", obj=loner, unit=org.world.unit, title="报销")
    assert nobody.value.code == "no_approver"
