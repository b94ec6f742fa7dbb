"""The automatic return to the pool (自动回收, SPEC §3.2) as a sweep: exactly the customers due as of a moment
return to their pools with the reason recorded, owners are told, and owners of customers due within the
warning days hear it once per expiry time. Safe with any number of concurrent runs (DESIGN.md §Background
work): each batch claims its rows with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite runs one writer at a
time) and changes only rows whose state still says due; the statements are set-based, not per customer.
Owners are told in the transaction of the batch that moved their customers, so a sweep killed half-way and
run again neither loses nor repeats a notification."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_noop

from guanxi.core.bulk import among
from guanxi.core.notifications.services import Message, notify_each
from guanxi.core.texts import Text
from guanxi.customers.models import Customer
from guanxi.customers.selectors import days_to_expiry
from guanxi.org.models import User

from .models import Pool, PoolEvent, PoolWarning
from .rules import (
    DAY,
    Rules,
    expiry_reason,
    pool_refresh_expiry,
    pool_rules,
    unit_parameters,
    unit_pool,
)
from .services import customers_release_bulk

SWEEP_BATCH = 2000


# --- the sweep --------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """How many customers of one owner, and the first few (named in the notification)."""

    count: int = 0
    first: list[Customer] = field(default_factory=list)

    def add(self, customer: Customer) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(customer)


def _tally_by_owner(rows: list[Customer]) -> dict[int, Tally]:
    tallies: dict[int, Tally] = {}
    for row in rows:
        tallies.setdefault(row.owner_id or 0, Tally()).add(row)
    return tallies


@dataclass
class SweepResult:
    returned: int = 0
    warned: int = 0
    recomputed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.returned} customers returned to the pool, {self.warned} customers' owners warned, "
            f"{self.recomputed} expiry times recomputed"
        )


def reclaim(at: datetime) -> SweepResult:
    """Return every customer due as of ``at`` to its pool and warn owners of those due within K days.
    Safe with any number of concurrent runs: each batch claims its rows (FOR UPDATE SKIP LOCKED on
    PostgreSQL; SQLite runs one writer at a time) and writes only rows whose state still says due."""
    result = SweepResult()
    pools = list(Pool.objects.all())
    parameters: dict[int, dict[str, Any]] = {}
    rules: dict[int, Rules] = {}
    for pool in pools:
        unit = parameters.setdefault(pool.business_unit_id, unit_parameters(pool.business_unit_id))
        rules[pool.pk] = pool_rules(pool, unit)
        result.recomputed += pool_refresh_expiry(pool, rules[pool.pk])
    after: Customer | None = None
    while batch := _return_batch(at, rules, after):
        result.returned += len(batch)
        after = batch[-1]
    for pool in pools:
        if rules[pool.pk].warning_days:
            after = None
            while batch := _warn_batch(at, pool, rules[pool.pk], after):
                result.warned += len(batch)
                after = batch[-1]
    return result


def _due(at: datetime) -> QuerySet[Customer]:
    return Customer.objects.filter(expires_at__lte=at, owner__isnull=False, locked_at__isnull=True)


def _claim_rows(rows: QuerySet[Customer], after: Customer | None, *fields: str) -> list[Customer]:
    """The next batch in index order (expires_at, id), from just after the previous batch's last row: a
    batch never walks the index entries of the rows before it, which stay in the index until vacuumed
    (and, inside one enclosing transaction, cannot even be skipped). A row locked elsewhere is left to the
    next run, if it is still due then."""
    if after is not None:
        rows = rows.filter(expires_at__gte=after.expires_at).exclude(expires_at=after.expires_at, pk__lte=after.pk)
    rows = rows.order_by("expires_at", "pk").only("expires_at", *fields)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows[:SWEEP_BATCH])


@transaction.atomic
def _return_batch(at: datetime, rules: dict[int, Rules], after: Customer | None) -> list[Customer]:
    fields = [
        "name",
        "owner_id",
        "status",
        "pool_id",
        "claimed_at",
        "last_followup_at",
        "business_unit_id",
        "product_line",
    ]
    rows = _claim_rows(_due(at), after, *fields)
    if not rows:
        return rows
    customers_release_bulk(
        actor=None,
        customers=rows,
        rows=_due(at).filter(pk__in=among([row.pk for row in rows])),
        kind=PoolEvent.Kind.RECLAIM,
        reasons={row.pk: expiry_reason(row, rules.get(row.pool_id or 0) or _fallback_rules(row)) for row in rows},
        cause="reclaim_pool",
        at=at,
    )
    _tell_reclaimed(_tally_by_owner(rows))
    return rows


def _fallback_rules(row: Customer) -> Rules:
    return pool_rules(unit_pool(row.business_unit_id))


@transaction.atomic
def _warn_batch(at: datetime, pool: Pool, rules: Rules, after: Customer | None) -> list[Customer]:
    """Owners of customers due within the warning days hear it once per expiry time."""
    warned = PoolWarning.objects.filter(customer=OuterRef("pk"), expiry=OuterRef("expires_at"))
    due_soon = Customer.objects.filter(
        pool=pool,
        owner__isnull=False,
        locked_at__isnull=True,
        expires_at__gt=at,
        expires_at__lte=at + rules.warning_days * DAY,
    ).filter(~Exists(warned))
    rows = _claim_rows(due_soon, after, "name", "owner_id")
    if not rows:
        return rows
    PoolWarning.objects.bulk_create(
        [PoolWarning(customer_id=row.pk, expiry=row.expires_at or at) for row in rows],
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["expiry"],
    )
    _tell_warned(_tally_by_owner(rows), at)
    return rows


def _tell_reclaimed(tallies: dict[int, Tally]) -> None:
    """One notification per owner and batch: which of their customers returned."""
    owners = User.objects.in_bulk(list(tallies))
    messages = []
    for owner_id, tally in tallies.items():
        if owner_id in owners:
            names = "、".join(customer.name for customer in tally.first)
            title = Text(
                gettext_noop("{count} of your customers returned to the pool: {names}"), count=tally.count, names=names
            )
            one = tally.first[0] if tally.count == 1 else None
            messages.append(Message(owners[owner_id], title, url="" if one else _pool_url(), obj=one))
    notify_each(kind="pool_reclaimed", messages=messages)


def _tell_warned(tallies: dict[int, Tally], at: datetime) -> None:
    """One notification per owner and batch: which of their customers return soon."""
    owners = User.objects.in_bulk(list(tallies))
    messages = []
    for owner_id, tally in tallies.items():
        if owner_id not in owners:
            continue
        first = tally.first[0]
        if tally.count == 1:
            days = days_to_expiry(first.expires_at, at) or 0
            title = Text(
                gettext_noop("{name} returns to the pool in {days} days unless you follow up"),
                name=first.name,
                days=days,
            )
            messages.append(Message(owners[owner_id], title, obj=first))
        else:
            title = Text(
                gettext_noop("{count} of your customers return to the pool soon unless you follow up, first {name}"),
                count=tally.count,
                name=first.name,
            )
            messages.append(Message(owners[owner_id], title, url=_mine_expiring_url()))
    notify_each(kind="pool_expiry_warning", messages=messages)


def _pool_url() -> str:
    from django.urls import reverse

    return reverse("pool:pool")


def _mine_expiring_url() -> str:
    from django.urls import reverse

    return reverse("customers:list") + "?scene=expiring"
