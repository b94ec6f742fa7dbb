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
    """Why the order needs approval: a stable code, the reason in the actor's language (the approval's title
    and the audit note) and its figures (kept on the audit entry)."""

    code: str
    message: str
    figures: dict[str, Any] = field(default_factory=dict)


ConfirmCheck = Callable[["User", "Order"], "Hold | None"]
CONFIRM_CHECKS: list[ConfirmCheck] = []


def register_confirm_check(check: ConfirmCheck) -> None:
    if check not in CONFIRM_CHECKS:
        CONFIRM_CHECKS.append(check)


def holds_of(actor: User, order: Order) -> list[Hold]:
    """What every registered check says about confirming this order now (nothing: it may be confirmed)."""
    return [hold for check in CONFIRM_CHECKS if (hold := check(actor, order)) is not None]
