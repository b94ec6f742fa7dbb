"""The churn-risk score (SPEC §10.3): a logistic regression per unit, learnt from the unit's own won and
churned customers, on features a salesperson understands (days since the last order, orders and amount of
the last year, days since the last follow-up, open complaints, satisfaction, level). The model is stored as
numbers (means, scales, weights), so scoring is arithmetic and each score is explained by the features that
push it up most, kept as codes and figures and read in words in the reader's language."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guanxi.core.bulk import among, rows_upsert
from guanxi.core.money import money_text
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import BusinessUnit
from guanxi.sales.orders.models import DEAL_STATUSES, Order
from guanxi.service.models import COMPLAINT, OPEN_STATUSES, Ticket

from .models import AlertStatus, ChurnAlert, RiskModel, RiskScore

if TYPE_CHECKING:
    import numpy as np

MIN_HISTORY = 200  # won customers with an outcome (churned, or ordering within the no-order window)
FEATURES = ["recency", "frequency", "monetary", "followup", "complaints", "satisfaction", "level"]
FEATURE_LABELS = {
    "recency": _("Days since the last order"),
    "frequency": _("Orders in the last year"),
    "monetary": _("Amount ordered in the last year"),
    "followup": _("Days since the last follow-up"),
    "complaints": _("Open complaints"),
    "satisfaction": _("Dissatisfaction"),
    "level": _("Level"),
}
# satisfaction and level as numbers: higher is worse (more dissatisfied, further from buying)
SATISFACTION = {"very_satisfied": 0, "satisfied": 1, "neutral": 2, "dissatisfied": 3, "very_dissatisfied": 4}
LEVELS = {"O": 0, "H": 1, "A": 2, "B": 3, "C": 4, "N": 5}
BATCH = 5000


# what the features are computed from, read as plain rows (making a model instance of each of a unit's
# customers cost more than the rest of the scoring): the days of the last order and follow-up in company time
# (the creation stands in for either) are cast by the database, so the rows come as the driver's dates
SOURCE = ("pk", "order_day", "followup_day", "satisfaction", "level")
DAYS = {
    "order_day": TruncDate(Coalesce("last_order_at", "created_at")),
    "followup_day": TruncDate(Coalesce("last_followup_at", "created_at")),
}


def features_of(rows: Sequence[Sequence[Any]], at: datetime) -> np.ndarray:
    """The feature matrix of these customers (rows with the ``SOURCE`` fields first) as of ``at``, a column at a
    time (two queries)."""
    import numpy as np  # here, not at import: the web processes never score, and numpy is 14 MB each

    matrix = np.zeros((len(rows), len(FEATURES)))
    if not rows:
        return matrix
    ids, order_days, followup_days, satisfactions, levels = list(zip(*(row[:5] for row in rows), strict=True))
    batch = among(ids)
    year_ago = timezone.localdate(at) - timedelta(days=365)
    orders = {
        pk: (count, amount)
        for pk, count, amount in Order.objects.filter(
            customer_id__in=batch, status__in=DEAL_STATUSES, ordered_on__gt=year_ago
        )
        .values("customer_id")
        .annotate(count=Count("pk"), amount=Sum("total"))
        .values_list("customer_id", "count", "amount")
    }
    complaints = dict(
        Ticket.objects.filter(customer_id__in=batch, type=COMPLAINT, status__in=OPEN_STATUSES)
        .values("customer_id")
        .annotate(count=Count("pk"))
        .values_list("customer_id", "count")
    )
    today = timezone.localdate(at).toordinal()
    bought = [orders.get(pk, (0, None)) for pk in ids]
    # calendar days, as a salesperson counts them; none for a moment after ``at``
    matrix[:, 0] = np.maximum(today - np.array([day.toordinal() for day in order_days]), 0)
    matrix[:, 1] = [count for count, _amount in bought]
    matrix[:, 2] = [math.log1p(float(amount or 0)) for _count, amount in bought]  # math, not numpy: the last bit
    matrix[:, 3] = np.maximum(today - np.array([day.toordinal() for day in followup_days]), 0)
    matrix[:, 4] = [complaints.get(pk, 0) for pk in ids]
    matrix[:, 5] = [SATISFACTION.get(value, 2) for value in satisfactions]
    matrix[:, 6] = [LEVELS.get(value, 3) for value in levels]
    return matrix


@contextmanager
def _uncollected() -> Iterator[None]:
    """The cyclic collector paused: a batch makes tens of thousands of lists, dicts and tuples and no cycle,
    and each full collection walks every object of the process (a third of scoring's Python time)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@dataclass
class Fit:
    means: list[float]
    scales: list[float]
    weights: list[float]
    intercept: float
    auc: float | None


def fit(matrix: np.ndarray, outcomes: np.ndarray, *, seed: int = 7) -> Fit:
    """Standardise, learn on three quarters, measure the AUC on the held-out quarter, then learn the weights
    kept on every sample. The weights are per standard deviation, so their sizes compare."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    train_x, test_x, train_y, test_y = train_test_split(
        matrix, outcomes, test_size=0.25, random_state=seed, stratify=outcomes
    )
    scaler = StandardScaler().fit(train_x)
    model = LogisticRegression(class_weight="balanced", max_iter=500).fit(scaler.transform(train_x), train_y)
    auc = (
        float(roc_auc_score(test_y, model.predict_proba(scaler.transform(test_x))[:, 1]))
        if len(set(test_y)) > 1
        else None
    )
    scaler = StandardScaler().fit(matrix)
    model = LogisticRegression(class_weight="balanced", max_iter=500).fit(scaler.transform(matrix), outcomes)
    scales = [float(value) if value > 0 else 1.0 for value in scaler.scale_]
    return Fit(
        [float(v) for v in scaler.mean_], scales, [float(v) for v in model.coef_[0]], float(model.intercept_[0]), auc
    )


def ranked_factors(fitted: Fit) -> list[str]:
    """The features by the size of their weight, strongest first."""
    order = sorted(range(len(FEATURES)), key=lambda i: -abs(fitted.weights[i]))
    return [FEATURES[i] for i in order]


def history(unit_id: int, at: datetime) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The unit's customers with an outcome, their features and outcomes: churned (or whose last alert was
    lost) → 1; won and ordering within the no-order window → 0."""
    import numpy as np

    from .rules import months_before, unit_params

    params = unit_params(unit_id)
    recent = timezone.make_aware(
        datetime.combine(months_before(timezone.localdate(at), params.no_order_months), datetime.min.time())
    )
    lost = ChurnAlert.objects.filter(customer=OuterRef("pk"), status=AlertStatus.LOST)
    customers = (
        Customer.objects.filter(business_unit_id=unit_id)
        .filter(Q(status=Lifecycle.CHURNED) | Q(status=Lifecycle.WON, last_order_at__gt=recent) | Exists(lost))
        .annotate(was_lost=Exists(lost), **DAYS)
        .order_by("pk")
        .values_list(*SOURCE, "status", "was_lost")
    )
    with _uncollected():
        rows = list(customers)
        batches = [features_of(rows[start : start + BATCH], at) for start in range(0, len(rows) or 1, BATCH)]
    matrix = np.vstack(batches)
    outcomes = np.array([1 if row[-2] == Lifecycle.CHURNED or row[-1] else 0 for row in rows], dtype=int)
    return [row[0] for row in rows], matrix, outcomes


@transaction.atomic
def train_unit(unit_id: int, at: datetime) -> RiskModel:
    """Learn the unit's model, or say why it has rules only (too little history, one outcome only)."""
    ids, matrix, outcomes = history(unit_id, at)
    model, _created = RiskModel.objects.select_for_update().get_or_create(business_unit_id=unit_id)
    model.samples, model.positives = len(ids), int(outcomes.sum())
    model.trained_at = at
    if len(ids) < MIN_HISTORY:
        model.reason, model.weights, model.auc = "too_little_history", [], None
    elif model.positives < 10 or model.samples - model.positives < 10:
        model.reason, model.weights, model.auc = "one_outcome_only", [], None
    else:
        fitted = fit(matrix, outcomes)
        model.reason = ""
        model.features, model.means, model.scales = FEATURES, fitted.means, fitted.scales
        model.weights, model.intercept, model.auc = fitted.weights, fitted.intercept, fitted.auc
    model.save()
    return model


def score_unit(model: RiskModel, at: datetime, *, batch: int = BATCH) -> int:
    """Score every won customer of the unit with its model: probability and top three factors."""
    import numpy as np

    if not model.ready:
        RiskScore.objects.filter(customer__business_unit_id=model.business_unit_id).delete()
        return 0
    means, scales, weights = np.array(model.means), np.array(model.scales), np.array(model.weights)
    # one scan of the unit's won customers, read a batch at a time (keyset batches, each one an index scan
    # from the last key, read every customer of the unit between them: twice the time)
    won = (
        Customer.objects.filter(business_unit_id=model.business_unit_id, status=Lifecycle.WON)
        .annotate(**DAYS)
        .order_by()
        .values_list(*SOURCE)
        .iterator(chunk_size=batch)
    )
    scored = 0
    with _uncollected():
        while rows := list(islice(won, batch)):
            matrix = features_of(rows, at)
            pushes = (matrix - means) / scales * weights
            probabilities = (1 / (1 + np.exp(-(pushes.sum(axis=1) + model.intercept)))).tolist()
            scores = [
                (row[0], probability, factors, at)
                for row, probability, factors in zip(rows, probabilities, factors_of(matrix, pushes), strict=True)
            ]
            rows_upsert(RiskScore, "customer", ["probability", "factors", "scored_at"], scores)
            scored += len(scores)
    # customers no longer won lose their score
    RiskScore.objects.filter(customer__business_unit_id=model.business_unit_id).exclude(
        customer__status=Lifecycle.WON
    ).delete()
    RiskModel.objects.filter(pk=model.pk).update(scored_at=at, scored=scored)
    return scored


def factors_of(matrix: np.ndarray, pushes: np.ndarray) -> list[list[dict[str, Any]]]:
    """Each customer's features pushing its risk up, the three largest at most, strongest first, as codes and
    figures (to two decimals). A batch repeats a few thousand factors (days, counts, levels): each is made once
    and shared by the customers that have it."""
    import numpy as np

    strongest = np.argsort(-pushes, axis=1)[:, :3]
    pushing: list[list[bool]] = (np.take_along_axis(pushes, strongest, axis=1) > 0).tolist()
    pairs = np.stack([strongest, np.take_along_axis(matrix, strongest, axis=1)], axis=2).reshape(-1, 2)
    distinct, which = np.unique(pairs, axis=0, return_inverse=True)
    made = [{"code": FEATURES[int(feature)], "value": round(figure, 2)} for feature, figure in distinct.tolist()]
    places = cast("list[list[int]]", which.reshape(strongest.shape).tolist())  # each factor's place in ``made``
    return [[made[i] for i, up in zip(row, ups, strict=True) if up] for row, ups in zip(places, pushing, strict=True)]


def risk_train(at: datetime) -> dict[str, int]:
    """The weekly job: train and score every unit."""
    trained = scored = 0
    for unit_id in BusinessUnit.objects.order_by("pk").values_list("pk", flat=True):
        model = train_unit(unit_id, at)
        trained += model.ready
        scored += score_unit(model, at)
    return {"trained": trained, "scored": scored}


# --- in words ----------------------------------------------------------------------------------------------


def factor_text(factor: dict[str, Any]) -> str:
    """A factor in the reader's language: "no order for 210 days", "two open complaints"."""
    value = factor.get("value", 0)
    count = int(value)
    match factor.get("code"):
        case "recency":
            return ngettext("no order for %(n)d day", "no order for %(n)d days", count) % {"n": count}
        case "frequency":
            return ngettext("only %(n)d order in the last year", "only %(n)d orders in the last year", count) % {
                "n": count
            }
        case "monetary":
            amount = Decimal(round(math.expm1(value)))
            return str(_("little ordered in the last year (%(amount)s)")) % {"amount": money_text(amount)}
        case "followup":
            return ngettext("no follow-up for %(n)d day", "no follow-up for %(n)d days", count) % {"n": count}
        case "complaints":
            return ngettext("%(n)d open complaint", "%(n)d open complaints", count) % {"n": count}
        case "satisfaction":
            return str(_("dissatisfied"))
        case "level":
            return str(_("far from buying again (level)"))
    return str(factor.get("code", ""))


def reason_text(model: RiskModel | None) -> str:
    if model is None or model.trained_at is None:
        return str(_("The model has not been trained yet: churn is watched by the rules only."))
    if model.reason == "too_little_history":
        return str(
            _("Only %(count)d customers with a known outcome (at least %(min)d are needed): rules only.")
            % {"count": model.samples, "min": MIN_HISTORY}
        )
    if model.reason == "one_outcome_only":
        return str(_("The history has too few churned or too few kept customers to learn from: rules only."))
    return ""
