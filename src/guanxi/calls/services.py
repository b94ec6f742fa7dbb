"""Every write of the call centre (SPEC §9.6): the PBX's call events (each kept once, in any order), what a
call leaves behind (the phone follow-up on the customer's timeline, the call-back plan of a missed call),
the agents' extensions, each unit's PBX connection and click-to-call through it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core import sealed
from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.notifications.services import notify
from guanxi.core.permissions import grants_of, require_perm
from guanxi.core.scope import Scope
from guanxi.core.texts import Text
from guanxi.org.models import BusinessUnit, User

from . import selectors
from .models import EXTENSION_PATTERN, Call, CallEvent, Direction, Event, Extension, Outcome, PbxConnection

CALLBACK_WITHIN = timedelta(hours=2)  # a missed call is called back within two hours
DIAL_SECONDS, DIAL_CONNECT_SECONDS = 5.0, 3.0
PBX_FIELDS = ["dial_url", "area_code"]

# --- the PBX's events ---------------------------------------------------------------------------------


def _event_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The event's fields, or every problem at once (ValidationError by field)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    call_id = str(data.get("call_id") or "").strip()
    if not call_id or len(call_id) > 100:
        errors["call_id"] = [_("Give the PBX's id of the call (at most 100 characters).")]
    clean["call_id"] = call_id
    event = str(data.get("event") or "")
    if event not in Event.values:
        errors["event"] = [_("The event is one of ringing, answered or ended.")]
    clean["event"] = event
    direction = str(data.get("direction") or Direction.INBOUND)
    if direction not in Direction.values:
        errors["direction"] = [_("The direction is inbound or outbound.")]
    clean["direction"] = direction
    number = str(data.get("number") or "").strip()
    if len(number) > 40:
        errors["number"] = [_("The number is at most 40 characters.")]
    clean["number"] = number
    extension = str(data.get("extension") or "").strip()
    if len(extension) > 20:
        errors["extension"] = [_("The extension is at most 20 characters.")]
    clean["extension"] = extension
    at = data.get("at")
    if at in (None, ""):
        clean["at"] = timezone.now()
    else:
        parsed = at if isinstance(at, datetime) else parse_datetime(str(at))
        if parsed is None:
            errors["at"] = [_("Give the time as ISO 8601, like 2026-03-02T09:15:00+08:00.")]
        else:
            clean["at"] = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
            if clean["at"] > timezone.now() + timedelta(minutes=10):
                errors["at"] = [_("The event cannot happen in the future.")]
    try:
        duration = int(data.get("duration") or 0)
        if duration < 0 or duration > 86_400:
            raise ValueError
        clean["duration"] = duration
    except (TypeError, ValueError):
        errors["duration"] = [_("The duration is a whole number of seconds, 0 to 86400.")]
    recording = str(data.get("recording_url") or "").strip()
    if recording:
        try:
            URLValidator(schemes=["http", "https"])(recording)
        except ValidationError:
            errors["recording_url"] = [_("The recording's address must be an http or https URL.")]
        if len(recording) > 500:
            errors["recording_url"] = [_("The recording's address is at most 500 characters.")]
    clean["recording_url"] = recording
    if errors:
        raise ValidationError(errors)
    return clean


def call_event_receive(*, actor: User, data: Mapping[str, Any]) -> tuple[Call, bool]:
    """One event of a call from the unit's PBX (its integration user is the actor): (the call, whether the
    event was new). The same event again changes nothing; events out of order end in the same call, as every
    field only moves forward. What the call leaves behind follows as explicit steps: the phone follow-up of an
    answered call, the call-back plan of a missed one."""
    require_perm(actor, "call_events.create")
    if actor.business_unit_id is None:
        raise DomainError(_("The PBX's user must belong to a business unit."), code="no_unit")
    clean = _event_clean(data)
    with transaction.atomic():
        call = _call_locked(actor.business_unit_id, clean)
        if CallEvent.objects.filter(call=call, event=clean["event"]).exists():
            return call, False
        CallEvent.objects.create(call=call, event=clean["event"], occurred_at=clean["at"], payload=_payload(data))
        before = (call.outcome, call.state)
        _merge(call, clean)
        call.updated_at = timezone.now()
        call.save()
        _after(call, actor=actor, before=before)
    return call, True


def _payload(data: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key): str(value)[:500] for key, value in list(data.items())[:20]}


def _call_locked(unit_id: int, clean: dict[str, Any]) -> Call:
    """The call of this id in the unit, created by its first event, locked until the transaction ends: two
    events of one call at once take turns (the unique id decides which one creates it)."""
    call = Call.objects.select_for_update().filter(business_unit_id=unit_id, call_id=clean["call_id"]).first()
    if call is not None:
        return call
    key = selectors.key_of(clean["number"], unit_id=unit_id)
    matches = selectors.unit_matches(unit_id=unit_id, key=key)
    single = matches[0] if len(matches) == 1 else None
    extension = Extension.objects.filter(business_unit_id=unit_id, number=clean["extension"]).first()
    try:
        with transaction.atomic():
            Call.objects.create(
                business_unit_id=unit_id,
                call_id=clean["call_id"],
                direction=clean["direction"],
                number=clean["number"],
                number_key=key,
                extension=clean["extension"],
                agent_id=extension.user_id if extension else None,
                state=clean["event"],
                started_at=clean["at"],
                customer=single.customer if single else None,
                contact=single.contact if single else None,
                matches=len(matches),
            )
    except IntegrityError:
        pass  # another event of the call created it first
    return Call.objects.select_for_update().get(business_unit_id=unit_id, call_id=clean["call_id"])


def _merge(call: Call, clean: dict[str, Any]) -> None:
    event, at = Event(clean["event"]), clean["at"]
    if at < call.started_at:
        call.started_at = at
    if Event(call.state).rank < event.rank:
        call.state = event
    if event == Event.ANSWERED and (call.answered_at is None or at < call.answered_at):
        call.answered_at = at
    if event == Event.ENDED:
        call.ended_at = at
    call.duration = max(call.duration, clean["duration"])
    call.recording_url = clean["recording_url"] or call.recording_url
    call.number = call.number or clean["number"]
    if not call.extension and clean["extension"]:
        call.extension = clean["extension"]
        extension = Extension.objects.filter(business_unit_id=call.business_unit_id, number=call.extension).first()
        call.agent_id = call.agent_id or (extension.user_id if extension else None)
    if call.state == Event.ENDED:
        talked = call.answered_at is not None or call.duration > 0
        if talked and call.answered_at is None and call.ended_at is not None:
            call.answered_at = call.ended_at - timedelta(seconds=call.duration)
        call.outcome = Outcome.ANSWERED if talked else Outcome.MISSED


def _after(call: Call, *, actor: User, before: tuple[str, str]) -> None:
    """What a call leaves behind once its outcome is known (or changes: an 'answered' that arrives after the
    'ended' turns a missed call into an answered one)."""
    if call.outcome == Outcome.ANSWERED and call.followup_id is None:
        _record_followup(call, actor=actor)
    if call.outcome == Outcome.MISSED and before[0] != Outcome.MISSED and call.callback_plan_id is None:
        _plan_callback(call)


def _content(call: Call) -> str:
    """The follow-up's text, in the company's language (it is what a person would have written)."""
    minutes, seconds = divmod(call.duration, 60)
    with translation.override(settings.LANGUAGE_CODE):
        if call.direction == Direction.INBOUND:
            text = _("Incoming call from %(number)s, talked %(minutes)d min %(seconds)d s.")
        else:
            text = _("Outgoing call to %(number)s, talked %(minutes)d min %(seconds)d s.")
        text = text % {"number": call.number, "minutes": minutes, "seconds": seconds}
        if call.recording_url:
            text += " " + _("Recording: %(url)s") % {"url": call.recording_url}
    return text


def _record_followup(call: Call, *, actor: User) -> None:
    """The answered call on the customer's timeline as a phone follow-up by its agent (by the PBX's user
    when no agent had the extension), unless one about the call is there already (the agent wrote it while
    talking)."""
    from guanxi.activities.models import Channel, FollowUp
    from guanxi.activities.services import followup_record, related_filter

    existing = FollowUp.objects.filter(related_filter(call)).order_by("pk").first()
    if existing is not None:
        call.followup = existing
    elif call.customer_id is not None:
        call.followup = followup_record(
            owner=call.agent or actor, actor=actor, content=_content(call), channel=Channel.PHONE,
            occurred_at=call.answered_at or call.started_at, customer=call.customer, contact=call.contact,
            related=call,
        )  # fmt: skip
    else:
        return
    Call.objects.filter(pk=call.pk).update(followup=call.followup)


def _callback_due(call: Call, missed_at: datetime) -> datetime:
    """Two hours of the unit's working time after the missed call: one missed at 17:30 is due next morning."""
    from guanxi.service.workcalendar import calendar_of

    return calendar_of(call.business_unit_id).add(missed_at, int(CALLBACK_WITHIN.total_seconds()) // 60)


def _plan_callback(call: Call) -> None:
    """A missed incoming call becomes a call-back plan for the customer's owner, or for the agent whose
    extension rang when the caller is nobody's customer (or unknown)."""
    from guanxi.activities.models import PlanKind
    from guanxi.activities.services import plan_insert

    if call.direction != Direction.INBOUND:
        return
    owner = call.customer.owner if call.customer is not None and call.customer.owner_id else call.agent
    if owner is None or owner.status != User.Status.ACTIVE:
        return  # the unit's queue shows it
    at = call.ended_at or call.started_at
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Call back %(number)s (missed call)") % {"number": call.number}
    plan = plan_insert(
        actor=None, subject=subject, due_at=_callback_due(call, max(at, timezone.now())), owner=owner,
        customer=call.customer, contact=call.contact, related=call, kind=PlanKind.CALL, starts_at=at,
    )  # fmt: skip
    call.callback_plan = plan
    Call.objects.filter(pk=call.pk).update(callback_plan=plan)
    notify(
        recipients=[owner],
        kind="assignment",
        title=Text(gettext_noop("Missed call from %(number)s: call back"), number=call.number),
        obj=plan,
    )


# --- the agent's side ---------------------------------------------------------------------------------


def _own_call(actor: User, call: Call) -> Call:
    if not Call.objects.visible_to(actor).filter(pk=call.pk).exists():
        raise NotPermitted(_("This call is outside your data scope."), code="not_visible")
    return call


def call_dismiss(*, actor: User, call: Call) -> None:
    """The agent closes the call's pop-up."""
    if call.agent_id != actor.pk:
        raise NotPermitted(_("Only the agent the call rang for can close its pop-up."))
    Call.objects.filter(pk=call.pk, dismissed_at__isnull=True).update(dismissed_at=timezone.now())


@transaction.atomic
def call_take(*, actor: User, call: Call) -> Call:
    """An agent takes a call from the unit's queue (one that rang an extension nobody has): it becomes
    theirs, with its follow-up and call-back. The first agent wins; the others learn who did."""
    require_perm(actor, "calls.create")
    if call.business_unit_id != actor.business_unit_id:  # a queue is its unit's (one taken is no longer in it)
        _own_call(actor, call)
    taken = Call.objects.filter(pk=call.pk, agent__isnull=True).update(agent=actor, updated_at=timezone.now())
    if not taken:
        call.refresh_from_db()
        name = call.agent.display_name if call.agent else ""
        raise Conflict(_("%(name)s has taken this call already.") % {"name": name}, code="already_claimed")
    call.refresh_from_db()
    if call.outcome == Outcome.MISSED and call.callback_plan_id is None:
        _plan_callback(call)
    audit_log(actor=actor, action=Action.OWNERSHIP, obj=call, changes={"agent": [None, actor.pk]})
    return call


@transaction.atomic
def call_ticket_link(*, actor: User, call: Call, ticket: Any) -> None:
    """The ticket started from a call names it (the call's page links to it)."""
    _own_call(actor, call)
    Call.objects.filter(pk=call.pk).update(ticket=ticket, updated_at=timezone.now())


# --- extensions ---------------------------------------------------------------------------------------


def _configures(actor: User, unit_id: int | None) -> None:
    """A unit's administrator configures their own unit; the group's, every unit."""
    require_perm(actor, "call_settings.edit")
    scope = grants_of(actor).scope_of("call_settings.edit")
    if scope != Scope.ALL and unit_id != actor.business_unit_id:
        raise NotPermitted(_("You may change only your own business unit's settings."), code="not_visible")


@transaction.atomic
def extension_set(*, actor: User, user: User, number: str) -> Extension | None:
    """Give a user their extension on the PBX (unique in the unit), change or clear it (an empty number)."""
    _configures(actor, user.business_unit_id)
    if user.business_unit_id is None:
        raise DomainError(_("This user belongs to no business unit."), field="number")
    number = (number or "").strip()
    current = Extension.objects.select_for_update().filter(user=user).first()
    before = {"extension": current.number if current else ""}
    if not number:
        if current is not None:
            current.delete()
            audit_log(actor=actor, action=Action.UPDATE, obj=user, changes=diff(before, {"extension": ""}))
        return None
    try:
        EXTENSION_PATTERN(number)
    except ValidationError as error:
        raise DomainError(error.messages[0], field="number") from None
    taken = (
        Extension.objects.filter(business_unit_id=user.business_unit_id, number=number)
        .exclude(user=user)
        .select_related("user")
        .first()
    )
    if taken is not None:
        raise Conflict(
            _("Extension %(number)s is %(name)s's.") % {"number": number, "name": taken.user.display_name},
            field="number",
            code="duplicate_extension",
        )
    extension = current or Extension(user=user)
    extension.business_unit_id, extension.number, extension.updated_at = user.business_unit_id, number, timezone.now()
    try:
        with transaction.atomic():
            extension.save()
    except IntegrityError:
        raise Conflict(
            _("Extension %(number)s was just given to someone else.") % {"number": number},
            field="number",
            code="duplicate_extension",
        ) from None
    audit_log(actor=actor, action=Action.UPDATE, obj=user, changes=diff(before, {"extension": number}))
    return extension


# --- the PBX connection and click-to-call ------------------------------------------------------------


def _key_of(connection: PbxConnection) -> str:
    try:
        return sealed.unseal(connection.key_encrypted, purpose="pbx")
    except sealed.Unreadable:
        raise DomainError(
            _("The PBX key can no longer be read (the site's secret key changed): enter it again."),
            code="pbx_not_configured",
        ) from None


@transaction.atomic
def pbx_connection_save(
    *, actor: User, unit: BusinessUnit, dial_url: str, key: str = "", area_code: str = ""
) -> PbxConnection:
    """Set how the unit reaches its PBX: the dial address (the PBX usually sits in the company's network, so
    private addresses are allowed), its key (left empty, the stored one stays) and the local area code."""
    _configures(actor, unit.pk)
    connection = PbxConnection.objects.select_for_update().filter(business_unit=unit).first()
    before = snapshot(connection, PBX_FIELDS) if connection else {}
    connection = connection or PbxConnection(business_unit=unit)
    connection.dial_url, connection.area_code = (dial_url or "").strip(), (area_code or "").strip()
    if key:
        connection.key_encrypted = sealed.seal(key, purpose="pbx")
    connection.updated_by, connection.updated_at = actor, timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        connection.full_clean(exclude=["business_unit", "key_encrypted"])
    except ValidationError as error:
        errors = error.message_dict
    if connection.dial_url and not connection.dial_url.startswith(("http://", "https://")):
        errors.setdefault("dial_url", []).append(_("Give an http:// or https:// address."))
    if errors:
        raise ValidationError(errors)
    connection.save()
    changes = diff(before, snapshot(connection, PBX_FIELDS))
    if key:
        changes["key"] = ["***", "***"]
    audit_log(actor=actor, action=Action.UPDATE if before else Action.CREATE, obj=connection, changes=changes)
    return connection


def call_dial(*, actor: User, number: str) -> Call:
    """Click-to-call: ask the unit's PBX to ring the actor's extension and then dial ``number``, a phone of
    a customer or contact the actor may see. The PBX answers with its id of the call; its events then come
    in as for any call."""
    extension = selectors.extension_of(actor)
    if extension is None:
        raise DomainError(_("You have no extension: ask your administrator to set one."), code="no_extension")
    connection = PbxConnection.objects.filter(business_unit_id=extension.business_unit_id).first()
    if connection is None or not connection.dial_url:
        raise DomainError(_("Your business unit has not connected its PBX yet."), code="pbx_not_configured")
    key, matches = selectors.phone_lookup(actor=actor, number=number)
    if not key or not matches:
        raise NotPermitted(
            _("This number is none of your customers' or contacts'."), field="number", code="not_visible"
        )
    reference = f"gx-{uuid.uuid4().hex}"
    secret = _key_of(connection)
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    body = {"extension": extension.number, "number": key, "reference": reference}
    import httpx  # here, not at import: the web processes load it only when someone dials

    timeout = httpx.Timeout(DIAL_SECONDS, connect=DIAL_CONNECT_SECONDS)
    try:
        response = httpx.post(connection.dial_url, json=body, headers=headers, timeout=timeout)
    except httpx.HTTPError:
        raise DomainError(_("The PBX did not answer: try again or dial by hand."), code="pbx_unreachable") from None
    if response.status_code >= 300:
        raise DomainError(
            _("The PBX refused the call (HTTP %(status)d).") % {"status": response.status_code},
            code="pbx_refused",
        )
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    call_id = str(answer.get("call_id") or reference)[:100] if isinstance(answer, dict) else reference
    single = matches[0] if len(matches) == 1 else None
    with transaction.atomic():
        call, _created = Call.objects.get_or_create(
            business_unit_id=extension.business_unit_id,
            call_id=call_id,
            defaults={
                "direction": Direction.OUTBOUND, "number": number.strip()[:40], "number_key": key,
                "extension": extension.number, "agent": actor, "state": Event.RINGING, "started_at": timezone.now(),
                "customer": single.customer if single else None, "contact": single.contact if single else None,
                "matches": len(matches),
            },
        )  # fmt: skip
        audit_log(actor=actor, action=Action.CREATE, obj=call, changes={"number": [None, key]})
    return call
