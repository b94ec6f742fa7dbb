"""The daily viewing limit (公海每日查看量): how many pool customers' detail pages a person may open a day, so
nobody reads the whole pool to pick the best customers before the others can. Lists stay visible, masked.

The limit is a parameter of the unit (``pool.daily_views``, 0: off, the default) that a role, a department
or one user may override (``ViewLimit``). The day is the company's (``TIME_ZONE``, Asia/Shanghai): the count
starts again at midnight there. Re-opening a customer already opened today does not count; pool
administrators (``pool.configure``) are exempt, as are the customers one owns or sees through one's scope.

The database decides the count (``PoolView``): one row per user, day and customer, and each new customer of
the day takes the next slot number under a unique constraint, so two pages opened at the same moment cannot
both take the last slot. The check is one indexed query, and an insert when the customer is new today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import DomainError
from guanxi.core.permissions import grants_of, has_perm
from guanxi.core.scope import Scope
from guanxi.customers.models import Customer
from guanxi.org.models import User

from .models import PoolView, ViewLimit
from .rules import _department_ids, unit_parameters


def company_day(now: datetime | None = None) -> date:
    """Today in the company's time zone: the viewing count starts again at its midnight."""
    return timezone.localdate(now or timezone.now())


def daily_views_of(user: User, parameters: dict[str, Any] | None = None) -> int:
    """The user's daily viewing limit (0: none): their own override, else their nearest department's, else
    the most generous of their roles' (0 counts as the most generous), else the unit's parameter."""
    if user.business_unit_id is None:
        return 0
    return _limit_of(user, list(_overrides(user).values_list("user_id", "department_id", "role_id", "daily_views")),
                     parameters)  # fmt: skip


def _overrides(user: User) -> QuerySet[ViewLimit]:
    """The ``ViewLimit`` rows that may apply to the user (the roles are read once per request: no join)."""
    nearest = _department_ids(user.department)
    return ViewLimit.objects.filter(business_unit_id=user.business_unit_id).filter(
        Q(user=user) | Q(department_id__in=nearest) | Q(role_id__in=grants_of(user).role_ids)
    )


def _limit_of(user: User, rows: list[tuple[Any, ...]], parameters: dict[str, Any] | None = None) -> int:
    """The most specific of the user's overrides (user, department, role ids and daily views), else the unit's
    parameter."""
    for user_id, _department, _role, views in rows:
        if user_id:
            return int(views)
    departments = {department_id: views for _user, department_id, _role, views in rows if department_id}
    for department_id in _department_ids(user.department):
        if department_id in departments:
            return int(departments[department_id])
    roles = [int(views) for _user, _department, role_id, views in rows if role_id]
    if roles:
        return 0 if 0 in roles else max(roles)
    unit = parameters if parameters is not None else unit_parameters(user.business_unit_id)
    return int(unit["pool.daily_views"])


@dataclass(frozen=True)
class ViewStanding:
    """How many pool customers the user opened today against their limit (None: no limit)."""

    viewed: int
    limit: int | None


def _exempt(actor: User) -> bool:
    return has_perm(actor, "pool.configure")


def view_standing(actor: User, now: datetime | None = None) -> ViewStanding | None:
    """For the pool page's "viewed x / n today"; None when no limit applies to the actor."""
    if _exempt(actor):
        return None
    limit = daily_views_of(actor)
    if not limit:
        return None
    return ViewStanding(PoolView.objects.filter(user=actor, day=company_day(now)).count(), limit)


def _in_own_scope(actor: User, customer: Customer) -> bool:
    """Does the actor's own data scope show this unowned customer? Only a unit-wide or group-wide scope does
    (the narrower ones follow the owner, and a pool customer has none): decided without a query."""
    scope = grants_of(actor).scope("customers")
    return scope == Scope.ALL or (scope == Scope.UNIT and customer.business_unit_id == actor.business_unit_id)


def customer_viewed(*, actor: User, customer: Customer, now: datetime | None = None) -> None:
    """The actor opens a customer's detail page (page or API): count it if it lies in a pool and is new to
    the actor today, or refuse with ``view_limit`` when the day's limit is reached. One query reads the
    overrides that may apply with today's count (all a re-view needs); a new customer adds one insert."""
    if customer.owner_id is not None or customer.pool_id is None or _exempt(actor) or actor.business_unit_id is None:
        return
    if _in_own_scope(actor, customer):
        return  # a customer the actor's own scope shows (a unit head sees the unit's pool)
    now = now or timezone.now()
    day = company_day(now)
    limit: int | None = None
    for _attempt in range(3):
        overrides, viewed, seen = _overrides_and_today(actor, customer, day)
        if limit is None:
            limit = _limit_of(actor, overrides)
        if not limit or seen:
            return  # no limit, or re-opening one already seen today, which does not count
        if viewed >= limit:
            raise DomainError(
                _(
                    "You have opened %(limit)d pool customers today, your daily limit. Claim the ones you want, "
                    "or open more tomorrow."
                )
                % {"limit": limit},
                code="view_limit",
            )
        if _take_slot(actor, customer, day, viewed + 1, now):
            return
        # another page of the same person took this slot (or this customer) just now: count again
    raise DomainError(_("Too many pages opened at once; try again."), code="view_limit")


def _overrides_and_today(actor: User, customer: Customer, day: date) -> tuple[list[tuple[Any, ...]], int, bool]:
    """In one statement: the overrides that may apply to the actor (as ``_overrides`` selects them), and how
    many pool customers they opened today and whether this one is among them (the row marked 1). Written
    as SQL: the ORM's compiling of the same union cost more than the query on a detail page."""
    ops = connection.ops
    limits, views = ViewLimit._meta.db_table, PoolView._meta.db_table
    targets, params = ["user_id = %s"], [actor.pk]
    for column, ids in (("department_id", _department_ids(actor.department)), ("role_id", grants_of(actor).role_ids)):
        if ids:
            targets.append(f"{column} IN ({', '.join(['%s'] * len(ids))})")
            params += list(ids)
    sql = (
        f"SELECT 0, user_id, department_id, role_id, daily_views FROM {ops.quote_name(limits)}"
        f" WHERE business_unit_id = %s AND ({' OR '.join(targets)})"
        " UNION ALL SELECT 1, NULL, NULL, COUNT(*) FILTER (WHERE customer_id = %s), COUNT(*)"
        f" FROM {ops.quote_name(views)} WHERE user_id = %s AND day = %s"
    )
    found, viewed, seen = [], 0, False
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor.business_unit_id, *params, customer.pk, actor.pk, ops.adapt_datefield_value(day)])
        for today, *row in cursor.fetchall():
            if today:
                viewed, seen = int(row[3]), bool(row[2])
            else:
                found.append(tuple(row))
    return found, viewed, seen


def _take_slot(actor: User, customer: Customer, day: date, slot: int, now: datetime) -> bool:
    """Insert the day's view in the next slot unless a unique constraint says it is taken. ON CONFLICT DO
    NOTHING rather than a savepoint around an insert that may fail: one statement instead of three, on
    PostgreSQL and SQLite alike."""
    ops, meta = connection.ops, PoolView._meta
    column = {field.name: field.column for field in meta.concrete_fields}
    columns = ", ".join(ops.quote_name(column[name]) for name in ("user", "customer", "day", "slot", "at"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s)"
            f" ON CONFLICT DO NOTHING RETURNING {ops.quote_name(meta.pk.column)}",
            [actor.pk, customer.pk, ops.adapt_datefield_value(day), slot, ops.adapt_datetimefield_value(now)],
        )
        return cursor.fetchone() is not None


def register() -> None:
    """The unit's parameter; the customers' detail page and API call ``customer_viewed`` by name."""
    from guanxi.core.config.parameters import register_parameter
    from guanxi.customers import hooks

    register_parameter(
        "pool.daily_views",
        gettext_lazy("Pool customers a person may open per day"),
        "int",
        0,
        min=0,
        max=100000,
        group="pool",
        help=gettext_lazy("0: no limit. Roles, departments and people may have their own in the pool settings."),
    )
    hooks.DETAIL_OPENED[:] = [customer_viewed]
