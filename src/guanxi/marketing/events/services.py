"""Every write on events (SPEC §11.3): the event itself, a registration (from the public page, guarded
against floods and robots like the web forms, or entered by staff), and the check-in at the door.

A registrant who is already a contact of the unit (the same mobile) is linked to that contact; anyone else
becomes a lead through the leads' intake, with the campaign named on it. Registering and attending are
responses of the campaign, so the leads and deals that follow are attributed to it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.customers.models import Contact
from guanxi.leads.webforms import lead_intake
from guanxi.org.models import User

from ..campaigns.models import Campaign
from ..campaigns.services import response_record
from .confirmations import confirmation_queue
from .models import Event, Registration, RegistrationStatus

FIELDS = ["name", "starts_at", "ends_at", "venue", "capacity", "description", "confirmation", "is_open"]
TOKEN_SALT = "guanxi.marketing.event"
MIN_SECONDS = 3  # a form sent faster than this after the page loaded is a robot's
RATE_LIMIT, RATE_WINDOW = 10, 3600  # registrations per address per hour


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.get("name") or "").split())[:100]
    if not name:
        errors["name"] = [_("Enter a name.")]
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts, datetime):
        errors["starts_at"] = [_("Enter a valid date and time.")]
    if not isinstance(ends, datetime):
        errors["ends_at"] = [_("Enter a valid date and time.")]
    elif isinstance(starts, datetime) and ends < starts:
        errors["ends_at"] = [_("The end cannot be before the start.")]
    try:
        capacity = int(data.get("capacity") or 0)
        if capacity < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["capacity"] = [_("Enter a whole number, 0 for no limit.")]
        capacity = 0
    if errors:
        raise ValidationError(errors)
    return {
        "name": name, "starts_at": starts, "ends_at": ends, "venue": str(data.get("venue") or "").strip()[:200],
        "capacity": capacity, "description": str(data.get("description") or "").strip()[:2000],
        "confirmation": str(data.get("confirmation") or "").strip()[:500], "is_open": bool(data.get("is_open", True)),
    }  # fmt: skip


def _campaign(actor: User, campaign: Campaign) -> Campaign:
    require_perm(actor, "campaigns.edit")
    row = Campaign.objects.visible_to(actor).filter(pk=campaign.pk).first()
    if row is None:
        raise NotPermitted(_("This campaign is outside your data scope."))
    return row


@transaction.atomic
def event_create(*, actor: User, campaign: Campaign, data: Mapping[str, Any]) -> Event:
    row = _campaign(actor, campaign)
    if not row.is_open:
        raise DomainError(_("The campaign is closed."), code="wrong_status")
    event = Event(business_unit_id=row.business_unit_id, campaign=row, created_by=actor, **_clean(data))
    event.save()
    audit_log(actor=actor, action=Action.CREATE, obj=event, changes={"name": [None, event.name]})
    return event


@transaction.atomic
def event_update(*, actor: User, event: Event, version: int, data: Mapping[str, Any]) -> Event:
    _campaign(actor, event.campaign)
    merged = {name: data.get(name, getattr(event, name)) for name in FIELDS}
    values = _clean(merged)
    for name, value in values.items():
        setattr(event, name, value)
    save_versioned(event, expected_version=version, fields=FIELDS)
    audit_log(actor=actor, action=Action.UPDATE, obj=event, changes={"name": [None, event.name]})
    return event


# --- registration ------------------------------------------------------------------------------------


def form_token(event: Event) -> str:
    return signing.dumps({"e": event.key, "t": timezone.now().timestamp()}, salt=TOKEN_SALT)


def _guard(event: Event, token: str, ip: str | None) -> bool:
    """The flood limit per address, then the signed stamp: False for a robot (answered like success)."""
    key = f"guanxi:marketing:register:{ip or 'unknown'}"
    cache.add(key, 0, timeout=RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=RATE_WINDOW)
        count = 1
    if count > RATE_LIMIT:
        raise DomainError(_("Too many registrations from your address; please try again later."), code="rate_limited")
    try:
        value = signing.loads(token, salt=TOKEN_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        value = None
    if not isinstance(value, dict) or value.get("e") != event.key:
        raise DomainError(_("This form has expired: reload the page and send it again."), code="form_expired")
    return timezone.now().timestamp() - float(value.get("t", 0)) >= MIN_SECONDS


def _values(data: Mapping[str, Any]) -> dict[str, str]:
    values = {name: " ".join(str(data.get(name) or "").split()) for name in ("name", "company", "mobile", "email")}
    digits = "".join(ch for ch in values["mobile"] if ch.isdigit())
    values["mobile"] = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    values["email"] = values["email"].lower()
    errors: dict[str, list[str]] = {}
    if not values["name"]:
        errors["name"] = [_("This field is required.")]
    if len(values["mobile"]) != 11 or not values["mobile"].startswith("1"):
        errors["mobile"] = [_("Enter a valid mobile number.")]
    if values["email"] and ("@" not in values["email"] or len(values["email"]) > 254):
        errors["email"] = [_("Enter a valid e-mail address.")]
    if errors:
        raise ValidationError(errors)
    values["name"], values["company"] = values["name"][:50], values["company"][:50]
    return values


def _register(event: Event, values: dict[str, str], actor: User | None) -> Registration:
    row = Event.objects.select_for_update().get(pk=event.pk)  # one registration at a time counts the seats
    if not row.is_open or row.ends_at < timezone.now():
        raise DomainError(_("Registration for this event is closed."), code="closed")
    existing = Registration.objects.filter(event=row, mobile=values["mobile"]).first()
    if existing is not None:
        return existing  # registering twice shows the same code
    taken = Registration.objects.filter(event=row).exclude(status=RegistrationStatus.CANCELLED).count()
    if row.capacity and taken >= row.capacity:
        raise DomainError(_("Sorry, this event is full."), code="full")
    campaign = row.campaign
    contact = (
        Contact.objects.filter(customer__business_unit_id=row.business_unit_id, mobile=values["mobile"])
        .select_related("customer")
        .first()
    )
    registration = Registration(event=row, **values)
    if contact is not None:
        registration.contact, registration.customer = contact, contact.customer
    else:
        sources = {code for code, _label in dictionary_choices("customer_source")}
        registration.lead = lead_intake(
            unit_id=row.business_unit_id,
            values={key: value for key, value in values.items() if value},
            source=campaign.kind if campaign.kind in sources else "",
            campaign=campaign.name,
            note=_("Registered for the event “%(event)s”") % {"event": row.name},
        )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        return Registration.objects.get(event=row, mobile=values["mobile"])
    response_record(
        campaign=campaign, kind="registered", customer_id=registration.customer_id, contact_id=registration.contact_id,
        lead_id=registration.lead_id, at=registration.registered_at,
    )  # fmt: skip
    audit_log(actor=actor, action=Action.CREATE, obj=registration, changes={"event": [None, row.name]})
    return registration


@transaction.atomic
def registration_submit(
    *, event: Event, data: Mapping[str, Any], token: str, honeypot: str = "", ip: str | None = None
) -> Registration | None:
    """A visitor registers on the public page. Returns the registration (the same one when they register
    twice), or None for a robot (answered like success, so that it learns nothing). The confirmation (e-mail,
    else SMS) is queued with it, once per registration, and sent in the background."""
    person = _guard(event, token, ip)
    if honeypot.strip() or not person:
        return None
    registration = _register(event, _values(data), None)
    confirmation_queue(registration)
    return registration


@transaction.atomic
def registration_create(*, actor: User, event: Event, data: Mapping[str, Any]) -> Registration:
    """Staff register someone (at the door, or from a phone call)."""
    require_perm(actor, "campaigns.edit")
    if not Event.objects.visible_to(actor).filter(pk=event.pk).exists():
        raise NotPermitted(_("This event is outside your data scope."))
    return _register(event, _values(data), actor)


@transaction.atomic
def registration_check_in(*, actor: User, code: str, event: Event | None = None) -> Registration:
    """At the door: the QR code scanned (or its code typed) checks the registrant in, once."""
    require_perm(actor, "campaigns.edit")
    code = code.strip().rsplit("/", 1)[-1].rsplit("=", 1)[-1]
    rows = Registration.objects.visible_to(actor).select_related("event__campaign")
    registration = rows.filter(code=code, **({"event": event} if event else {})).first()
    if registration is None:
        raise DomainError(_("No registration has this code."), field="code", code="not_found")
    if registration.status == RegistrationStatus.CANCELLED:
        raise DomainError(_("This registration was cancelled."), field="code", code="cancelled")
    now = timezone.now()
    moved = Registration.objects.filter(pk=registration.pk, status=RegistrationStatus.REGISTERED).update(
        status=RegistrationStatus.ATTENDED, checked_in_at=now, checked_in_by=actor
    )
    if not moved:
        registration.refresh_from_db()
        when = timezone.localtime(registration.checked_in_at).strftime("%H:%M") if registration.checked_in_at else ""
        raise Conflict(
            _("%(name)s was checked in already at %(time)s.") % {"name": registration.name, "time": when},
            code="already_checked_in",
        )
    registration.status, registration.checked_in_at, registration.checked_in_by = (
        RegistrationStatus.ATTENDED,
        now,
        actor,
    )
    response_record(
        campaign=registration.event.campaign, kind="attended", customer_id=registration.customer_id,
        contact_id=registration.contact_id, lead_id=registration.lead_id, at=now,
    )  # fmt: skip
    return registration
