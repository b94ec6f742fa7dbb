"""Every write on webhooks (SPEC §13.5): subscriptions per business unit (a unit's administrator changes only
their unit's), a test ping, redelivery. The sending itself is ``webhooks.delivery``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import Conflict, DomainError, FieldErrors, NotPermitted
from guanxi.core.outbox import EVENTS, emit
from guanxi.core.permissions import grants_of, require_perm
from guanxi.core.records import save_versioned
from guanxi.core.scope import Scope
from guanxi.org.models import BusinessUnit, User

from .addresses import url_check
from .models import Delivery, DeliveryStatus, Subscription
from .signing import new_secret

PING = "webhook.ping"
FIELDS = ["name", "url", "events", "active"]
AUDITED = ["name", "url", "events", "active", "paused_at"]
MAX_PER_UNIT = 50


def _visible(actor: User, subscription: Subscription) -> Subscription:
    row = Subscription.objects.visible_to(actor).select_for_update().filter(pk=subscription.pk).first()
    if row is None:
        raise NotPermitted(_("This webhook is outside your data scope."))
    return row


def _clean(actor: User, unit_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    name = str(data.get("name") or "").strip()[:100]
    if not name:
        errors.add("name", _("This field is required."))
    url = str(data.get("url") or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors.add("url", _("Give an http:// or https:// address."))
    else:
        with errors.check():
            try:
                url_check(url, unit_id=unit_id)
            except DomainError as refusal:
                raise ValidationError({"url": [str(refusal.message)]}) from None
    events = data.get("events") or []
    if not isinstance(events, list | tuple) or not all(isinstance(code, str) for code in events):
        errors.add("events", _("Choose the events from the list."))
        events = []
    unknown = sorted(set(events) - (set(EVENTS) - {PING}))
    if unknown:
        errors.add("events", _("Unknown events: %(codes)s.") % {"codes": ", ".join(unknown)})
    elif not events:
        errors.add("events", _("Choose at least one event."))
    errors.raise_any()
    return {"name": name, "url": url, "events": sorted(set(events)), "active": bool(data.get("active", True))}


def _unit_for(actor: User, unit: BusinessUnit | None) -> int:
    """The actor's own unit; another one only with the all-units scope on webhooks (a group administrator)."""
    if unit is not None and unit.pk != actor.business_unit_id:
        if grants_of(actor).scope("webhooks") != Scope.ALL:
            raise NotPermitted(_("You may configure only your own business unit."))
        return unit.pk
    if actor.business_unit_id is None:
        raise DomainError(_("You belong to no business unit; ask an administrator to place you in a department."))
    return actor.business_unit_id


@transaction.atomic
def webhook_create(*, actor: User, data: Mapping[str, Any], unit: BusinessUnit | None = None) -> Subscription:
    """A new webhook of the actor's business unit, with a fresh signing secret; the actor is told when it fails."""
    require_perm(actor, "webhooks.create")
    unit_id = _unit_for(actor, unit)
    values = _clean(actor, unit_id, data)
    if Subscription.objects.filter(business_unit_id=unit_id).count() >= MAX_PER_UNIT:
        raise DomainError(_("A business unit has at most %(n)d webhooks.") % {"n": MAX_PER_UNIT}, code="limit")
    row = Subscription(business_unit_id=unit_id, owner=actor, created_by=actor, secret=new_secret(), **values)
    row.save()
    audit_log(actor=actor, action=Action.CREATE, obj=row, changes=diff({}, snapshot(row, AUDITED)))
    return row


@transaction.atomic
def webhook_update(*, actor: User, subscription: Subscription, version: int, data: Mapping[str, Any]) -> Subscription:
    """Change a webhook; turning a paused one on again starts it afresh (its failures forgotten)."""
    require_perm(actor, "webhooks.edit")
    row = _visible(actor, subscription)
    before = snapshot(row, AUDITED)
    merged = {name: data.get(name, getattr(row, name)) for name in FIELDS}
    values = _clean(actor, row.business_unit_id, merged)
    for name, value in values.items():
        setattr(row, name, value)
    if row.active and not before["active"]:
        row.paused_at = row.failing_since = None
    save_versioned(row, expected_version=version, fields=[*FIELDS, "paused_at", "failing_since"])
    changes = diff(before, snapshot(row, AUDITED))
    if changes:
        audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    return row


@transaction.atomic
def webhook_rotate_secret(*, actor: User, subscription: Subscription) -> Subscription:
    """A new signing secret (the old one stops working at once); the secret is not in the audit log."""
    require_perm(actor, "webhooks.edit")
    row = _visible(actor, subscription)
    row.secret = new_secret()
    save_versioned(row, expected_version=row.version, fields=["secret"])
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"secret": ["***", "***"]})
    return row


@transaction.atomic
def webhook_delete(*, actor: User, subscription: Subscription) -> None:
    require_perm(actor, "webhooks.delete")
    row = _visible(actor, subscription)
    Subscription.objects.filter(pk=row.pk).update(deleted_at=timezone.now(), active=False)
    Delivery.objects.filter(subscription=row, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, last_error="deleted"
    )
    audit_log(actor=actor, action=Action.DELETE, obj=row)


@transaction.atomic
def webhook_ping(*, actor: User, subscription: Subscription) -> None:
    """Queue a ``webhook.ping`` event for this webhook alone (the receiver's set-up check)."""
    require_perm(actor, "webhooks.edit")
    row = _visible(actor, subscription)
    if row.deleted_at is not None:
        raise Conflict(_("This webhook was deleted."), code="deleted")
    emit(PING, row, actor=actor, data={"subscription": row.pk})


@transaction.atomic
def delivery_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Send a delivery again (the same body and idempotency key), now, whatever its state."""
    require_perm(actor, "webhooks.edit")
    row = Delivery.objects.visible_to(actor).select_for_update().filter(pk=delivery.pk).first()
    if row is None:
        raise NotPermitted(_("This delivery is outside your data scope."))
    if row.subscription.deleted_at is not None:
        raise Conflict(_("This webhook was deleted."), code="deleted")
    row.status, row.next_attempt_at, row.claimed_until = DeliveryStatus.PENDING, timezone.now(), None
    row.created_at = timezone.now()  # the 24 hours of retries start again
    row.save(update_fields=["status", "next_attempt_at", "claimed_until", "created_at"])
    from .delivery import queue_delivery

    queue_delivery()
    return row


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.core.config.parameters import register_parameter, register_parameter_group
    from guanxi.core.outbox import register_event, register_listener

    from .addresses import ALLOW_PRIVATE
    from .delivery import KEEP_DAYS, queue_dispatch

    register_parameter_group("integrations", gettext_lazy("Integrations"), 80)
    register_parameter(
        ALLOW_PRIVATE,
        gettext_lazy("Webhooks may call private network addresses"),
        "bool",
        False,
        group="integrations",
        help=gettext_lazy("Only for a receiver inside the company's network (10.x, 192.168.x, localhost …)."),
    )
    register_parameter(
        KEEP_DAYS,
        gettext_lazy("Days to keep the webhook delivery log"),
        "int",
        30,
        min=7,
        max=3650,
        group="integrations",
        help=gettext_lazy("Settled deliveries and sent record events older than this are removed every night."),
    )
    from guanxi.core.notifications.kinds import register_kind

    register_event(PING, gettext_lazy("Test ping"))
    register_kind("webhook_paused", gettext_lazy("A webhook of mine was paused"), default_email=True)
    register_listener(queue_dispatch)
