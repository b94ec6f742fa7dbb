"""Care rules (客户关怀, SPEC §10.4): the occasions of each rule within its days ahead — contacts' birthdays
(solar, or lunar: the solar date recomputed each year), public holidays (the service calendar's), purchase
anniversaries, the first service N days after delivery, usage milestones of a numeric custom field — each
planned once for the customer's owner with the rule's message. ``care_scan`` is the daily sweep; a re-run or
a second worker plans nothing twice (the occasion's unique constraint)."""

from __future__ import annotations

from calendar import isleap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from lunardate import LunarDate

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.custom_fields import custom_fields_for
from guanxi.core.errors import NotPermitted
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.records import stale
from guanxi.customers.models import Contact, Customer, Level, Lifecycle
from guanxi.org.models import BusinessUnit, User
from guanxi.sales.orders.models import DEAL_STATUSES, Order
from guanxi.service.workcalendar import holidays_starting

from .models import CareKind, CareOccasion, CareRule

DUE_HOUR = 10  # the plan is due at ten on the occasion's day (the milestone's: the day the rule says)
MAX_THRESHOLDS = 10
RULE_FIELDS = ["name", "kind", "days_ahead", "template", "days_after", "field_key", "thresholds", "levels", "active"]


# --- lunar birthdays ---------------------------------------------------------------------------------------


def lunar_birthday(born: date, year: int) -> date | None:
    """The solar date of the lunar birthday of someone born on the solar date ``born``, in the lunar year
    ``year``. Born in a leap month: the leap month when that year has it, else the ordinary month of the same
    number (as people keep it). Born on the 30th of a month that has 29 days this year: its 29th. None
    outside the calendar's years (1900–2099)."""
    try:
        lunar = LunarDate.from_solar_date(born.year, born.month, born.day)
    except ValueError:
        return None
    leap = bool(lunar.is_leap_month) and LunarDate.leap_month_for_year(year) == lunar.month
    for day in (lunar.day, lunar.day - 1):
        try:
            return LunarDate(year, lunar.month, day, leap).to_solar_date()
        except ValueError:
            continue
    return None


def solar_birthday(born: date, year: int) -> date:
    """29 February birthdays fall on 28 February in other years."""
    if born.month == 2 and born.day == 29 and not isleap(year):
        return date(year, 2, 28)
    return born.replace(year=year)


def birthday_between(born: date, lunar: bool, start: date, end: date) -> date | None:
    """The birthday (solar or lunar) that falls between ``start`` and ``end``, if one does."""
    for year in range(start.year - 1, end.year + 1):  # a lunar year starts in the solar January or February
        day = lunar_birthday(born, year) if lunar else solar_birthday(born, year)
        if day is not None and start <= day <= end and day > born:
            return day
    return None


# --- the occasions of a rule -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occasion:
    customer_id: int
    key: str
    on: date
    what: str  # in the plan's subject: the contact, the holiday, the milestone
    contact_id: int | None = None


def _customers(rule: CareRule) -> QuerySet[Customer]:
    rows = Customer.objects.filter(business_unit_id=rule.business_unit_id, status=Lifecycle.WON, owner__isnull=False)
    return rows.filter(level__in=rule.levels) if rule.levels else rows


HOLIDAY_NAMES = {
    "new_years_day": "元旦 New Year's Day",
    "spring_festival": "春节 Spring Festival",
    "tomb_sweeping_day": "清明节 Tomb-sweeping Day",
    "labour_day": "劳动节 Labour Day",
    "dragon_boat_festival": "端午节 Dragon Boat Festival",
    "national_day": "国庆节 National Day",
    "mid_autumn_festival": "中秋节 Mid-autumn Festival",
}


def occasions(rule: CareRule, today: date) -> Iterator[Occasion]:
    """Every occasion of the rule from ``today`` to ``days_ahead`` days on."""
    end = today + timedelta(days=rule.days_ahead)
    customers = _customers(rule)
    if rule.kind == CareKind.BIRTHDAY:
        contacts = Contact.objects.filter(customer__in=customers, birthday__isnull=False)
        for pk, customer_id, name, born, lunar in contacts.values_list(
            "pk", "customer_id", "name", "birthday", "birthday_is_lunar"
        ).iterator(chunk_size=2000):
            day = birthday_between(born, lunar, today, end)
            if day is not None:
                yield Occasion(customer_id, f"birthday:{pk}:{day.year}", day, name, pk)
    elif rule.kind == CareKind.HOLIDAY:
        for day, code in holidays_starting(today, end):
            for customer_id in customers.values_list("pk", flat=True).iterator(chunk_size=2000):
                yield Occasion(customer_id, f"holiday:{code}:{day.year}", day, HOLIDAY_NAMES.get(code, code))
    elif rule.kind == CareKind.ANNIVERSARY:
        firsts = (
            Order.objects.filter(customer__in=customers, status__in=DEAL_STATUSES)
            .values("customer_id")
            .annotate(first=Min("ordered_on"))
        )
        for row in firsts.iterator(chunk_size=2000):
            day = birthday_between(row["first"], False, today, end)
            if day is not None:
                years = day.year - row["first"].year
                yield Occasion(row["customer_id"], f"anniversary:{day.year}", day, str(years))
    elif rule.kind == CareKind.FIRST_SERVICE:
        after = timedelta(days=rule.days_after or 0)
        orders = Order.objects.filter(
            customer__in=customers,
            status__in=DEAL_STATUSES,
            delivery_on__gte=today - after,
            delivery_on__lte=end - after,
        )
        for pk, customer_id, number, delivered in orders.values_list("pk", "customer_id", "number", "delivery_on"):
            yield Occasion(customer_id, f"first_service:{pk}", delivered + after, number)
    elif rule.kind == CareKind.MILESTONE and rule.field_key:
        thresholds = sorted(Decimal(str(value)) for value in rule.thresholds)
        rows = customers.filter(custom__has_key=rule.field_key).values_list("pk", "custom")
        for customer_id, custom in rows.iterator(chunk_size=2000):
            try:
                reached = Decimal(str(custom.get(rule.field_key)))
            except (InvalidOperation, TypeError, ValueError):
                continue
            for threshold in thresholds:
                if reached >= threshold:  # each milestone once, the earlier ones too when a reading jumps
                    yield Occasion(customer_id, f"milestone:{rule.field_key}:{threshold}", end, f"{threshold:,.0f}")


def _due(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(DUE_HOUR)))


def render_template(template: str, *, customer: str, occasion: str, day: date) -> str:
    """The rule's message with {customer}, {occasion} and {date} filled in (unknown names left as typed)."""

    class Safe(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return template.format_map(Safe(customer=customer, occasion=occasion, date=day.isoformat()))
    except (ValueError, IndexError):
        return template


def care_scan(at: datetime) -> dict[str, int]:
    """Plan every occasion of every active rule that falls within its days ahead, once."""
    from guanxi.activities.models import Plan, PlanKind
    from guanxi.activities.services import plan_insert

    today = timezone.localdate(at)
    planned = 0
    for rule in CareRule.objects.filter(active=True).order_by("pk"):
        batch: list[Occasion] = []
        for occasion in occasions(rule, today):
            batch.append(occasion)
            if len(batch) >= 500:
                planned += _plan_batch(rule, batch, at, plan_insert, PlanKind, Plan.Origin)
                batch = []
        if batch:
            planned += _plan_batch(rule, batch, at, plan_insert, PlanKind, Plan.Origin)
    return {"planned": planned}


@transaction.atomic
def _plan_batch(rule: CareRule, batch: list[Occasion], at: datetime, plan_insert: Any, kinds: Any, origins: Any) -> int:
    """Insert the occasions (a conflict means another run planned it), then plan those this run inserted."""
    now = timezone.now()
    CareOccasion.objects.bulk_create(
        [CareOccasion(rule=rule, customer_id=o.customer_id, key=o.key, occurs_on=o.on, created_at=now) for o in batch],
        ignore_conflicts=True,
    )
    mine = {
        (row.customer_id, row.key): row
        for row in CareOccasion.objects.filter(
            rule=rule, customer_id__in={o.customer_id for o in batch}, created_at=now, plan__isnull=True
        )
    }
    customers = Customer.objects.select_related("owner").in_bulk({o.customer_id for o in batch})
    planned = 0
    for occasion in batch:
        row = mine.get((occasion.customer_id, occasion.key))
        customer = customers.get(occasion.customer_id)
        if row is None or customer is None or customer.owner is None:
            continue
        message = render_template(rule.template, customer=customer.name, occasion=occasion.what, day=occasion.on)
        plan = plan_insert(
            actor=None, subject=f"{rule.name} · {occasion.what}"[:200],
            due_at=_due(max(occasion.on, timezone.localdate(at))),
            owner=customer.owner, customer=customer, kind=kinds.CALL, script=message, origin=origins.TEMPLATE,
            contact=Contact.objects.filter(pk=occasion.contact_id).first() if occasion.contact_id else None,
        )  # fmt: skip
        CareOccasion.objects.filter(pk=row.pk).update(plan=plan)
        planned += 1
    return planned


# --- editing the rules -------------------------------------------------------------------------------------


def _clean(unit: BusinessUnit, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {name: data.get(name) for name in RULE_FIELDS if name in data}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    kind = values.get("kind")
    if kind not in CareKind.values:
        errors["kind"] = [_("Choose an occasion from the list.")]
    ahead = values.get("days_ahead")
    if not isinstance(ahead, int) or ahead <= 0 or ahead > 60:
        errors["days_ahead"] = [_("Plan between 1 and 60 days ahead.")]
    template = str(values.get("template") or "").strip()
    if not template:
        errors["template"] = [_("Write the message the owner will send.")]
    days_after = values.get("days_after")
    if kind == CareKind.FIRST_SERVICE and (not isinstance(days_after, int) or days_after <= 0 or days_after > 3650):
        errors["days_after"] = [_("Say how many days after delivery (1 to 3650).")]
    thresholds = values.get("thresholds") or []
    field_key = str(values.get("field_key") or "")
    if kind == CareKind.MILESTONE:
        numeric = {
            field.key for field in custom_fields_for(Customer, unit=unit.pk) if field.type in ("number", "money")
        }
        if field_key not in numeric:
            errors["field_key"] = [_("Choose a numeric custom field of the customers.")]
        try:
            cleaned = sorted({Decimal(str(value)) for value in thresholds})
        except (InvalidOperation, TypeError, ValueError):
            cleaned = []
        if not cleaned or any(value <= 0 for value in cleaned) or len(cleaned) > MAX_THRESHOLDS:
            errors["thresholds"] = [_("Give 1 to 10 milestones above zero, e.g. 50000, 100000, 150000.")]
        thresholds = [int(value) if value == value.to_integral() else float(value) for value in cleaned]
    levels = [level for level in (values.get("levels") or []) if level]
    if any(level not in Level.values for level in levels):
        errors["levels"] = [_("Choose levels from the list.")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:100], "kind": kind, "days_ahead": ahead, "template": template[:1000],
        "days_after": days_after if kind == CareKind.FIRST_SERVICE else None,
        "field_key": field_key if kind == CareKind.MILESTONE else "",
        "thresholds": thresholds if kind == CareKind.MILESTONE else [], "levels": levels,
        "active": bool(values.get("active", True)),
    }  # fmt: skip


def _check_unit(actor: User, unit: BusinessUnit) -> None:
    require_perm(actor, "retention_settings.configure")
    if not _unit_allowed(actor, unit.pk):
        raise NotPermitted(_("You do not configure this business unit."))


def _unit_allowed(actor: User, unit_id: int) -> bool:
    from guanxi.core.config.parameters import parameter_units

    return unit_id in {unit.pk for unit in parameter_units(actor=actor)}


@transaction.atomic
def care_rule_create(*, actor: User, unit: BusinessUnit, data: Mapping[str, Any]) -> CareRule:
    _check_unit(actor, unit)
    rule = CareRule(business_unit=unit, **_clean(unit, data))
    rule.save()
    audit_log(actor=actor, action=Action.CREATE, obj=rule, changes=diff({}, snapshot(rule, RULE_FIELDS)))
    return rule


@transaction.atomic
def care_rule_update(*, actor: User, rule: CareRule, version: int, data: Mapping[str, Any]) -> CareRule:
    unit = BusinessUnit.objects.get(pk=rule.business_unit_id)
    _check_unit(actor, unit)
    row = CareRule.objects.select_for_update().get(pk=rule.pk)
    if row.version != version:
        raise stale(row)
    before = snapshot(row, RULE_FIELDS)
    merged = {**{name: getattr(row, name) for name in RULE_FIELDS}, **data}
    for name, value in _clean(unit, merged).items():
        setattr(row, name, value)
    row.version = F("version") + 1
    row.save()
    row.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=diff(before, snapshot(row, RULE_FIELDS)))
    return row


@transaction.atomic
def care_rule_delete(*, actor: User, rule: CareRule) -> None:
    _check_unit(actor, BusinessUnit.objects.get(pk=rule.business_unit_id))
    audit_log(actor=actor, action=Action.DELETE, obj=rule)
    rule.delete()


def may_configure(actor: User) -> bool:
    return has_perm(actor, "retention_settings.configure")
