"""The public pool (公海, SPEC §3.2–3.3): claim, assign, return, lock, unlock, holding limits and the
automatic return of neglected customers (the sweep: ``pool.sweep``).

Every rule is checked inside the one transaction that writes, and races are decided by the database:
the customer moves with a conditional ``UPDATE … WHERE owner IS NULL`` (one of twenty simultaneous claims
changes a row, the others see who won), and the salesperson who receives a customer is locked first
(``SELECT … FOR NO KEY UPDATE`` of their user row), so their holdings and today's claims are counted by
one transaction at a time and never pass the caps.

Clocks (SPEC §3.2): a customer owned through the pool returns when the whole days since the later of its
claim and its last follow-up exceed N, or the whole days since the claim exceed M (no deal). The moment
it returns is stored (``Customer.expires_at``) whenever its inputs change, so the sweep is one indexed
range query; locked customers, won ones (when exempt) and pool customers have none."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from guanxi.customers.models import Customer
from guanxi.customers.selectors import days_to_expiry, expiry_label, hidden_fields

from ..rules import (
    Limits,
    Rules,
    capacity_check,
    customer_reachable,
    days_rule_span,
    expiry_of,
    expiry_refresh,
    governing_pool,
    holdings_of,
    last_holders,
    limits_of,
    may_assign,
    may_claim,
    may_lock,
    pool_customers,
    pool_list,
    pool_refresh_expiry,
    pool_rules,
    pools_visible,
    unit_parameters,
    unit_pool,
)
from .claims import (
    ClaimOutlook,
    ClaimStanding,
    claim_outlook,
    customer_assign,
    customer_claim,
    customer_owned,
    customers_claim,
    customers_claim_selected,
    place,
)
from .locks import customer_lock, customer_unlock
from .moves import customers_move, pool_destination_check
from .returns import (
    customer_return,
    customers_bulk_return,
    customers_release,
    customers_release_bulk,
    customers_to_pool,
    may_return,
)

__all__ = [
    "ClaimOutlook",
    "ClaimStanding",
    "Limits",
    "Rules",
    "capacity_check",
    "claim_outlook",
    "customer_assign",
    "customer_claim",
    "customer_lock",
    "customer_owned",
    "customer_reachable",
    "customer_return",
    "customer_unlock",
    "customers_bulk_return",
    "customers_claim",
    "customers_claim_selected",
    "customers_move",
    "customers_release",
    "customers_release_bulk",
    "customers_to_pool",
    "days_rule_span",
    "days_to_expiry",
    "expiry_label",
    "expiry_of",
    "expiry_refresh",
    "governing_pool",
    "hidden_fields",
    "holdings_of",
    "last_holders",
    "limits_of",
    "may_assign",
    "may_claim",
    "may_lock",
    "may_return",
    "place",
    "pool_customers",
    "pool_destination_check",
    "pool_list",
    "pool_refresh_expiry",
    "pool_rules",
    "pools_visible",
    "unit_parameters",
    "unit_pool",
]  # fmt: skip


def register() -> None:
    """A departing salesperson's customers are handed over with everything else, or go back to their pools
    (SPEC §1.4); the notifications the pool sends."""
    from guanxi.core.notifications.kinds import register_kind
    from guanxi.org import handover

    handover.register_owned(handover.OwnedType(Customer, "owner", gettext_lazy("Customers"), to_pool=customers_to_pool))
    register_kind("pool_assigned", gettext_lazy("Customers assigned to me from the pool"))
    register_kind("pool_returned", gettext_lazy("My customers returned to the pool by someone else"))
    register_kind("pool_expiry_warning", gettext_lazy("My customers about to return to the pool"), default_email=True)
    register_kind("pool_reclaimed", gettext_lazy("My customers returned to the pool automatically"))
    register_kind("conflict", gettext_lazy("Conflict cases about my customers"))
    register_kind("pool_moved", gettext_lazy("Customers moved into a pool I claim from"))
