"""The rating rules at their thresholds, each side (the unit's parameters at their defaults)."""

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from guanxi.finance.credit.rules import AMOUNTS, THRESHOLDS, History, default_limit, rate, reason_text

DEFAULTS: dict[str, Any] = {str(item[0]): item[2] for item in (*THRESHOLDS, *AMOUNTS)}


def regular(**figures: Any) -> History:
    """A customer who orders often enough for an A, then whatever the test adds."""
    return History(has_deal=True, deals=4, deal_amount=Decimal(100000), outstanding=Decimal(100000), **figures)


def codes(reasons: list[dict[str, Any]]) -> list[str]:
    return [reason["code"] for reason in reasons]


def test_a_customer_without_any_history_is_not_rated() -> None:
    rating, reasons = rate(History(), DEFAULTS)
    assert (rating, codes(reasons)) == ("", ["no_history"])
    assert rate(History(outstanding=Decimal(1)), DEFAULTS)[0] == "b"  # owes on an order not yet counted as a deal


@pytest.mark.parametrize(
    ("deals", "amount", "expected"),
    [(4, "100000", "a"), (3, "100000", "b"), (4, "99999.99", "b"), (0, "0", "b")],
)
def test_an_a_needs_enough_orders_worth_enough_in_the_last_year(deals: int, amount: str, expected: str) -> None:
    rating, reasons = rate(History(has_deal=True, deals=deals, deal_amount=Decimal(amount)), DEFAULTS)
    assert rating == expected
    assert reasons[0]["count"] == deals and reasons[0]["amount"] == str(Decimal(amount).quantize(Decimal("0.01")))


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, "a"), (1, "b"), (30, "b"), (31, "c"), (60, "c"), (61, "d"), (90, "d"), (91, "e"), (400, "e")],
)
def test_the_oldest_open_instalment_overdue_caps_the_rating(days: int, expected: str) -> None:
    overdue = {"d0_30": Decimal(1), "d31_60": Decimal(0), "d61_90": Decimal(0), "d90": Decimal(0)}
    rating, reasons = rate(regular(overdue_days=days, overdue=overdue if days else dict.fromkeys(overdue, Decimal(0))),
                           DEFAULTS)  # fmt: skip
    assert rating == expected
    assert ("open_overdue" in codes(reasons)) == (days > 0)


@pytest.mark.parametrize(("percent", "expected"), [(19, "b"), (20, "c"), (49, "c"), (50, "d")])
def test_the_share_of_the_outstanding_overdue_caps_the_rating(percent: int, expected: str) -> None:
    overdue = {"d0_30": Decimal(percent * 1000), "d31_60": Decimal(0), "d61_90": Decimal(0), "d90": Decimal(0)}
    rating, reasons = rate(regular(overdue_days=5, overdue=overdue), DEFAULTS)  # 5 days: a B by itself
    assert rating == expected
    share = [reason for reason in reasons if reason["code"] == "overdue_share"]
    assert (share[0]["percent"] if share else None) == (percent if percent >= 20 else None)


@pytest.mark.parametrize(("days", "expected"), [(7, "a"), (8, "b"), (30, "b"), (31, "c"), (60, "c"), (61, "d")])
def test_paying_late_in_the_last_year_caps_the_rating(days: int, expected: str) -> None:
    rating, reasons = rate(regular(late_days=days, late_count=1), DEFAULTS)
    assert rating == expected
    assert ("paid_late" in codes(reasons)) == (days >= 8)


@pytest.mark.parametrize(("count", "expected"), [(0, "a"), (1, "c"), (2, "d"), (5, "d")])
def test_reversed_receipts_cap_the_rating(count: int, expected: str) -> None:
    assert rate(regular(reversed=count), DEFAULTS)[0] == expected


def test_the_worst_cap_wins_and_the_reasons_come_worst_first() -> None:
    overdue = {"d0_30": Decimal(0), "d31_60": Decimal(0), "d61_90": Decimal(0), "d90": Decimal(60000)}
    rating, reasons = rate(regular(overdue_days=120, overdue=overdue, reversed=1, late_days=10, late_count=2),
                           DEFAULTS)  # fmt: skip
    assert rating == "e"
    assert codes(reasons) == ["open_overdue", "overdue_share", "reversed_receipts", "paid_late", "regular_orders"]


def test_the_thresholds_are_the_units_parameters() -> None:
    strict = {**DEFAULTS, "credit.overdue_days_e": 10}
    overdue = {"d0_30": Decimal(1), "d31_60": Decimal(0), "d61_90": Decimal(0), "d90": Decimal(0)}
    assert rate(regular(overdue_days=10, overdue=overdue), strict)[0] == "e"
    assert rate(regular(overdue_days=9, overdue=overdue), strict)[0] == "b"


def test_the_default_limit_follows_the_customers_level() -> None:
    assert default_limit("O", DEFAULTS) == Decimal(1000000)
    assert default_limit("B", DEFAULTS) == Decimal(200000)
    assert default_limit("", DEFAULTS) == Decimal(50000)


def test_reasons_read_in_the_readers_language() -> None:
    reason = {"code": "open_overdue", "rating": "d", "days": 75, "amount": "12000.00", "d90": "0.00"}
    with translation.override("en"):
        assert (
            reason_text(reason)
            == "An instalment is 75 days overdue; CN¥12,000.00 overdue in all (over 90 days: CN¥0.00)."
        )
    with translation.override("zh-hans"):
        assert reason_text(reason) == "有一期回款已逾期 75 天；逾期合计 ¥12,000.00（逾期超过 90 天：¥0.00）。"
    with translation.override("en"):
        assert reason_text({"code": "reversed_receipts", "count": 1}) == "1 receipt reversed in the last 12 months."
