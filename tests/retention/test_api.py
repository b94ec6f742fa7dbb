"""The churn-alerts and care-rules API: the actions with their refusals by field, the outsider's 404, the
scope matrix over two units, and the risk score on the customers resource."""

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.retention import services
from guanxi.retention.models import AlertStatus, CareRule, ChurnAlert, RiskScore
from tests.conftest import TwoUnits, World, client_for, grant, make_user

from .conftest import moment, won


def _alert(actor) -> ChurnAlert:
    customer = won(actor, ordered=timezone.localdate() - timedelta(days=400))
    services.churn_scan(timezone.now())
    return ChurnAlert.objects.get(customer=customer)


def test_retain_without_a_measure_and_lost_without_a_reason_are_field_errors(shop: World) -> None:
    alert = _alert(shop.alice)
    alice = client_for(shop.alice)
    base = f"/api/v1/churn-alerts/{alert.pk}"
    answer = alice.post(f"{base}/retain/", {"measure": "", "kind": "plan"}, content_type="application/json")
    assert answer.status_code == 400 and "measure" in answer.json()
    answer = alice.post(f"{base}/confirm-lost/", {"reason": ""}, content_type="application/json")
    assert answer.status_code == 400 and "reason" in answer.json()
    due = (timezone.now() + timedelta(days=3)).isoformat()
    answer = alice.post(f"{base}/retain/", {"measure": "总经理拜访", "due_at": due}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "retaining"
    assert answer.json()["reason_texts"]
    answer = alice.post(f"{base}/confirm-lost/", {"reason": "price"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["lost_on"] == timezone.localdate().isoformat()
    assert alice.post(f"{base}/recover/", {"note": "又下单了"}, content_type="application/json").status_code == 409


def test_another_persons_alert_outside_the_scope_is_404_and_unchanged(shop: World) -> None:
    alert = _alert(shop.alice)
    charlie = client_for(shop.charlie)
    base = f"/api/v1/churn-alerts/{alert.pk}"
    assert charlie.get(f"{base}/").status_code == 404
    assert (
        charlie.post(f"{base}/confirm-lost/", {"reason": "price"}, content_type="application/json").status_code == 404
    )
    assert charlie.get("/api/v1/churn-alerts/").json()["count"] == 0
    assert client_for(shop.bob).get(f"{base}/").status_code == 200  # her manager sees it
    alert.refresh_from_db()
    assert alert.status == AlertStatus.WARNED


def test_the_scope_matrix_over_two_units(two_units: TwoUnits) -> None:
    world = two_units
    mine = _alert(world.alice)
    theirs = _alert(world.bella)
    expected = {
        world.alice: ({mine.pk}, 200, 404),
        world.bella: ({theirs.pk}, 404, 200),
        world.ada: ({mine.pk}, 200, 404),
        world.ben: ({theirs.pk}, 404, 200),
        world.gina: ({mine.pk, theirs.pk}, 200, 200),
    }
    for person, (listed, on_mine, on_theirs) in expected.items():
        client = client_for(person)
        rows = client.get("/api/v1/churn-alerts/").json()["results"]
        assert {row["id"] for row in rows} == listed, person.username
        assert client.get(f"/api/v1/churn-alerts/{mine.pk}/").status_code == on_mine, person.username
        assert client.get(f"/api/v1/churn-alerts/{theirs.pk}/").status_code == on_theirs, person.username
    assert client_for(world.charlie).get("/api/v1/churn-alerts/").status_code == 403  # no role
    # care rules: each unit admin edits their own unit's
    ada, ben = client_for(world.ada), client_for(world.ben)
    rule = {"name": "生日关怀", "kind": "birthday", "days_ahead": 3, "template": "祝{occasion}生日快乐"}
    made = ada.post("/api/v1/care-rules/", rule, content_type="application/json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert CareRule.objects.get(pk=pk).business_unit_id == world.unit.pk
    assert ben.get(f"/api/v1/care-rules/{pk}/").status_code == 404
    assert ben.patch(f"/api/v1/care-rules/{pk}/", {"days_ahead": 5, "version": 1},
                     content_type="application/json").status_code == 404  # fmt: skip
    assert client_for(world.alice).post("/api/v1/care-rules/", rule, content_type="application/json").status_code == 403
    assert client_for(world.gina).get("/api/v1/care-rules/").json()["count"] == 1


def test_care_rule_bad_input_and_stale_versions(two_units: TwoUnits) -> None:
    ada = client_for(two_units.ada)
    bad = ada.post("/api/v1/care-rules/", {"kind": "milestone", "days_ahead": 0, "template": "",
                                           "thresholds": [-1]}, content_type="application/json")  # fmt: skip
    assert bad.status_code == 400
    assert {"name", "days_ahead", "template", "field_key", "thresholds"} <= set(bad.json())
    made = ada.post("/api/v1/care-rules/", {"name": "节日", "kind": "holiday", "days_ahead": 5, "template": "节日快乐"},
                    content_type="application/json").json()  # fmt: skip
    assert ada.patch(f"/api/v1/care-rules/{made['id']}/", {"days_ahead": 6, "version": 1},
                     content_type="application/json").json()["version"] == 2  # fmt: skip
    assert ada.patch(f"/api/v1/care-rules/{made['id']}/", {"days_ahead": 7, "version": 1},
                     content_type="application/json").status_code == 409  # fmt: skip


def test_the_customers_resource_carries_the_risk_score_and_its_factors(shop: World) -> None:
    customer = won(shop.alice)
    RiskScore.objects.create(customer=customer, probability=0.72, scored_at=moment(timezone.localdate()),
                             factors=[{"code": "complaints", "value": 2}])  # fmt: skip
    with pytest.MonkeyPatch.context():
        row = client_for(shop.alice, HTTP_ACCEPT_LANGUAGE="en").get(f"/api/v1/customers/{customer.pk}/").json()
    assert row["churn_risk"]["probability"] == 0.72
    assert row["churn_risk"]["factors"] == ["2 open complaints"]
    listed = client_for(shop.alice).get("/api/v1/customers/").json()["results"]
    assert listed[0]["churn_risk"]["probability"] == 0.72


def test_the_customers_resource_sorts_by_churn_risk_highest_first_unscored_last(shop: World) -> None:
    low, high, unscored = won(shop.alice), won(shop.alice), won(shop.alice)
    for customer, probability in ((low, 0.3), (high, 0.8)):
        RiskScore.objects.create(customer=customer, probability=probability, scored_at=moment(timezone.localdate()))
    listed = client_for(shop.alice).get("/api/v1/customers/", {"ordering": "churn_risk"}).json()["results"]
    assert [row["id"] for row in listed] == [high.pk, low.pk, unscored.pk]


def test_a_user_without_the_module_gets_403(shop: World) -> None:
    grant(make_user("dan", "丹", shop.shanghai))
    from guanxi.org.models import User

    assert client_for(User.objects.get(username="dan")).get("/api/v1/churn-alerts/").status_code == 403
