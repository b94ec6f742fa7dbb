import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from guanxi.org.models import User
from guanxi.workflows import services
from guanxi.workflows.models import ApprovalRequest, ApprovalTask, RequestStatus
from tests.conftest import TwoUnits, client_for, grant

from .conftest import Org, submit


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_approvals_api_decides_and_answers_409_already_decided(org: Org) -> None:
    w = org.world
    request = submit(w.alice)
    waiting = api(w.bob).get("/api/v1/approvals/", {"waiting": "true"}).json()
    assert [row["id"] for row in waiting["results"]] == [request.pk]
    assert api(w.charlie).get(f"/api/v1/approvals/{request.pk}/").status_code == 404  # neither asked nor submitter
    own = api(w.alice).post(f"/api/v1/approvals/{request.pk}/approve/", {}, format="json")
    assert (own.status_code, own.json()["code"]) == (403, "own_request")
    done = api(w.bob).post(f"/api/v1/approvals/{request.pk}/reject/", {"comment": "不合规"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    assert done.json()["tasks"][0]["comment"] == "不合规"
    again = api(w.bob).post(f"/api/v1/approvals/{request.pk}/approve/", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    withdrawn = api(w.alice).post(f"/api/v1/approvals/{request.pk}/withdraw/")
    assert (withdrawn.status_code, withdrawn.json()["code"]) == (409, "already_decided")


def test_approval_flows_api_is_isolated_by_unit(two_units: TwoUnits) -> None:
    from guanxi.org.models import Role

    units = two_units
    body = {"record_type": "tests.expense", "steps": [{"kind": "manager", "levels": 2}]}
    created = api(units.ada).post("/api/v1/approval-flows/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["business_unit"] == units.unit.pk
    flow = created.json()
    assert api(units.ben).get(f"/api/v1/approval-flows/{flow['id']}/").status_code == 404
    foreign = api(units.ben).post("/api/v1/approval-flows/", {**body, "business_unit": units.unit.pk}, format="json")
    assert foreign.status_code == 403
    head = Role.objects.get(code="unit_head")
    changed = api(units.ada).patch(
        f"/api/v1/approval-flows/{flow['id']}/",
        {
            "steps": [{"kind": "role", "role": head.pk}, {"kind": "manager", "levels": 1, "min_amount": "5000"}],
            "version": flow["version"],
        },
        format="json",
    )
    assert changed.status_code == 200 and [s["kind"] for s in changed.json()["steps"]] == ["role", "manager"]
    stale = api(units.ada).patch(
        f"/api/v1/approval-flows/{flow['id']}/", {"version": 1, "is_active": False}, format="json"
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    assert api(units.alice).post("/api/v1/approval-flows/", body, format="json").status_code == 403


def test_the_inbox_page_and_its_count_in_the_menu_then_a_decision_from_the_page(org: Org) -> None:
    w = org.world
    grant(w.bob, "sales_manager")
    request = submit(w.alice)
    page = client_for(w.bob).get(reverse("workflows:inbox"))
    assert "差旅报销" in page.text and "data-nav-badge>1<" in page.text
    detail = client_for(w.bob).post(
        reverse("workflows:approval", args=[request.pk]), {"approve": "on", "comment": "好"}
    )
    assert detail.status_code == 302
    assert ApprovalRequest.objects.get(pk=request.pk).status == RequestStatus.APPROVED
    assert "data-nav-badge" not in client_for(w.bob).get(reverse("workflows:inbox")).text
    assert client_for(w.charlie).get(reverse("workflows:approval", args=[request.pk])).status_code == 404


def test_the_flows_page_saves_ordered_steps(org: Org) -> None:
    w = org.world
    data = {
        "is_active": "on",
        "steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "1000",
        "steps-0-position": "2", "steps-0-kind": "user", "steps-0-user": str(org.dora.pk), "steps-0-min_amount": "100",
        "steps-1-position": "1", "steps-1-kind": "manager", "steps-1-levels": "1",
    }  # fmt: skip
    response = client_for(w.root).post(reverse("workflows:flow_edit", args=["tests.expense"]), data)
    assert response.status_code == 302
    flow = services.flow_steps(unit_id=w.unit.pk, record_type="tests.expense", amount=None)
    assert [step.kind for step in flow] == ["manager"]  # the user's step starts at 100
    assert client_for(w.alice).get(reverse("workflows:flows")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_approvers_deciding_one_step_at_once_exactly_one_counts(org: Org) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; the conditional UPDATE race is shown on PostgreSQL")
    w = org.world
    from guanxi.org.models import Role

    grant(w.charlie, "unit_head")
    grant(org.dora, "unit_head")
    services.approval_flow_save(
        actor=w.root,
        unit=w.unit,
        record_type="tests.expense",
        steps=[{"kind": "role", "role": Role.objects.get(code="unit_head")}],
    )
    request = submit(w.alice)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(user: User, approve: bool) -> Callable[[], None]:
        def run() -> None:
            try:
                start.wait()
                services.approval_decide(
                    actor=User.objects.get(pk=user.pk),
                    request=ApprovalRequest.objects.get(pk=request.pk),
                    approve=approve,
                )
                outcomes.append("done")
            except Exception as error:
                outcomes.append(getattr(error, "code", type(error).__name__))
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=decide(w.charlie, True)), threading.Thread(target=decide(org.dora, False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already_decided", "done"]
    decided = ApprovalTask.objects.filter(request=request, decision__in=["approved", "rejected"])
    assert decided.count() == 1 and len(org.calls) == 1


def test_an_approver_who_read_the_request_before_a_colleague_decided_it_is_told_it_was_decided(org: Org) -> None:
    w = org.world
    from guanxi.core.errors import DomainError
    from guanxi.org.models import Role

    grant(w.charlie, "unit_head")
    grant(org.dora, "unit_head")
    services.approval_flow_save(
        actor=w.root, unit=w.unit, record_type="tests.expense",
        steps=[{"kind": "role", "role": Role.objects.get(code="unit_head")}],
    )  # fmt: skip
    request = submit(w.alice)
    read_before = ApprovalRequest.objects.get(pk=request.pk)  # Dora's page, opened while it waited
    services.approval_decide(actor=w.charlie, request=ApprovalRequest.objects.get(pk=request.pk), approve=True)
    with pytest.raises(DomainError) as late:
        services.approval_decide(actor=org.dora, request=read_before, approve=False)
    assert late.value.code == "already_decided"  # not "this step waits for another approver"
