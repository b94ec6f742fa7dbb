"""The risk model: on synthetic customers whose churn depends on one known factor, that factor ranks first
and the held-out AUC is high; below the minimum history the unit has rules only and says why; scores carry
their top factors in words."""

from datetime import timedelta

import numpy as np
from django.utils import timezone
from django.utils.translation import override

from guanxi.customers.models import Customer
from guanxi.retention import risk
from guanxi.retention.models import RiskModel, RiskScore
from guanxi.retention.selectors import risk_values
from tests.conftest import World

from .conftest import won


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
