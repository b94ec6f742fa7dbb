"""Every write on leads (SPEC §5): one transaction each, permission and scope first, full validation with
field messages, the duplicate check against leads and customers, assignment, optimistic locking, audit.
Conversion lives in ``conversion.py``, the public web forms in ``webforms.py``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.custom_fields import custom_values_clean
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, FieldErrors, NotPermitted
from guanxi.core.permissions import grants_of, has_perm, require_perm
from guanxi.core.records import RESTORE_DAYS, save_versioned
from guanxi.core.scope import Scope, owner_in_scope
from guanxi.core.texts import Text
from guanxi.customers import keys
from guanxi.customers.models import Customer
from guanxi.customers.partners import partner_validate
from guanxi.customers.regions.services import region_validate
from guanxi.customers.services import customer_duplicates, owner_label
from guanxi.org.models import Department, User

from .assignment import rule_matching, rule_next_owner
from .models import OPEN_STATUSES, AssignmentRule, Channel, Lead, LeadPool, LeadStatus
from .pools.services import lead_place, lead_place_default, lead_touched, pool_check

LEAD_FIELDS = [
    "name", "company", "position", "mobile", "phone", "email", "wechat", "qq", "source", "campaign",
    "product_line", "province", "city", "county", "address", "need", "remarks", "partner",
]  # fmt: skip
AUDITED_FIELDS = [*LEAD_FIELDS, "owner", "department", "status", "invalid_reason", "custom"]
SOURCE_TYPE = "customer_source"  # a lead's source becomes its customer's: one list for both


# --- rights on one lead ---------------------------------------------------------------------------------


def can_edit(actor: User, lead: Lead) -> bool:
    """The owner, or anyone whose scope is wider than their own records; each also needs ``leads.edit``.
    (The caller fetched the lead through the gate.)"""
    if not has_perm(actor, "leads.edit"):
        return False
    return lead.owner_id == actor.pk or grants_of(actor).scope("leads") not in (None, Scope.OWN)


def _require_visible(actor: User, lead: Lead) -> None:
    if not Lead.objects.visible_to(actor).filter(pk=lead.pk).exists():
        raise NotPermitted(_("This lead is outside your data scope."))


def _require_edit(actor: User, lead: Lead) -> None:
    require_perm(actor, "leads.edit")
    _require_visible(actor, lead)
    if not can_edit(actor, lead):
        raise NotPermitted(_("Only the lead's owner or their manager may change it."))


def _require_open(lead: Lead) -> None:
    if not lead.is_open:
        raise DomainError(
            _("This lead is %(status)s; it is kept as history and cannot be changed.")
            % {"status": lead.get_status_display()},
            code="lead_closed",
        )


# --- validation -----------------------------------------------------------------------------------------


def lead_clean(lead: Lead, *, current: Lead | None = None) -> None:
    """Everything the server checks before a lead is saved; every problem at once, per field."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for name in ("name", "company", "position", "wechat", "qq", "address", "campaign"):
        setattr(lead, name, (getattr(lead, name) or "").strip())
    lead.email = (lead.email or "").strip().lower()
    if not lead.name:
        refuse("name", _("This field is required."))
    for name, limit in (("need", 1000), ("remarks", 500)):  # a model's TextField does not check its length
        if len(getattr(lead, name) or "") > limit:
            refuse(name, _("Keep it to %(limit)d characters.") % {"limit": limit})
    if lead.mobile:
        try:
            lead.mobile = keys.normalise_phone(lead.mobile, mobile=True)
        except keys.BadPhone:
            refuse("mobile", _("Enter a real mobile number: 11 digits starting with 1, or +country code."))
    if lead.phone:
        try:
            lead.phone = keys.normalise_phone(lead.phone)
        except keys.BadPhone:
            refuse("phone", _("Enter a valid phone number, e.g. 13812345678 or 021-12345678."))
    if not any((lead.mobile, lead.phone, lead.email, lead.wechat, lead.qq)) and not errors.get("mobile"):
        refuse("mobile", _("Give at least one way to reach the lead: mobile, phone, e-mail, WeChat or QQ."))
    if lead.source:
        try:
            dictionary_validate(SOURCE_TYPE, lead.source, field="source", current=getattr(current, "source", None))
        except DomainError as error:
            refuse("source", str(error.message))
    if lead.product_line:
        try:
            current_line = getattr(current, "product_line", None)
            dictionary_validate("product_line", lead.product_line, field="product_line", current=current_line)
        except DomainError as error:
            refuse("product_line", str(error.message))
    try:
        partner_validate(lead.partner_id, unit_id=lead.business_unit_id)
    except DomainError as error:
        refuse("partner", str(error.message))
    try:
        lead.province, lead.city, lead.county = region_validate(
            province=lead.province, city=lead.city, county=lead.county, required_level=1
        )
    except DomainError as error:
        refuse(error.field or "province", str(error.message))
    try:
        lead.full_clean(
            exclude=[
                "number",
                "company_key",
                "business_unit",
                "department",
                "owner",
                "form",
                "customer",
                "contact",
                "partner",
            ]
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                if message not in errors.get(field, []):
                    refuse(field, message)
    if errors:
        raise ValidationError(errors)
    lead.company_key = keys.name_key(lead.company)[:60] if lead.company else ""


# --- duplicates (SPEC §5.2) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """An open lead or a customer that is probably the same prospect."""

    reason: str  # phone, email, company (a lead); name, similar_name, phone, tax_number (a customer)
    lead: Lead | None = None
    customer: Customer | None = None


def lead_duplicates(*, unit_id: int, lead: Lead, limit: int = 5) -> list[Match]:
    """Open leads of the unit with the same mobile or phone, e-mail or company, then customers that
    ``customers.services.customer_duplicates`` finds for the company name and phones."""
    found: list[Match] = []
    phones = [number for number in (lead.mobile, lead.phone) if number]
    others = Lead.objects.filter(business_unit_id=unit_id, status__in=OPEN_STATUSES)
    if lead.pk:
        others = others.exclude(pk=lead.pk)
    checks: list[tuple[str, Q]] = []
    if phones:
        checks.append(("phone", Q(mobile__in=phones) | Q(phone__in=phones)))
    if lead.email:
        checks.append(("email", Q(email=lead.email)))
    if lead.company_key:
        checks.append(("company", Q(company_key=lead.company_key)))
    seen: set[int] = set()
    for reason, condition in checks:  # each an indexed lookup
        for other in others.filter(condition).select_related("owner")[:limit]:
            if other.pk not in seen:
                seen.add(other.pk)
                found.append(Match(reason, lead=other))
    for duplicate in customer_duplicates(unit_id=unit_id, name=lead.company, phones=phones, limit=limit):
        found.append(Match(duplicate.reason, customer=duplicate.customer))
    return found[:limit]


def _lead_owner_label(actor: User | None, lead: Lead) -> str:
    if lead.owner is None:
        return str(_("nobody yet"))
    if actor is not None and Lead.objects.visible_to(actor).filter(pk=lead.pk).exists():
        return str(lead.owner)
    return str(lead.owner)[:1] + "**"


def match_message(actor: User | None, match: Match) -> str:
    if match.lead is not None:
        return _("This lead already exists: %(lead)s (%(number)s), owned by %(owner)s.") % {
            "lead": match.lead,
            "number": match.lead.number,
            "owner": _lead_owner_label(actor, match.lead),
        }
    assert match.customer is not None
    return _("This customer already exists: %(name)s (%(number)s), owned by %(owner)s.") % {
        "name": match.customer.name,
        "number": match.customer.number,
        "owner": owner_label(actor, match.customer) if actor is not None else "—",
    }


_MATCH_FIELD = {"phone": "mobile", "email": "email", "company": "company", "name": "company"}
_MATCH_FIELD |= {"similar_name": "company", "tax_number": "company"}


def _refuse_duplicates(actor: User, matches: list[Match]) -> None:
    if not matches:
        return
    first = matches[0]
    raise Conflict(
        match_message(actor, first),
        field=_MATCH_FIELD.get(first.reason, "name"),
        code="duplicate_lead" if first.lead is not None else "duplicate_customer",
    )


# --- create, update, delete -----------------------------------------------------------------------------


def _unit_of(actor: User) -> int:
    unit = actor.business_unit_id
    if unit is None:
        raise DomainError(_("You belong to no business unit; ask an administrator to place you in a department."))
    return unit


def _check_owner(actor: User, owner: User, unit_id: int) -> None:
    if not owner.is_active:
        raise DomainError(_("Choose an active colleague."), field="owner")
    if owner.business_unit_id != unit_id:
        raise DomainError(_("The new owner works in another business unit."), field="owner")
    if owner.pk != actor.pk:
        require_perm(actor, "leads.assign")
        if not owner_in_scope(actor, "leads", owner):
            raise DomainError(_("Choose a colleague within your data scope."), field="owner")


@transaction.atomic
def lead_create(
    *,
    actor: User,
    data: Mapping[str, Any],
    owner: User | None = None,
    by_rules: bool = False,
    channel: str = Channel.MANUAL,
    custom: Mapping[str, Any] | None = None,
    pool: LeadPool | None = None,
) -> Lead:
    """Enter a lead by hand or through the API. It belongs to ``owner`` (the actor by default), with
    ``by_rules`` to whoever the unit's assignment rules choose (or their fallback pool), or with ``pool``
    to nobody yet: it waits in that lead pool. A lead that is already open, or a customer that already
    exists, is refused with the match named (SPEC §5.2)."""
    require_perm(actor, "leads.create")
    unit = _unit_of(actor)
    if pool is not None:
        pool_check(actor, pool)
    lead = Lead(**{name: value for name, value in data.items() if name in LEAD_FIELDS})
    lead.business_unit_id = unit
    lead.channel = channel
    lead.created_by = actor
    errors = FieldErrors()
    with errors.check():
        lead_clean(lead)
    with errors.check():
        lead.custom = custom_values_clean(model=Lead, unit=unit, values=custom or {})
    errors.raise_any()
    if not by_rules and pool is None:
        _check_owner(actor, owner or actor, unit)
    _refuse_duplicates(actor, lead_duplicates(unit_id=unit, lead=lead))
    lead.number = number_next(kind="lead", prefix="XS", unit=unit)
    if by_rules:  # until a rule places it, the lead waits in the department of whoever entered it
        lead.department_id = actor.department_id
    lead.save()
    audit_log(actor=actor, action=Action.CREATE, obj=lead, changes=diff({}, snapshot(lead, AUDITED_FIELDS)))
    if pool is not None:
        lead_place(actor=actor, lead=lead, pool=pool)
    elif by_rules:
        lead_apply_rules(lead=lead, actor=actor)
    else:
        _give(actor, lead, owner or actor, note="")
    return lead


def lead_apply_rules(*, lead: Lead, actor: User | None, rule: AssignmentRule | None = None) -> User | None:
    """Give the lead to whom the rule (or the first matching rule of its unit) chooses. With no rule or
    nobody to deal to, the lead waits unassigned in the rule's department (or where it was)."""
    rule = rule or rule_matching(lead)
    if rule is None:
        lead_place_default(actor=actor, lead=lead)  # the unit's lead pool, where it has one
        return None
    owner = rule_next_owner(rule)
    if owner is None:
        if rule.department_id and lead.department_id != rule.department_id:
            Lead.objects.filter(pk=lead.pk).update(department_id=rule.department_id)
            lead.department_id = rule.department_id
        lead_place_default(actor=actor, lead=lead)
        return None
    _give(actor, lead, owner, note=_("Assigned by the rule “%(rule)s”.") % {"rule": rule.name})
    return owner


def _give(actor: User | None, lead: Lead, owner: User, *, note: str) -> None:
    previous = lead.owner_id
    now = timezone.now()
    department = owner.department_id or lead.department_id
    changed = Lead.objects.filter(pk=lead.pk, owner_id=previous).update(
        owner=owner, department_id=department, assigned_at=now, updated_at=now
    )
    if not changed:
        raise Conflict(_("Someone else assigned this lead just now; reload and try again."), code="stale_version")
    lead.owner, lead.department_id, lead.assigned_at, lead.updated_at = owner, department, now, now
    audit_log(actor=actor, action=Action.OWNERSHIP, obj=lead, changes={"owner": [previous, owner.pk]}, note=note)
    if actor is None or owner.pk != actor.pk:
        from guanxi.core.notifications.services import notify

        notify(
            recipients=[owner],
            kind="assignment",
            title=Text(gettext_noop("A new lead for you: %(lead)s"), lead=lead),
            url=reverse("leads:detail", args=[lead.pk]),
            obj=lead,
        )


@transaction.atomic
def lead_update(
    *,
    actor: User,
    lead: Lead,
    version: int,
    data: Mapping[str, Any],
    custom: Mapping[str, Any] | None = None,
) -> Lead:
    """Change an open lead's fields; a stale ``version`` is refused (409) naming who changed what."""
    _require_edit(actor, lead)
    current = Lead.objects.get(pk=lead.pk)
    _require_open(current)
    before = snapshot(current, AUDITED_FIELDS)
    for name, value in data.items():
        if name in LEAD_FIELDS:
            setattr(lead, name, value)
    errors = FieldErrors()
    with errors.check():
        lead_clean(lead, current=current)
    if custom is not None:
        with errors.check():
            lead.custom = custom_values_clean(
                model=Lead, unit=current.business_unit_id, values=custom, current=current.custom
            )
    errors.raise_any()
    probe = Lead(
        pk=lead.pk,
        mobile=lead.mobile if lead.mobile != current.mobile else "",
        phone=lead.phone if lead.phone != current.phone else "",
        email=lead.email if lead.email != current.email else "",
        company=lead.company if lead.company_key != current.company_key else "",
        company_key=lead.company_key if lead.company_key != current.company_key else "",
    )
    _refuse_duplicates(actor, lead_duplicates(unit_id=lead.business_unit_id, lead=probe))
    save_versioned(lead, expected_version=version, fields=[*LEAD_FIELDS, "company_key", "custom"])
    changes = diff(before, snapshot(lead, AUDITED_FIELDS))
    if changes:
        audit_log(actor=actor, action=Action.UPDATE, obj=lead, changes=changes)
    return lead


# Moves a person makes by hand; ``converted`` only comes from a conversion.
TRANSITIONS = {
    LeadStatus.NEW: {LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.INVALID},
    LeadStatus.CONTACTED: {LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.INVALID},
    LeadStatus.QUALIFIED: {LeadStatus.CONTACTED, LeadStatus.INVALID},
    LeadStatus.INVALID: {LeadStatus.NEW},
    LeadStatus.CONVERTED: set(),
}


@transaction.atomic
def lead_set_status(*, actor: User, lead: Lead, status: str, reason: str = "") -> Lead:
    """Move a lead along: contacted, qualified, invalid (with a reason), or back to new (reopen)."""
    _require_edit(actor, lead)
    current = Lead.objects.select_for_update().get(pk=lead.pk)
    if status not in TRANSITIONS.get(LeadStatus(current.status), set()):
        raise DomainError(
            _("A %(from)s lead cannot become %(to)s.")
            % {
                "from": current.get_status_display(),
                "to": LeadStatus(status).label if status in LeadStatus else status,
            },
            field="status",
            code="invalid_transition",
        )
    reason = reason.strip()
    if status == LeadStatus.INVALID and not reason:
        raise DomainError(_("Say why the lead is invalid."), field="reason")
    invalid_reason = reason[:200] if status == LeadStatus.INVALID else ""
    now = timezone.now()
    Lead.objects.filter(pk=lead.pk).update(status=status, invalid_reason=invalid_reason, updated_at=now)
    changes: dict[str, list[Any]] = {"status": [current.status, status]}
    if invalid_reason != current.invalid_reason:
        changes["invalid_reason"] = [current.invalid_reason, invalid_reason]
    audit_log(actor=actor, action=Action.UPDATE, obj=lead, changes=changes, note=reason[:500])
    lead.status, lead.invalid_reason, lead.updated_at = status, invalid_reason, now
    return lead


@transaction.atomic
def lead_assign(
    *, actor: User, leads: Iterable[Lead], owner: User | None = None, by_rules: bool = False, note: str = ""
) -> int:
    """Give open leads to a colleague, or let the assignment rules deal them out (bulk, by hand)."""
    require_perm(actor, "leads.assign")
    rows = list(leads)
    if not rows:
        raise DomainError(_("Choose the leads to assign."), field="ids")
    if owner is None and not by_rules:
        raise DomainError(_("Choose the new owner, or assign by the rules."), field="owner")
    visible = set(Lead.objects.visible_to(actor).filter(pk__in=[lead.pk for lead in rows]).values_list("pk", flat=True))
    if len(visible) != len({lead.pk for lead in rows}):
        raise NotPermitted(_("This lead is outside your data scope."))
    closed = [lead for lead in rows if not lead.is_open]
    if closed:
        _require_open(closed[0])
    done = 0
    for lead in rows:
        if by_rules:
            done += lead_apply_rules(lead=lead, actor=actor) is not None
            continue
        assert owner is not None
        _check_owner(actor, owner, lead.business_unit_id)
        if lead.owner_id == owner.pk:
            continue
        _give(actor, lead, owner, note=note)
        done += 1
    return done


@transaction.atomic
def lead_delete(*, actor: User, lead: Lead) -> None:
    """Soft delete: gone from every list, restorable for 30 days."""
    require_perm(actor, "leads.delete")
    _require_visible(actor, lead)
    if lead.status == LeadStatus.CONVERTED:
        raise DomainError(_("A converted lead is the history of its customer and stays."), code="lead_closed")
    now = timezone.now()
    Lead.all_objects.filter(pk=lead.pk, deleted_at__isnull=True).update(deleted_at=now)
    lead.deleted_at = now
    audit_log(actor=actor, action=Action.DELETE, obj=lead)


@transaction.atomic
def lead_restore(*, actor: User, lead: Lead) -> Lead:
    require_perm(actor, "leads.delete")
    if grants_of(actor).scope("leads") not in (Scope.UNIT, Scope.ALL):
        raise NotPermitted(_("Only an administrator of the business unit restores deleted leads."))
    if lead.deleted_at is None or lead.deleted_at < timezone.now() - timedelta(days=RESTORE_DAYS):
        raise DomainError(_("Deleted leads can be restored for %(days)d days only.") % {"days": RESTORE_DAYS})
    Lead.all_objects.filter(pk=lead.pk).update(deleted_at=None)
    lead.deleted_at = None
    audit_log(actor=actor, action=Action.RESTORE, obj=lead)
    return lead


def lead_followed_up(*, lead: Lead, at: datetime) -> None:
    """A follow-up on the lead was recorded (activities calls this in its transaction): the lead's last
    follow-up time moves on (never back), and a new lead counts as contacted."""
    Lead.all_objects.filter(pk=lead.pk).filter(Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=at)).update(
        last_followup_at=at
    )
    Lead.all_objects.filter(pk=lead.pk, status=LeadStatus.NEW).update(status=LeadStatus.CONTACTED)
    if lead.last_followup_at is None or lead.last_followup_at < at:
        lead.last_followup_at = at
    if lead.status == LeadStatus.NEW:
        lead.status = LeadStatus.CONTACTED
    lead_touched(lead=lead, at=at)  # a claimed lead of a pool: its clock starts again


def department_choices(unit_id: int | None) -> list[Department]:
    return list(Department.objects.filter(business_unit_id=unit_id).order_by("path")) if unit_id else []


@transaction.atomic
def lead_followup_record(
    *, actor: User, lead: Lead, content: str, channel: str, occurred_at: datetime | None = None, feedback: str = ""
) -> Any:
    """Record a follow-up on an open lead (an activities follow-up whose related record is the lead; it has
    no customer yet): the lead's last follow-up time moves on and a new lead counts as contacted."""
    from guanxi.activities.services import followup_create

    _require_edit(actor, lead)
    _require_open(lead)
    followup = followup_create(
        actor=actor, content=content, channel=channel, occurred_at=occurred_at, related=lead, feedback=feedback
    )
    lead_followed_up(lead=lead, at=followup.occurred_at)
    return followup
