"""The steps the apps above customers add to its writes. The pool and activities sit above customers, so
customers cannot import them: they register their steps here in ``ready()``, and the customers' services call
them by name, inside their own transaction, at the point where the step belongs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

if TYPE_CHECKING:
    from guanxi.org.models import User

    from .models import Customer


@dataclass(frozen=True)
class Ownership:
    """The public pool's rules on who holds a customer (SPEC §3.2–3.4), registered by the pool app."""

    capacity_check: Callable[..., None]  # (*, owner, adding=1): refuse an owner past their holding limit
    place: Callable[[Customer, datetime], None]  # a new owned customer's pool and clocks, before it is saved
    owner_set: Callable[..., None]  # (*, actor, customer, previous_owner_id, note): status and clocks
    followed_up: Callable[[Customer], None]  # the no-follow-up clock starts again
    pooled: Callable[[User], QuerySet[Customer]]  # the unowned customers of the pools the actor sees
    conflict_open: Callable[..., Any]  # (*, actor, customer, match, attempted): a conflict case (撞单)
    # (*, owner) → how many more customers the owner may be given now; like ``capacity_check`` it locks the
    # owner until the transaction ends (registering customers by the hundred: one count per batch)
    capacity_left: Callable[..., int]


_ownership: list[Ownership] = []
# (*, customer, owner, actor): after a customer changed hands (activities: its open plans follow)
OWNER_CHANGED: list[Callable[..., object]] = []
# (*, actor, customer): after a customer's level changed (activities: the next plan moves within the interval)
LEVEL_CHANGED: list[Callable[..., object]] = []
# (customer) → why it cannot be deleted, or "" (sales: it has contracts or orders)
DELETE_GUARDS: list[Callable[[Customer], str]] = []


def register_ownership(rules: Ownership) -> None:
    _ownership[:] = [rules]


def ownership() -> Ownership:
    if not _ownership:
        raise ImproperlyConfigured("The public pool (guanxi.pool) registers the ownership rules; it is not installed.")
    return _ownership[0]


def owner_changed(*, customer: Customer, owner: User, actor: User | None) -> None:
    for step in OWNER_CHANGED:
        step(customer=customer, owner=owner, actor=actor)


def delete_refusal(customer: Customer) -> str:
    """Why the customer cannot be deleted (every registered guard's reason), or ""."""
    return " ".join(filter(None, (guard(customer) for guard in DELETE_GUARDS)))


def level_changed(*, actor: User | None, customer: Customer) -> None:
    for step in LEVEL_CHANGED:
        step(actor=actor, customer=customer)


# (*, actor, customer): a customer's detail page or API record is opened (the pool: the daily viewing limit,
# which refuses with a DomainError of code ``view_limit``)
DETAIL_OPENED: list[Callable[..., object]] = []


def detail_opened(*, actor: User, customer: Customer) -> None:
    for step in DETAIL_OPENED:
        step(actor=actor, customer=customer)
