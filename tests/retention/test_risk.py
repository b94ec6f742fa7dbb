"""The risk model: on synthetic customers whose churn depends on one known factor, that factor ranks first
and the held-out AUC is high; below the minimum history the unit has rules only and says why; scores carry
their top factors in words."""

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import override

from guanxi.customers.models import Customer, Lifecycle
from guanxi.retention import risk
from guanxi.retention.models import RiskModel, RiskScore
from guanxi.retention.selectors import risk_values
from guanxi.sales.orders.models import DEAL_STATUSES, Order, OrderStatus
from guanxi.service.models import COMPLAINT, OPEN_STATUSES, Ticket, TicketStatus
from tests.conftest import World

from .conftest import moment, order_row, won


def _synthetic(true: str, n: int = 1200, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(seed)
    matrix = np.column_stack([
        generator.exponential(120, n),  # recency
        generator.poisson(4, n),  # frequency
        generator.normal(10, 1.5, n),  # monetary (log)
        generator.exponential(40, n),  # follow-up
        generator.poisson(0.6, n),  # complaints
        generator.integers(0, 5, n),  # satisfaction
        generator.integers(0, 6, n),  # level
    ]).astype(float)  # fmt: skip
    column = matrix[:, risk.FEATURES.index(true)]
    push = 2.5 * (column - column.mean()) / column.std()
    outcomes = (generator.random(n) < 1 / (1 + np.exp(-push))).astype(int)
    return matrix, outcomes


def test_the_true_factor_ranks_first_and_the_auc_is_measured_on_held_out_customers() -> None:
    for true in ("complaints", "recency", "followup"):
        matrix, outcomes = _synthetic(true)
        fitted = risk.fit(matrix, outcomes)
        assert risk.ranked_factors(fitted)[0] == true
        assert fitted.auc is not None and fitted.auc > 0.75


def test_too_little_history_means_rules_only_with_the_reason(shop: World) -> None:
    won(shop.alice)
    model = risk.train_unit(shop.unit.pk, timezone.now())
    assert not model.ready and model.reason == "too_little_history" and model.samples == 1
    with override("en"):
        assert "at least 200" in risk.reason_text(model)
    assert risk.score_unit(model, timezone.now()) == 0


def test_scores_carry_their_top_factors_in_words(shop: World) -> None:
    today = timezone.localdate()
    quiet = won(shop.alice, ordered=today - timedelta(days=210), followed=today - timedelta(days=90))
    busy = won(shop.alice)
    model = RiskModel.objects.create(
        business_unit=shop.unit, features=risk.FEATURES, means=[60, 3, 8, 20, 0.2, 2, 3],
        scales=[60, 2, 2, 20, 0.5, 1, 2], weights=[1.5, -0.5, -0.3, 0.8, 1.0, 0.2, 0.1], intercept=-1.0,
        samples=300, positives=60, auc=0.8, trained_at=timezone.now(),
    )  # fmt: skip
    assert risk.score_unit(model, timezone.now()) == 2
    high, low = RiskScore.objects.get(customer=quiet), RiskScore.objects.get(customer=busy)
    assert high.probability > low.probability
    assert [factor["code"] for factor in high.factors][:2] == ["recency", "followup"]
    with override("en"):
        words = risk_values([quiet])[quiet.pk]["factors"]
    assert words[0] == "no order for 210 days"
    with override("zh-hans"):
        assert risk_values([quiet])[quiet.pk]["factors"][0] != words[0]
    # the customer list sorts by it, riskiest first
    from guanxi.customers.selectors import customer_list

    assert list(customer_list(actor=shop.alice, ordering="churn_risk").values_list("pk", flat=True))[:2] == [
        quiet.pk, busy.pk,
    ]  # fmt: skip
    assert Customer.objects.count() == 2


def _scores_as_before(model: RiskModel, at: datetime) -> dict[int, tuple[float, list[dict[str, Any]]]]:
    """The scoring as it was first written, a customer at a time in Python: what the set-based scoring must
    still give, to the last bit."""
    ids = list(
        Customer.objects.filter(business_unit_id=model.business_unit_id, status=Lifecycle.WON).values_list(
            "pk", flat=True
        )
    )
    matrix = _features_as_before(ids, at)
    means, scales, weights = np.array(model.means), np.array(model.scales), np.array(model.weights)
    pushes = (matrix - means) / scales * weights
    probabilities = (1 / (1 + np.exp(-(pushes.sum(axis=1) + model.intercept)))).tolist()
    strongest = np.argsort(-pushes, axis=1)[:, :3].tolist()
    figures, pushed = matrix.tolist(), pushes.tolist()
    return {
        pk: (
            probabilities[i],
            [{"code": risk.FEATURES[j], "value": round(figures[i][j], 2)} for j in strongest[i] if pushed[i][j] > 0],
        )
        for i, pk in enumerate(ids)
    }


def _features_as_before(ids: list[int], at: datetime) -> np.ndarray:
    customers = Customer.objects.in_bulk(ids)
    year_ago = timezone.localdate(at) - timedelta(days=365)
    orders = {
        row["customer_id"]: row
        for row in Order.objects.filter(customer_id__in=ids, status__in=DEAL_STATUSES, ordered_on__gt=year_ago)
        .values("customer_id")
        .annotate(count=Count("pk"), amount=Sum("total"))
    }
    complaints = dict(
        Ticket.objects.filter(customer_id__in=ids, type=COMPLAINT, status__in=OPEN_STATUSES)
        .values("customer_id")
        .annotate(count=Count("pk"))
        .values_list("customer_id", "count")
    )
    zone = timezone.get_current_timezone()
    today = at.astimezone(zone).date()

    def days_since(moment: datetime) -> int:
        return max((today - moment.astimezone(zone).date()).days, 0)

    matrix = np.zeros((len(ids), len(risk.FEATURES)))
    for i, pk in enumerate(ids):
        row, bought = customers[pk], orders.get(pk, {})
        matrix[i] = [
            days_since(row.last_order_at or row.created_at),
            bought.get("count", 0),
            math.log1p(float(bought.get("amount") or 0)),
            days_since(row.last_followup_at or row.created_at),
            complaints.get(pk, 0),
            risk.SATISFACTION.get(row.satisfaction, 2),
            risk.LEVELS.get(row.level, 3),
        ]
    return matrix


def _varied_customers(shop: World, at: datetime) -> list[Customer]:
    """Won customers with every kind of feature value: orders in and out of the year and of the deal
    statuses, open, closed and deleted complaints, no order or follow-up at all, moments either side of midnight in
    company time and after ``at``, every satisfaction and level and unknown ones."""
    today = timezone.localdate(at)
    customers = []
    for n in range(14):
        customer = won(
            shop.alice, ordered=today - timedelta(days=(n * 37) % 400), followed=today - timedelta(days=(n * 11) % 90)
        )
        customers.append(customer)
        for k in range(n % 4):
            order_row(customer, today - timedelta(days=100 * k + n), f"{1234.56 * (k + 1) + n:.2f}")
        if n % 3 == 0:
            order_row(customer, today - timedelta(days=365), "999.00")  # a year ago to the day: not counted
        for k in range(n % 3):
            Ticket.all_objects.create(
                number=f"GD{n}-{k}", business_unit=shop.unit, customer=customer, type=COMPLAINT if k else "repair",
                subject="质量问题", status=TicketStatus.NEW if n % 2 else TicketStatus.ARCHIVED,
            )  # fmt: skip
            Ticket.all_objects.create(
                number=f"GX{n}-{k}", business_unit=shop.unit, customer=customer, type=COMPLAINT, subject="质量问题",
                status=TicketStatus.IN_PROGRESS,
            )  # fmt: skip
    Order.all_objects.filter(customer=customers[5]).update(status=OrderStatus.CANCELLED)
    Order.all_objects.filter(customer=customers[7]).update(total=Decimal("0.004"))
    Order.all_objects.filter(customer=customers[3]).update(deleted_at=at)  # deleted: no longer counted
    Ticket.all_objects.filter(customer=customers[9]).update(deleted_at=at)
    midnight = moment(today - timedelta(days=3), 0)
    changes: list[dict[str, Any]] = [
        {"last_order_at": None, "last_followup_at": None},  # the creation counts for both
        {"last_order_at": midnight - timedelta(minutes=1), "last_followup_at": midnight},
        {"last_order_at": at + timedelta(days=2)},  # dated after the scoring: no negative days
        {"satisfaction": "very_dissatisfied", "level": "C"},
        {"satisfaction": "", "level": ""},
        {"satisfaction": "unknown", "level": "O"},
        {"satisfaction": "very_satisfied", "level": "N"},
    ]
    for customer, change in zip(customers, changes, strict=False):
        Customer.all_objects.filter(pk=customer.pk).update(**change)
    return customers


def test_the_scores_are_those_the_per_customer_scoring_gave(transactional_db: None, shop: World) -> None:
    # outside a transaction, as the weekly job runs (its read is a cursor held across the batches' commits)
    at = timezone.now()
    customers = _varied_customers(shop, at)
    churned = customers[-1]
    model = RiskModel.objects.create(
        business_unit=shop.unit, features=risk.FEATURES, means=[60, 3, 8, 20, 0.2, 2, 3],
        scales=[60, 2, 2, 20, 0.5, 1, 2], weights=[1.5, -0.5, -0.3, 0.8, 1.0, 0.2, 0.1], intercept=-1.0,
        samples=300, positives=60, auc=0.8, trained_at=at,
    )  # fmt: skip
    risk.score_unit(model, at)
    Customer.all_objects.filter(pk=churned.pk).update(status=Lifecycle.CHURNED)
    expected = _scores_as_before(model, at)
    assert risk.score_unit(model, at, batch=4) == len(expected) == len(customers) - 1
    scores = {score.customer_id: (score.probability, score.factors) for score in RiskScore.objects.all()}
    assert scores == expected  # the churned customer lost its score
    assert {code for _p, factors in scores.values() for code in (f["code"] for f in factors)} >= {
        "recency", "followup", "complaints", "monetary"
    }  # fmt: skip
    assert RiskScore.objects.filter(scored_at=at).count() == len(expected)


def test_the_history_is_read_as_the_per_customer_features_gave(shop: World) -> None:
    at = timezone.now()
    customers = _varied_customers(shop, at)
    Customer.all_objects.filter(pk__in=[c.pk for c in customers[::3]]).update(status=Lifecycle.CHURNED)
    churned = {customer.pk for customer in customers[::3]}
    ids, matrix, outcomes = risk.history(shop.unit.pk, at)
    assert len(ids) > len(churned)
    assert outcomes.tolist() == [int(pk in churned) for pk in ids]
    assert np.array_equal(matrix, _features_as_before(ids, at))
