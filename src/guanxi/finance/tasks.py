"""The overdue sweep (SPEC §8.1, §8.5): an unpaid plan is overdue from the morning after its due date (the
company's time zone); the sweep marks each plan once by a conditional UPDATE and reminds its owner and finance
once, so a re-run or a second worker does nothing twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job
from guanxi.core.notifications.services import Message, notify_each
from guanxi.core.scope import Scope
from guanxi.core.texts import Amount, Text
from guanxi.org.models import Role, User

from .models import PaymentPlan, PlanStatus

BATCH = 5000  # plans claimed (and reminded of) per transaction


def due(at: datetime) -> Q:
    """Open plans due before the day ``at`` falls on (company time), not yet marked."""
    today = timezone.localtime(at).date()
    return Q(due_on__lt=today, overdue_at__isnull=True) & ~Q(status=PlanStatus.RECEIVED)


def finance_people(unit_ids: set[int]) -> dict[int, list[User]]:
    """By unit: the active people who hold the finance desk (their unit's, or every unit's)."""
    roles = [role for role in Role.objects.all() if "finance.edit" in (role.permissions or [])]
    found: dict[int, list[User]] = defaultdict(list)
    for role in roles:
        people = User.objects.filter(roles=role, status=User.Status.ACTIVE).select_related("department")
        for person in people:
            unit = person.department.business_unit_id if person.department else None
            for unit_id in unit_ids:
                if (role.data_scope == Scope.ALL or unit == unit_id) and person not in found[unit_id]:
                    found[unit_id].append(person)
    return found


@job("payments_overdue")
def payments_overdue(at: datetime) -> str:
    marked = 0
    after: tuple[date, int] | None = None
    while batch := _due_batch(at, after):
        marked += _mark(at, [pk for _due_on, pk in batch])
        after = batch[-1]
    return f"{marked} payment plans overdue"


def _due_batch(at: datetime, after: tuple[date, int] | None) -> list[tuple[date, int]]:
    """The next plans to mark in the order of the sweep's index, from where the previous batch ended: a batch
    never walks again over the entries of the plans marked before it (in one transaction, as the benchmark
    runs the sweep, those stay in the index until it ends, and re-reading them made the sweep quadratic)."""
    plans = PaymentPlan.objects.filter(due(at))
    if after is not None:
        plans = plans.filter(due_on__gte=after[0]).exclude(due_on=after[0], pk__lte=after[1])
    return list(plans.order_by("due_on", "pk").values_list("due_on", "pk")[:BATCH])


class _Due(NamedTuple):
    """What a reminder of one plan just marked overdue says of it."""

    receivable_id: int
    receivable: str
    instalment: int
    customer: str
    outstanding: Decimal


@transaction.atomic
def _mark(at: datetime, ids: list[int]) -> int:
    """Mark these plans overdue and remind their owners and finance, each person once for all of them."""
    # the claim: a second sweep (or worker) finds these marked and reminds nobody again
    PaymentPlan.objects.filter(pk__in=ids).filter(due(at)).update(
        overdue_at=at, reminded_at=at, status=PlanStatus.OVERDUE, version=F("version") + 1
    )
    marked = list(
        PaymentPlan.objects.filter(pk__in=ids, overdue_at=at)
        .order_by()
        .values_list("pk", "owner_id", "receivable__business_unit_id")
    )
    if not marked:
        return 0
    owners = User.objects.in_bulk({owner for _pk, owner, _unit in marked})
    finance = finance_people({unit for _pk, _owner, unit in marked})
    by_person: dict[int, tuple[User, list[int]]] = {}
    for pk, owner, unit in marked:
        for person in [owners[owner], *finance.get(unit, [])]:
            by_person.setdefault(person.pk, (person, []))[1].append(pk)
    # a reminder of several plans counts them; only one of a single plan names it, its customer and amount
    named = _named({theirs[0] for _person, theirs in by_person.values() if len(theirs) == 1})
    notify_each(
        kind="payment_overdue", messages=[_news(person, theirs, named) for person, theirs in by_person.values()]
    )
    return len(marked)


def _named(ids: set[int]) -> dict[int, _Due]:
    """What the reminders of a single plan say of these plans (a few of a batch: the customers' names are read
    for them alone)."""
    if not ids:
        return {}
    rows = PaymentPlan.objects.filter(pk__in=ids).order_by().values_list(
        "pk", "receivable_id", "receivable__number", "number", "receivable__customer__name", "amount", "received"
    )  # fmt: skip
    return {
        pk: _Due(receivable_id, number, instalment, customer, amount - received)
        for pk, receivable_id, number, instalment, customer, amount, received in rows
    }


# the reminders written before the amount was a money parameter name it so, and are read in their reader's words
gettext_noop("Payment overdue: {number} instalment {instalment}, {customer}, ¥{amount}")


def _news(person: User, plans: list[int], named: dict[int, _Due]) -> Message:
    from django.urls import reverse

    if len(plans) == 1:
        plan = named[plans[0]]
        title = Text(gettext_noop("Payment overdue: {number} instalment {instalment}, {customer}, {amount}"),
                     number=plan.receivable, instalment=plan.instalment, customer=plan.customer,
                     amount=Amount(plan.outstanding))  # fmt: skip
        return Message(person, title, url=reverse("finance:receivable", args=[plan.receivable_id]))
    title = Text(gettext_noop("{count} payment plans became overdue"), count=len(plans))
    return Message(person, title, url=f"{reverse('finance:receivables')}?overdue=on")


@db_periodic_task(crontab(minute="5", hour="0"))
def payments_overdue_every_morning() -> None:
    run_job("payments_overdue")


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.core.notifications.kinds import register_kind

    register_kind("payment_overdue", gettext_lazy("A customer's payment is overdue"), default_email=True)
