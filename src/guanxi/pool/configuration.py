"""Configuring the public pools (SPEC §3.2): a pool per department with its own rules, the fields a pool
hides until claimed, and holding-limit overrides per department or user. For pool administrators
(``pool.configure``), within their business unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.customers.models import Customer
from guanxi.org.models import Department, Role, User

from .models import HoldingLimit, Pool, ViewLimit
from .rules import _department_ids, pool_refresh_expiry, unit_pool

RULE_FIELDS = ["no_followup_days", "no_deal_days", "warning_days", "cooldown_days", "daily_claims", "won_exempt"]
POOL_FIELDS = ["name", *RULE_FIELDS, "hidden_fields", "line_rules"]
LINE_RULE_FIELDS = ["no_followup_days", "no_deal_days"]
# Fields a pool may hide until a customer is claimed (phones and e-mail always are).
HIDEABLE = {
    "address": gettext_lazy("Address"),
    "wechat": gettext_lazy("WeChat"),
    "qq": gettext_lazy("QQ"),
    "website": gettext_lazy("Website"),
    "legal_representative": gettext_lazy("Legal representative"),
    "bank_account": gettext_lazy("Bank account"),
    "tax_number": gettext_lazy("Tax number"),
    "licence_number": gettext_lazy("Business licence number"),
}
LIMIT_FIELDS = ["holding_limit", "lock_limit", "won_counts"]
MINIMUM = {"no_followup_days": 1, "no_deal_days": 1, "warning_days": 0, "cooldown_days": 0, "daily_claims": 1}
LIMIT_MINIMUM = {"holding_limit": 1, "lock_limit": 0}


def _unit_of(actor: User) -> int:
    require_perm(actor, "pool.configure")
    if actor.business_unit_id is None:
        raise NotPermitted(_("You belong to no business unit."))
    return actor.business_unit_id


def pools_of_unit(*, actor: User) -> QuerySet[Pool]:
    unit = _unit_of(actor)
    unit_pool(unit)  # the unit's pool always exists
    return Pool.objects.filter(business_unit_id=unit).select_related("department").order_by("department__path")


def limits_of_unit(*, actor: User) -> QuerySet[HoldingLimit]:
    unit = _unit_of(actor)
    return HoldingLimit.objects.filter(business_unit_id=unit).select_related("department", "user")


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {name: data[name] for name in POOL_FIELDS if name in data}
    if "name" in values and not str(values["name"]).strip():
        errors["name"] = [_("Give the pool a name.")]
    for name, least in MINIMUM.items():
        if values.get(name) is not None and values[name] < least:
            errors[name] = [_("Must be at least %(min)s.") % {"min": least}]
    unknown = [field for field in values.get("hidden_fields", []) if field not in HIDEABLE]
    if unknown:
        errors["hidden_fields"] = [_("Unknown field: %(key)s.") % {"key": unknown[0]}]
    if "line_rules" in values:
        try:
            values["line_rules"] = _clean_line_rules(values["line_rules"])
        except DomainError as error:
            errors["line_rules"] = [str(error.message)]
    if errors:
        from django.core.exceptions import ValidationError

        raise ValidationError(errors)
    return values


def _clean_line_rules(raw: Any) -> dict[str, dict[str, int | None]]:
    """{product line code: {"no_followup_days": n | None, "no_deal_days": n | None}}: known lines of the
    dictionary, whole days of at least 1, at least one of them set."""
    from guanxi.core.config.dictionary import dictionary_labels

    if not isinstance(raw, dict):
        raise DomainError(_("Give the rules as product line → days."))
    known = dictionary_labels("product_line")
    cleaned: dict[str, dict[str, int | None]] = {}
    for line, days in raw.items():
        if line not in known:
            raise DomainError(_("Unknown product line: %(key)s.") % {"key": line})
        if not isinstance(days, dict) or set(days) - set(LINE_RULE_FIELDS):
            raise DomainError(_("Give the rules as product line → days."))
        values = {name: days.get(name) for name in LINE_RULE_FIELDS}
        for value in values.values():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise DomainError(_("Must be at least %(min)s.") % {"min": 1})
        if all(value is None for value in values.values()):
            raise DomainError(_("Set the days of the product line %(line)s.") % {"line": known[line]})
        cleaned[line] = values
    return cleaned


@transaction.atomic
def pool_line_rule_save(
    *, actor: User, pool: Pool, line: str, no_followup_days: int | None, no_deal_days: int | None
) -> Pool:
    """Set (or with both days empty, remove) the pool's rule for one product line; the expiry times of the
    pool's customers move at once."""
    from guanxi.core.config.dictionary import dictionary_labels

    _unit_of(actor)
    if line not in dictionary_labels("product_line"):
        raise DomainError(_("Unknown product line: %(key)s.") % {"key": line}, field="line")
    for name, value in (("no_followup_days", no_followup_days), ("no_deal_days", no_deal_days)):
        if value is not None and value < 1:
            raise DomainError(_("Must be at least %(min)s.") % {"min": 1}, field=name)
    rules = dict(pool.line_rules or {})
    if no_followup_days is None and no_deal_days is None:
        rules.pop(line, None)
    else:
        rules[line] = {"no_followup_days": no_followup_days, "no_deal_days": no_deal_days}
    return pool_save(actor=actor, pool=pool, data={"line_rules": rules})


@transaction.atomic
def pool_save(*, actor: User, pool: Pool | None, data: Mapping[str, Any], department: Department | None = None) -> Pool:
    """Create a department's pool (``pool`` None) or change a pool's name, rules and hidden fields. A new
    department pool takes over the customers owned in that department and the ones below it that no
    deeper pool governs; changed rules move the expiry times of the pool's customers at once."""
    unit = _unit_of(actor)
    values = _clean(data)
    if pool is None:
        if department is None or department.business_unit_id != unit:
            raise DomainError(_("Choose a department of your business unit."), field="department")
        pool = Pool(business_unit_id=unit, department=department)
        before: dict[str, Any] = {}
    else:
        if pool.business_unit_id != unit:
            raise NotPermitted(_("This pool belongs to another business unit."))
        before = snapshot(pool, POOL_FIELDS)
    for name, value in values.items():
        setattr(pool, name, value)
    created = pool.pk is None
    try:
        with transaction.atomic():
            pool.save()
    except IntegrityError as error:
        raise DomainError(_("This department already has a pool."), field="department") from error
    if created:
        _take_over(pool)
    pool_refresh_expiry(pool, force=created)
    audit_log(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=pool,
        changes=diff(before, snapshot(pool, POOL_FIELDS)),
    )
    return pool


def _take_over(pool: Pool) -> int:
    """The customers owned in the pool's department subtree, governed so far by a wider pool."""
    assert pool.department is not None
    wider = Pool.objects.filter(business_unit_id=pool.business_unit_id).filter(
        department_id__in=_department_ids(pool.department)[1:]
    ) | Pool.objects.filter(business_unit_id=pool.business_unit_id, department__isnull=True)
    deeper = Pool.objects.filter(department__path__startswith=pool.department.path).exclude(pk=pool.pk)
    owners = User.objects.filter(department__path__startswith=pool.department.path)
    moving = Customer.all_objects.filter(owner__in=owners.values("pk"), pool__in=wider.values("pk"))
    for deeper_pool in deeper.select_related("department"):
        assert deeper_pool.department is not None
        moving = moving.exclude(owner__department__path__startswith=deeper_pool.department.path)
    return moving.update(pool=pool)


@transaction.atomic
def holding_limit_save(
    *,
    actor: User,
    department: Department | None = None,
    user: User | None = None,
    values: Mapping[str, Any],
) -> HoldingLimit:
    """Set the holding and lock limits (and whether won customers count) of a department or one user."""
    unit = _unit_of(actor)
    if (department is None) == (user is None):
        raise DomainError(_("Choose a department or a salesperson."), field="department")
    if department is not None and department.business_unit_id != unit:
        raise DomainError(_("Choose a department of your business unit."), field="department")
    if user is not None and user.business_unit_id != unit:
        raise DomainError(_("Choose a colleague of your business unit."), field="user")
    cleaned = {name: values.get(name) for name in LIMIT_FIELDS}
    if all(value is None for value in cleaned.values()):
        raise DomainError(_("Set at least one limit."), field="holding_limit")
    for name, least in LIMIT_MINIMUM.items():
        value = cleaned[name]
        if value is not None and value < least:
            raise DomainError(_("Must be at least %(min)s.") % {"min": least}, field=name)
    row = HoldingLimit.objects.filter(business_unit_id=unit, department=department, user=user).first()
    before = snapshot(row, LIMIT_FIELDS) if row else {}
    row, created = HoldingLimit.objects.update_or_create(
        business_unit_id=unit, department=department, user=user, defaults=cleaned
    )
    action = Action.CREATE if created else Action.UPDATE
    audit_log(actor=actor, action=action, obj=row, changes=diff(before, snapshot(row, LIMIT_FIELDS)))
    return row


@transaction.atomic
def holding_limit_delete(*, actor: User, row: HoldingLimit) -> None:
    unit = _unit_of(actor)
    if row.business_unit_id != unit:
        raise NotPermitted(_("This limit belongs to another business unit."))
    audit_log(actor=actor, action=Action.DELETE, obj=row)
    row.delete()


# --- the daily viewing limit's overrides (公海每日查看量) ----------------------------------------------------


def view_limits_of_unit(*, actor: User) -> QuerySet[ViewLimit]:
    unit = _unit_of(actor)
    return ViewLimit.objects.filter(business_unit_id=unit).select_related("role", "department", "user")


@transaction.atomic
def view_limit_save(
    *,
    actor: User,
    daily_views: int | None,
    role: Role | None = None,
    department: Department | None = None,
    user: User | None = None,
) -> ViewLimit:
    """Set how many pool customers one role, one department (and those below it) or one user may open a day
    (0: no limit). Exactly one of them; roles of another unit, and its people, are refused."""
    unit = _unit_of(actor)
    if sum(target is not None for target in (role, department, user)) != 1:
        raise DomainError(_("Choose a role, a department or a salesperson."), field="role")
    if role is not None and role.business_unit_id not in (None, unit):
        raise DomainError(_("Choose a role of your business unit."), field="role")
    if department is not None and department.business_unit_id != unit:
        raise DomainError(_("Choose a department of your business unit."), field="department")
    if user is not None and user.business_unit_id != unit:
        raise DomainError(_("Choose a colleague of your business unit."), field="user")
    if daily_views is None or daily_views < 0:
        raise DomainError(_("Must be at least %(min)s.") % {"min": 0}, field="daily_views")
    row = ViewLimit.objects.filter(business_unit_id=unit, role=role, department=department, user=user).first()
    before = snapshot(row, ["daily_views"]) if row else {}
    row, created = ViewLimit.objects.update_or_create(
        business_unit_id=unit, role=role, department=department, user=user, defaults={"daily_views": daily_views}
    )
    action = Action.CREATE if created else Action.UPDATE
    audit_log(actor=actor, action=action, obj=row, changes=diff(before, snapshot(row, ["daily_views"])))
    return row


@transaction.atomic
def view_limit_delete(*, actor: User, row: ViewLimit) -> None:
    unit = _unit_of(actor)
    if row.business_unit_id != unit:
        raise NotPermitted(_("This limit belongs to another business unit."))
    audit_log(actor=actor, action=Action.DELETE, obj=row)
    row.delete()
