"""Public web-to-lead forms (SPEC §5.2): what administrators define, and the intake of what visitors send.

A visitor is nobody: the page has no session to protect, so it takes cross-site posts (from an iframe on
the company's own site) without a CSRF cookie. Spam is kept out instead by a hidden honeypot field, a signed
time stamp (a form sent within seconds of loading, or long after, is not a person's), a per-address rate
limit in the cache (Redis in production, shared by every web process) and the same server-side validation
as a lead entered by hand. A visitor is never refused for a duplicate: the match is noted on the lead."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.numbering import number_next
from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.org.models import Department, User

from . import hooks
from .models import AssignmentRule, Channel, Lead, LeadForm
from .services import AUDITED_FIELDS, SOURCE_TYPE, lead_apply_rules, lead_clean, lead_duplicates

# The fields a form may ask, in the order it asks them.
PUBLIC_FIELDS = {
    "name": gettext_lazy("Your name"),
    "company": gettext_lazy("Company"),
    "position": gettext_lazy("Position"),
    "mobile": gettext_lazy("Mobile"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "wechat": gettext_lazy("WeChat"),
    "qq": gettext_lazy("QQ"),
    "province": gettext_lazy("Province"),
    "address": gettext_lazy("Address"),
    "need": gettext_lazy("What do you need?"),
}
PUBLIC_FIELD_CODES = list(PUBLIC_FIELDS)  # named once in the OpenAPI schema (LeadFormFieldEnum)
REACH = ("mobile", "phone", "email", "wechat", "qq")
HONEYPOT = "website"  # a field people never see and bots fill in
TOKEN_SALT = "guanxi.leads.webform"
TOKEN_MAX_AGE = 24 * 3600
ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$", re.IGNORECASE)


# --- administration -------------------------------------------------------------------------------------


def _unit_of(actor: User) -> int:
    if actor.business_unit_id is None:
        raise DomainError(_("You belong to no business unit; ask an administrator to place you in a department."))
    return actor.business_unit_id


@transaction.atomic
def leadform_save(*, actor: User, form: LeadForm | None, data: Mapping[str, Any]) -> LeadForm:
    """Create (``form=None``) or change a web form of the actor's unit."""
    require_perm(actor, "leads.configure")
    unit = form.business_unit_id if form else _unit_of(actor)
    if form is not None and not LeadForm.objects.visible_to(actor).filter(pk=form.pk).exists():
        raise NotPermitted(_("This form is outside your data scope."))
    target = form or LeadForm(business_unit_id=unit)
    before = snapshot(target) if form else {}
    errors: dict[str, list[str]] = {}
    for name in ("name", "title", "intro", "source", "campaign", "thank_you", "allowed_sites", "is_active"):
        if name in data:
            value = data[name]
            setattr(target, name, value.strip() if isinstance(value, str) else value)
    for name in ("department", "rule"):
        if name in data:
            setattr(target, name, data[name])
    fields = [name for name in PUBLIC_FIELDS if name in (data.get("fields") or target.fields or [])]
    if "name" not in fields:
        fields.insert(0, "name")
    required = [name for name in fields if name in (data.get("required") or target.required or [])]
    target.fields, target.required = fields, sorted(set(required) | {"name"}, key=list(PUBLIC_FIELDS).index)
    if not any(name in fields for name in REACH):
        errors["fields"] = [_("Ask for at least one way to reach the visitor: mobile, phone, e-mail, WeChat or QQ.")]
    if target.source:
        try:
            dictionary_validate(SOURCE_TYPE, target.source, field="source", current=before.get("source"))
        except DomainError as error:
            errors["source"] = [str(error.message)]
    if target.department_id and not Department.objects.filter(pk=target.department_id, business_unit_id=unit).exists():
        errors["department"] = [_("Choose a department of your business unit.")]
    if target.rule_id and not AssignmentRule.objects.filter(pk=target.rule_id, business_unit_id=unit).exists():
        errors["rule"] = [_("Choose a rule of your business unit.")]
    for name in ("intro", "thank_you", "allowed_sites"):  # a model's TextField does not check its length
        if len(getattr(target, name) or "") > 1000:
            errors[name] = [_("Keep it to %(limit)d characters.") % {"limit": 1000}]
    bad_sites = [line for line in target.allowed_sites.split() if not ORIGIN.match(line)]
    if bad_sites:
        errors["allowed_sites"] = [
            _("Not a site address: %(site)s (write it as https://www.example.com).") % {"site": bad_sites[0]}
        ]
    try:
        target.full_clean(exclude=["business_unit", "key", "department", "rule"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    target.allowed_sites = "\n".join(target.allowed_sites.split())
    target.save()
    changes = diff(before, snapshot(target))
    audit_log(actor=actor, action=Action.UPDATE if form else Action.CREATE, obj=target, changes=changes)
    return target


@transaction.atomic
def rule_save(*, actor: User, rule: AssignmentRule | None, data: Mapping[str, Any]) -> AssignmentRule:
    """Create (``rule=None``) or change an assignment rule of the actor's unit."""
    require_perm(actor, "leads.configure")
    unit = rule.business_unit_id if rule else _unit_of(actor)
    if rule is not None and not AssignmentRule.objects.visible_to(actor).filter(pk=rule.pk).exists():
        raise NotPermitted(_("This rule is outside your data scope."))
    target = rule or AssignmentRule(business_unit_id=unit)
    before = snapshot(target) if rule else {}
    for name in ("name", "priority", "is_active", "sources", "provinces", "kind", "department", "user"):
        if name in data:
            value = data[name]
            setattr(target, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    if target.kind == AssignmentRule.Kind.ROUND_ROBIN:
        target.user = None
        if target.department_id is None:
            errors["department"] = [_("Choose the department whose people take turns.")]
        elif not Department.objects.filter(pk=target.department_id, business_unit_id=unit).exists():
            errors["department"] = [_("Choose a department of your business unit.")]
    else:
        if target.user_id is None:
            errors["user"] = [_("Choose the person who takes these leads.")]
        elif (person := User.objects.filter(pk=target.user_id).first()) is None or person.business_unit_id != unit:
            errors["user"] = [_("Choose a colleague of your business unit.")]
        else:
            target.department_id = person.department_id
    for code in target.sources or []:
        try:
            dictionary_validate(
                SOURCE_TYPE, code, field="sources", current=code if code in before.get("sources", []) else None
            )
        except DomainError as error:
            errors.setdefault("sources", []).append(str(error.message))
    try:
        target.full_clean(exclude=["business_unit", "department", "user", "last_user"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    target.save()
    audit_log(
        actor=actor, action=Action.UPDATE if rule else Action.CREATE, obj=target, changes=diff(before, snapshot(target))
    )
    return target


# --- the visitor's side ---------------------------------------------------------------------------------


def webform_token(form: LeadForm) -> str:
    """Signed into the page: which form, and when the page was shown."""
    return signing.dumps({"f": form.key, "t": timezone.now().timestamp()}, salt=TOKEN_SALT)


def _token_age(form: LeadForm, token: str) -> float:
    try:
        value = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        value = None
    if not isinstance(value, dict) or value.get("f") != form.key:
        raise DomainError(_("This form has expired: reload the page and send it again."), code="form_expired")
    return float(timezone.now().timestamp() - float(value.get("t", 0)))


def _count_request(form: LeadForm, ip: str | None) -> None:
    """At most N posts per address in M minutes (the unit's parameters); the counter lives in the cache."""
    limit = parameter_value("leads.webform_limit", unit=form.business_unit_id)
    window = parameter_value("leads.webform_window_minutes", unit=form.business_unit_id) * 60
    key = f"guanxi:leads:webform:{ip or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise DomainError(_("Too many submissions from your address; please try again later."), code="rate_limited")


@transaction.atomic
def webform_submit(
    *, form: LeadForm, data: Mapping[str, Any], token: str, honeypot: str = "", ip: str | None = None
) -> Lead | None:
    """Take what a visitor sent. Returns the new lead, or None for spam (which is answered like success, so
    that a robot learns nothing). Raises ValidationError with field messages, or DomainError."""
    if not form.is_active:
        raise DomainError(_("This form is closed."), code="form_closed")
    _count_request(form, ip)
    age = _token_age(form, token)
    if honeypot.strip() or age < parameter_value("leads.webform_min_seconds", unit=form.business_unit_id):
        return None
    values = {name: str(data.get(name) or "").strip() for name in form.fields}
    errors: dict[str, list[str]] = {}
    for name in form.required:
        if not values.get(name):
            errors.setdefault(name, []).append(_("This field is required."))
    lead = lead_intake(
        errors=errors,
        unit_id=form.business_unit_id,
        department_id=form.department_id,
        values=values,
        fields=list(form.fields),
        source=form.source,
        campaign=form.campaign,
        form=form,
        rule=form.rule if form.rule_id and form.rule and form.rule.is_active else None,
        note=_("Sent through the web form “%(form)s”") % {"form": form.name},
    )
    LeadForm.objects.filter(pk=form.pk).update(submissions=F("submissions") + 1)
    hooks.captured(lead=lead, form=form)
    return lead


@transaction.atomic
def lead_intake(
    *,
    unit_id: int,
    values: Mapping[str, str],
    note: str,
    department_id: int | None = None,
    fields: list[str] | None = None,
    source: str = "",
    campaign: str = "",
    form: LeadForm | None = None,
    rule: AssignmentRule | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Lead:
    """A lead from somebody outside (a web form, an event's registration): validated as one entered by
    hand, never refused for a duplicate (the match is noted on the lead), numbered, audited and dealt by
    the unit's assignment rules. ``fields`` are the ones the visitor was asked (errors on others go to the
    first way of reaching them that was asked)."""
    asked = fields if fields is not None else list(values)
    errors = dict(errors or {})  # the caller's own (a required field left empty), reported with these
    lead = Lead(
        **{name: value for name, value in values.items() if name in PUBLIC_FIELDS},
        business_unit_id=unit_id,
        department_id=department_id,
    )
    lead.source, lead.campaign, lead.form, lead.channel = source, campaign[:100], form, Channel.WEB_FORM
    try:
        lead_clean(lead)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            target = field if field in asked else ("mobile" if field in REACH else "__all__")
            if target not in asked and target != "__all__":
                target = next((name for name in REACH if name in asked), "__all__")
            for message in messages:
                if message not in errors.get(target, []):
                    errors.setdefault(target, []).append(message)
    if errors:
        raise ValidationError(errors)
    for match in lead_duplicates(unit_id=unit_id, lead=lead):
        if match.lead is not None and lead.duplicate_of is None:
            lead.duplicate_of = match.lead
        if match.customer is not None and lead.matched_customer is None:
            lead.matched_customer = match.customer
    lead.number = number_next(kind="lead", prefix="XS", unit=unit_id)
    lead.save()
    audit_log(actor=None, action=Action.CREATE, obj=lead, changes=diff({}, snapshot(lead, AUDITED_FIELDS)), note=note)
    lead_apply_rules(lead=lead, actor=None, rule=rule)
    return lead


def register() -> None:
    """The leads' parameter group and the web forms' limits against floods and robots."""
    from guanxi.core.config.parameters import register_parameter, register_parameter_group

    register_parameter_group("leads", gettext_lazy("Leads"), 25)
    register_parameter(
        "leads.webform_limit",
        gettext_lazy("Web form submissions per address"),
        "int",
        5,
        min=1,
        max=1000,
        group="leads",
        help=gettext_lazy("More from one address within the window below are refused."),
    )
    register_parameter(
        "leads.webform_window_minutes", gettext_lazy("Web form rate-limit window (minutes)"), "int", 60, min=1,
        max=1440, group="leads",
    )  # fmt: skip
    register_parameter(
        "leads.webform_min_seconds",
        gettext_lazy("Web form minimum filling time (seconds)"),
        "int",
        3,
        min=0,
        max=60,
        group="leads",
        help=gettext_lazy("A form sent faster than this after the page loaded is a robot's and is dropped."),
    )
