"""What the apps above check before an order is confirmed (finance: the customer's credit, SPEC §8 and issue
27). Each check is registered in that app's ``ready()`` and runs inside the confirming transaction, after the
order's row is locked; it may take its own locks (finance locks the customer's credit row, so two orders
confirmed at once are weighed one after the other). A check that answers a ``Hold`` sends the order to
approval instead of confirming it; sales never knows what the check is about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guanxi.org.models import User

    from .models import Order


@dataclass(frozen=True)
class Hold:
    """Why the order needs approval: a stable code and its figures, kept on the approval request and the audit
    entry, and worded at read time by the check's ``words`` (so each reader reads it in their language)."""

    code: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return HOLD_WORDS[self.code](self.figures)


ConfirmCheck = Callable[["User", "Order"], "Hold | None"]
CONFIRM_CHECKS: list[ConfirmCheck] = []
HOLD_WORDS: dict[str, Callable[[dict[str, Any]], str]] = {}


def register_confirm_check(check: ConfirmCheck, *, code: str, words: Callable[[dict[str, Any]], str]) -> None:
    """``check`` answers holds of this ``code``; ``words`` says one in the reader's language from its figures."""
    if check not in CONFIRM_CHECKS:
        CONFIRM_CHECKS.append(check)
    HOLD_WORDS[code] = words


def hold_words(held: list[dict[str, Any]]) -> list[str]:
    """The stored holds (``{"code": …, **figures}``) in the reader's language."""
    return [HOLD_WORDS[item["code"]](item) for item in held if item.get("code") in HOLD_WORDS]


def holds_of(actor: User, order: Order) -> list[Hold]:
    """What every registered check says about confirming this order now (nothing: it may be confirmed)."""
    return [hold for check in CONFIRM_CHECKS if (hold := check(actor, order)) is not None]
