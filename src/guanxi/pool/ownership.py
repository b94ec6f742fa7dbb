"""What the pool adds to the customers' own writes (registered with ``customers.hooks``): the holding limit
before a customer is given, its pool and clocks once it is, the no-follow-up clock after a follow-up, and a
conflict case when a registration hits a customer someone else holds."""

from __future__ import annotations

from guanxi.customers import hooks
from guanxi.customers.models import Customer
from guanxi.org.models import User

from .conflicts import conflict_open
from .lifecycle import Event, customer_lifecycle_event
from .rules import capacity_check, capacity_left, expiry_refresh, pool_customers
from .services import customer_owned, place


def owner_set(*, actor: User, customer: Customer, previous_owner_id: int | None, note: str = "") -> None:
    """A customer was given to ``customer.owner`` outside the pool (a transfer): governed by the new owner's
    pool, its clocks start now; taken from the pool, it counts as the pool's assignment as far as status goes."""
    if previous_owner_id is None:
        customer_lifecycle_event(customer=customer, event=Event.ASSIGNED, actor=actor, note=note)
    customer_owned(customer)


def register() -> None:
    hooks.register_ownership(
        hooks.Ownership(
            capacity_check=capacity_check,
            place=place,
            owner_set=owner_set,
            followed_up=expiry_refresh,
            pooled=pool_customers,
            conflict_open=conflict_open,
            capacity_left=capacity_left,
        )
    )
