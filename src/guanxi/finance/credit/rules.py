"""The rating rules (issue 27): from a customer's own history, as of a day, a rating A–E (none while it has
no history) and the reasons as codes with their figures. Each rule that applies caps the rating; the worst cap
wins. The thresholds and the default limit by customer level are parameters of each business unit (group
``credit``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guanxi.core.money import money_text

from .models import Rating

ZERO = Decimal(0)
CENT = Decimal("0.01")
BUCKETS = ("d0_30", "d31_60", "d61_90", "d90")

# (code, label, default, min, max): the thresholds, read per unit
THRESHOLDS: tuple[tuple[str, Any, int, int, int], ...] = (
    ("credit.overdue_days_b", gettext_lazy("Rated B at most when an instalment is this many days overdue"), 1, 1, 3650),
    ("credit.overdue_days_c", gettext_lazy("Rated C at most when an instalment is this many days overdue"),
     31, 1, 3650),
    ("credit.overdue_days_d", gettext_lazy("Rated D when an instalment is this many days overdue"), 61, 1, 3650),
    ("credit.overdue_days_e", gettext_lazy("Rated E when an instalment is this many days overdue"), 91, 1, 3650),
    ("credit.overdue_share_c", gettext_lazy("Rated C at most when this share (%) of the outstanding is overdue"),
     20, 1, 100),
    ("credit.overdue_share_d", gettext_lazy("Rated D when this share (%) of the outstanding is overdue"), 50, 1, 100),
    ("credit.late_days_b", gettext_lazy("Rated B at most when an instalment of the last 12 months was paid this many "
                                        "days late"), 8, 1, 3650),
    ("credit.late_days_c", gettext_lazy("Rated C at most when an instalment of the last 12 months was paid this many "
                                        "days late"), 31, 1, 3650),
    ("credit.late_days_d", gettext_lazy("Rated D when an instalment of the last 12 months was paid this many days "
                                        "late"), 61, 1, 3650),
    ("credit.reversed_c", gettext_lazy("Rated C at most with this many reversed receipts in the last 12 months"),
     1, 1, 100),
    ("credit.reversed_d", gettext_lazy("Rated D with this many reversed receipts in the last 12 months"), 2, 1, 100),
    ("credit.a_orders", gettext_lazy("Rated A with at least this many orders and contracts in the last 12 months"),
     4, 1, 1000),
)  # fmt: skip
AMOUNTS: tuple[tuple[str, Any, Decimal], ...] = (
    ("credit.a_amount", gettext_lazy("… worth at least this much (¥)"), Decimal(100000)),
    ("credit.limit_o", gettext_lazy("Default credit limit of a customer of level O (¥)"), Decimal(1000000)),
    ("credit.limit_h", gettext_lazy("Default credit limit of a customer of level H (¥)"), Decimal(500000)),
    ("credit.limit_a", gettext_lazy("Default credit limit of a customer of level A (¥)"), Decimal(300000)),
    ("credit.limit_b", gettext_lazy("Default credit limit of a customer of level B (¥)"), Decimal(200000)),
    ("credit.limit_c", gettext_lazy("Default credit limit of a customer of level C (¥)"), Decimal(100000)),
    ("credit.limit_n", gettext_lazy("Default credit limit of a customer of level N (¥)"), Decimal(50000)),
    ("credit.limit_none", gettext_lazy("Default credit limit of a customer without a level (¥)"), Decimal(50000)),
)
ORDER = {rating: index for index, rating in enumerate(Rating)}  # a before e: the larger the worse


@dataclass
class History:
    """What the rules read about one customer, as of a day."""

    level: str = ""
    has_deal: bool = False  # ever signed a contract or confirmed an order
    outstanding: Decimal = ZERO  # still owed on contracts and orders
    overdue: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, ZERO))
    overdue_days: int = 0  # of the oldest instalment past due and not fully received
    late_days: int = 0  # the latest payment of an instalment settled in the last 12 months
    late_count: int = 0  # instalments settled late (a day or more) in the last 12 months
    reversed: int = 0  # receipts reversed in the last 12 months
    deals: int = 0  # contracts signed and orders confirmed in the last 12 months
    deal_amount: Decimal = ZERO


LIMITS = tuple(code for code, _label, _default in AMOUNTS if code.startswith("credit.limit_"))


def settings_of(unit_id: int) -> dict[str, Any]:
    from guanxi.core.config.parameters import parameter_values

    return parameter_values((*(item[0] for item in THRESHOLDS), *(item[0] for item in AMOUNTS)), unit=unit_id)


def default_limit(level: str, settings: Mapping[str, Any]) -> Decimal:
    code = f"credit.limit_{level.lower()}" if level else "credit.limit_none"
    return Decimal(settings.get(code, settings["credit.limit_none"])).quantize(CENT)


def limit_default(unit_id: int, level: str) -> Decimal:
    """The default limit of a customer of this level in this unit (the unit's limits of every level are read
    with one query, once per request: a page of customers of several levels asked once per level)."""
    from guanxi.core.config.parameters import parameter_values

    return default_limit(level, parameter_values(LIMITS, unit=unit_id))


def _worst(*ratings: str) -> str:
    return max(ratings, key=lambda rating: ORDER[Rating(rating)])


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def rate(history: History, settings: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The rating and its reasons, worst first (each reason: ``code``, the ``rating`` it caps at, figures). A
    customer with no contract, order or money yet is not rated ("")."""
    reasons: list[dict[str, Any]] = []
    if not history.has_deal and not history.outstanding:
        return "", [{"code": "no_history", "rating": ""}]  # not rated: nothing to judge by yet
    if history.deals >= settings["credit.a_orders"] and history.deal_amount >= settings["credit.a_amount"]:
        reasons.append({"code": "regular_orders", "rating": Rating.A.value, "count": history.deals,
                        "amount": _money(history.deal_amount)})  # fmt: skip
    else:
        reasons.append({"code": "few_orders", "rating": Rating.B.value, "count": history.deals,
                        "amount": _money(history.deal_amount)})  # fmt: skip
    days = history.overdue_days
    if days >= settings["credit.overdue_days_b"]:
        cap = Rating.B
        for grade in ("c", "d", "e"):
            if days >= settings[f"credit.overdue_days_{grade}"]:
                cap = Rating(grade)
        overdue = sum(history.overdue.values(), ZERO)
        reasons.append({"code": "open_overdue", "rating": cap.value, "days": days, "amount": _money(overdue),
                        **{code: _money(history.overdue[code]) for code in BUCKETS}})  # fmt: skip
    overdue = sum(history.overdue.values(), ZERO)
    if overdue > 0 and history.outstanding > 0:
        percent = int(overdue * 100 / history.outstanding)
        share = ""
        if percent >= settings["credit.overdue_share_d"]:
            share = Rating.D.value
        elif percent >= settings["credit.overdue_share_c"]:
            share = Rating.C.value
        if share:
            reasons.append({"code": "overdue_share", "rating": share, "percent": percent,
                            "overdue": _money(overdue), "outstanding": _money(history.outstanding)})  # fmt: skip
    if history.late_days >= settings["credit.late_days_b"]:
        cap = Rating.B
        if history.late_days >= settings["credit.late_days_d"]:
            cap = Rating.D
        elif history.late_days >= settings["credit.late_days_c"]:
            cap = Rating.C
        reasons.append({"code": "paid_late", "rating": cap.value, "days": history.late_days,
                        "count": history.late_count})  # fmt: skip
    if history.reversed >= settings["credit.reversed_c"]:
        cap = Rating.D if history.reversed >= settings["credit.reversed_d"] else Rating.C
        reasons.append({"code": "reversed_receipts", "rating": cap.value, "count": history.reversed})
    rating = _worst(*(reason["rating"] for reason in reasons))
    reasons.sort(key=lambda reason: -ORDER[Rating(reason["rating"])])
    return rating, reasons


def amount_shown(value: Any) -> str:
    """An amount kept in a reason, in the reader's money format."""
    try:
        return money_text(Decimal(str(value)))
    except ArithmeticError:
        return str(value)


MONEY_FIGURES = ("amount", "outstanding", "overdue", *BUCKETS)


def reason_text(reason: Mapping[str, Any]) -> str:
    """A reason in the reader's language."""
    code = reason.get("code", "")
    figures = {name: amount_shown(value) if name in MONEY_FIGURES else value for name, value in reason.items()}
    if code == "no_history":
        return _("Not rated: no contracts, orders or payments yet.")
    if code in ("regular_orders", "few_orders"):
        count = int(figures.get("count", 0))
        return ngettext(
            "%(count)d contract or order worth %(amount)s in the last 12 months.",
            "%(count)d contracts and orders worth %(amount)s in the last 12 months.",
            count,
        ) % {"count": count, "amount": figures.get("amount", "0")}
    if code == "open_overdue":
        return _("An instalment is %(days)s days overdue; %(amount)s overdue in all (over 90 days: %(d90)s).") % {
            "days": figures.get("days"),
            "amount": figures.get("amount"),
            "d90": figures.get("d90", "0"),
        }
    if code == "overdue_share":
        return _("%(percent)s%% of the %(outstanding)s outstanding is overdue.") % figures
    if code == "paid_late":
        count = int(figures.get("count", 0))
        return ngettext(
            "Paid up to %(days)s days late in the last 12 months (%(count)d instalment late).",
            "Paid up to %(days)s days late in the last 12 months (%(count)d instalments late).",
            count,
        ) % {"days": figures.get("days"), "count": count}
    if code == "reversed_receipts":
        count = int(figures.get("count", 0))
        return ngettext(
            "%(count)d receipt reversed in the last 12 months.",
            "%(count)d receipts reversed in the last 12 months.",
            count,
        ) % {"count": count}
    return str(code)


def register() -> None:
    from guanxi.core.config.parameters import register_parameter, register_parameter_group

    register_parameter_group("credit", gettext_lazy("Customer credit"), 67)
    for code, label, default, low, high in THRESHOLDS:
        register_parameter(code, label, "int", default, min=low, max=high, group="credit")
    for code, label, amount in AMOUNTS:
        register_parameter(
            code, label, "decimal", amount, min=Decimal(0), max=Decimal("99999999999999"), group="credit"
        )
