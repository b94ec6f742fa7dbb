"""The demo company's public pool: a department pool for East China, customers in the pool for every
reason (returned by hand with each dictionary reason, returned automatically, a former won customer, an
individual), a few owned ones due within days, a locked one, and one open conflict case. Each happened on its
own day of the past weeks (see ``core.demo``'s clock), as the nightly sweep did. Safe to run again."""

import random
from contextlib import suppress
from datetime import datetime, time, timedelta
from typing import TextIO

from django.utils import timezone

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.demo import as_of, office_moment
from guanxi.core.errors import DomainError
from guanxi.customers.models import Customer
from guanxi.org.models import Department, User

from . import configuration as pool_admin
from . import services as pool
from .lifecycle import Event, customer_lifecycle_event
from .models import ConflictCase, Pool
from .sweep import SweepResult, reclaim

SWEPT_NIGHTS = 30  # the nightly sweep ran on each of these past nights


def load(out: TextIO) -> None:
    """Runs after the customers' demo (INSTALLED_APPS order): a department pool, returns and a conflict."""
    if Pool.objects.filter(name=DEPARTMENT_POOL).exists() or not Customer.objects.exists():
        out.write("Demo pool: already there.\n")
        _product_lines(out)
        return
    people = {user.username: user for user in User.objects.filter(username__in=_NAMES)}
    if len(people) < len(_NAMES):
        out.write("Demo pool: the demo people are missing, skipped.\n")
        return
    east = Department.objects.filter(name="华东大区").first()
    if east and not Pool.objects.filter(department=east).exists():
        pool_admin.pool_save(
            actor=people["unitadmin"],
            pool=None,
            department=east,
            data={"name": DEPARTMENT_POOL, "no_followup_days": 20, "hidden_fields": ["address", "wechat"]},
        )
    rng = random.Random(2028)
    # the customers their owners neglected (see the follow-ups' demo) went back on the night they were due
    summary = SweepResult()
    for night in _nights(SWEPT_NIGHTS):
        with as_of(night):
            swept = reclaim(night)
        summary.returned += swept.returned
        summary.warned += swept.warned
        summary.recomputed += swept.recomputed
    summary.returned += reclaim(timezone.now()).returned  # due since last night: nothing is overdue at start
    reasons = [code for code, _label in dictionary_choices("return_reason")]
    returned = 0
    for number, customer in enumerate(_owned_by(people["sales4"], 12) + _owned_by(people["sales3"], 12)):
        assert customer.owner is not None
        with as_of(_after_last_touch(rng, customer)):
            pool.customer_return(actor=customer.owner, customer=customer, reason=reasons[number % len(reasons)])
        returned += 1
    won = _owned_by(people["sales3"], 1)[0]
    with as_of(_after_last_touch(rng, won)):
        customer_lifecycle_event(customer=won, event=Event.FIRST_ORDER, actor=people["sales3"])
        pool.customer_return(actor=people["sales3"], customer=won, reason="competitor_won")
    locked = _owned_by(people["sales2"], 1)[0]
    with as_of(_after_last_touch(rng, locked)):
        pool.customer_lock(actor=people["sh.manager"], customer=locked, note="重点跟进项目")
    # sales2 registers a customer sales1 already holds: an open conflict for the manager
    held = _owned_by(people["sales1"], 1, skip=4)[0]
    from guanxi.customers.services import customer_create

    with suppress(DomainError), as_of(_after_last_touch(rng, held, within=3)):
        customer_create(actor=people["sales2"], data={"name": held.name, "kind": "company"})
    out.write(
        f"Demo pool: {returned + 1} customers returned by hand, {summary}; 1 locked; "
        f"{ConflictCase.objects.count()} open conflict.\n"
    )
    _product_lines(out)


def _product_lines(out: TextIO) -> None:
    """Customers of three product lines, and the East China pool's rule for printers: a printer customer
    returns after 12 days without a follow-up (their buyers decide fast), the others after the pool's 20."""
    from guanxi.customers.services import customer_update

    east = Pool.objects.filter(name=DEPARTMENT_POOL).first()
    admin = User.objects.filter(username="unitadmin").first()
    if east is None or admin is None or east.line_rules:
        return
    lines = ["printer", "computer", "office_supplies"]
    rows = Customer.objects.filter(business_unit_id=east.business_unit_id, product_line="").order_by("pk")[:200]
    recent = timezone.now() - timedelta(days=11)  # a printer customer held longer untouched would be due at once

    def fresh(customer: Customer) -> bool:
        start = max(filter(None, [customer.claimed_at, customer.last_followup_at]), default=None)
        return customer.owner_id is None or customer.locked_at is not None or (start is not None and start > recent)

    customers = [customer for customer in rows if fresh(customer)][:90]
    for index, customer in enumerate(customers):
        with suppress(DomainError), as_of(customer.updated_at):  # set when it was last changed anyway
            customer_update(
                actor=admin, customer=customer, version=customer.version, data={"product_line": lines[index % 3]}
            )
    pool_admin.pool_line_rule_save(actor=admin, pool=east, line="printer", no_followup_days=12, no_deal_days=None)
    out.write(f"Demo pool: {len(customers)} customers given product lines; printers return after 12 days in {east}.\n")


DEPARTMENT_POOL = "华东大区公海"
_NAMES = ["unitadmin", "sales1", "sales2", "sales3", "sales4", "sh.manager"]


def _after_last_touch(rng: random.Random, customer: Customer, *, within: int = 45) -> datetime:
    """An office moment of a weekday after the customer's registration, claim and follow-ups, before today and
    before its expiry, within the last ``within`` days; just after the last touch when it left no such day."""
    touched = max(moment for moment in (customer.created_at, customer.claimed_at, customer.last_followup_at) if moment)
    last = timezone.localdate() - timedelta(days=1)
    if customer.expires_at is not None:  # before the sweep would have taken it back
        last = min(last, timezone.localdate(customer.expires_at) - timedelta(days=1))
    first = max(timezone.localdate(touched) + timedelta(days=1), last - timedelta(days=within))
    if first > last:
        return min(touched + timedelta(minutes=30), timezone.now() - timedelta(minutes=1))
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    while day.weekday() >= 5 and day > first:
        day -= timedelta(days=1)
    return office_moment(rng, day)


def _nights(count: int) -> list[datetime]:
    """The sweep's hour (02:00, company time) on each of the last ``count`` nights up to last night, oldest first."""
    today = timezone.localdate()
    nights = [timezone.make_aware(datetime.combine(today - timedelta(days=back), time(2, 0))) for back in range(count)]
    return sorted(night for night in nights if night < timezone.now())


def _owned_by(user: User, count: int, *, skip: int = 0) -> list[Customer]:
    rows = Customer.objects.filter(owner=user, locked_at__isnull=True).select_related("owner", "pool")
    return list(rows.order_by("pk")[skip : skip + count])
