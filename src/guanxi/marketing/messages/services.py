"""Every write on message templates, opt-outs and the SMS gateway, and the start of a send (SPEC §11.2).
The send itself (planning the recipients, delivering them) is in ``sending.py``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import sealed
from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.customers.models import Contact, Customer
from guanxi.leads.models import Lead
from guanxi.org.models import User

from ..campaigns.models import Campaign, CampaignMember, CampaignStatus
from . import context as contexts
from . import rendering
from .models import Channel, GatewayKind, Message, MessageTemplate, OptOut, OptOutReason, SendStatus, SmsGateway
from .providers import KEY_PURPOSE


def gateway_of(unit_id: int) -> SmsGateway:
    gateway, _created = SmsGateway.objects.get_or_create(business_unit_id=unit_id)
    return gateway


def _unit(actor: User) -> int:
    if actor.business_unit_id is None:
        raise NotPermitted(_("Only members of a business unit can write message templates."))
    return int(actor.business_unit_id)


def _check_body(channel: str, subject: str, body: str, unit: int, errors: dict[str, list[str]]) -> str:
    if channel == Channel.EMAIL:
        if not subject.strip():
            errors["subject"] = [_("Enter a subject.")]
        else:
            try:
                rendering.check(subject)
            except rendering.TemplateRefused as refused:
                errors["subject"] = [refused.message]
        body = rendering.sanitise(body)
    if not body.strip():
        errors.setdefault("body", []).append(_("Write the message."))
        return body
    try:
        rendering.check(body)
    except rendering.TemplateRefused as refused:
        errors.setdefault("body", []).append(refused.message)
        return body
    if channel == Channel.SMS:
        if "【" in body or "】" in body:
            errors.setdefault("body", []).append(_("Leave out 【】: the signature is added in front of every SMS."))
        text = rendering.sms_text(rendering.render(body, rendering.SAMPLE), gateway_of(unit).signature)
        parts = rendering.segments(text).parts
        if parts > rendering.MAX_SEGMENTS:
            errors.setdefault("body", []).append(
                _("Too long: %(parts)d SMS segments; at most %(max)d.")
                % {"parts": parts, "max": rendering.MAX_SEGMENTS}
            )
    return body


@transaction.atomic
def template_save(
    *, actor: User, data: Mapping[str, Any], template: MessageTemplate | None = None, version: int | None = None
) -> MessageTemplate:
    """Create or change a template. Its variables are checked against those offered (an unknown one is
    refused, named); an e-mail's HTML is cleaned; an SMS over 10 segments is refused."""
    require_perm(actor, "marketing_messages.edit" if template else "marketing_messages.create")
    unit = _unit(actor) if template is None else template.business_unit_id
    if template is not None and not MessageTemplate.objects.visible_to(actor).filter(pk=template.pk).exists():
        raise NotPermitted(_("This template is outside your data scope."))
    if template is not None and template.business_unit_id != actor.business_unit_id and not actor.is_superuser:
        raise NotPermitted(_("Only the template's own business unit changes it."))
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.get("name", template.name if template else "") or "").split())[:100]
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif (
        MessageTemplate.objects.filter(business_unit_id=unit, name=name)
        .exclude(pk=template.pk if template else None)
        .exists()
    ):
        errors["name"] = [_("The unit already has a template named %(name)s.") % {"name": name}]
    channel = template.channel if template else str(data.get("channel") or "")
    if channel not in Channel.values:
        errors["channel"] = [_("Choose e-mail or SMS.")]
    subject = str(data.get("subject", template.subject if template else "") or "")[:200]
    body = str(data.get("body", template.body if template else "") or "")[:20000]
    if channel in Channel.values:
        body = _check_body(channel, subject, body, unit, errors)
    if errors:
        raise ValidationError(errors)
    if channel == Channel.SMS:
        subject = ""
    if template is None:
        template = MessageTemplate(business_unit_id=unit, owner=actor, created_by=actor, channel=channel)
        template.name, template.subject, template.body = name, subject, body
        try:
            with transaction.atomic():
                template.save()
        except IntegrityError as error:
            raise ValidationError(
                {"name": [_("The unit already has a template named %(name)s.") % {"name": name}]}
            ) from error
        audit_log(actor=actor, action=Action.CREATE, obj=template, changes={"name": [None, name]})
        return template
    before = {"name": template.name, "subject": template.subject, "body": template.body}
    template.name, template.subject, template.body = name, subject, body
    save_versioned(template, expected_version=version or 0, fields=["name", "subject", "body", "is_active"])
    changes = {key: [value, getattr(template, key)] for key, value in before.items() if value != getattr(template, key)}
    audit_log(actor=actor, action=Action.UPDATE, obj=template, changes=changes)
    return template


@transaction.atomic
def template_delete(*, actor: User, template: MessageTemplate) -> None:
    require_perm(actor, "marketing_messages.delete")
    if (
        not MessageTemplate.objects.visible_to(actor)
        .filter(pk=template.pk, business_unit_id=actor.business_unit_id)
        .exists()
    ):
        raise NotPermitted(_("This template is outside your data scope."))
    if template.messages.exists():
        raise DomainError(_("This template was sent; it stays as the record of what was sent."), code="in_use")
    MessageTemplate.all_objects.filter(pk=template.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    audit_log(actor=actor, action=Action.DELETE, obj=template)


PREVIEW_KINDS = {"customer": Customer, "contact": Contact, "lead": Lead}


def template_preview(*, actor: User, template: MessageTemplate, kind: str, record_id: int) -> dict[str, Any]:
    """The template filled in with a real customer, contact or lead the actor may see."""
    model = PREVIEW_KINDS.get(kind)
    record = model.objects.visible_to(actor).filter(pk=record_id).first() if model else None
    if record is None:
        raise DomainError(_("Choose a record you can see."), field="record")
    values = contexts.for_record(actor=actor, kind=kind, record=record)
    return render_for(template, values)


def render_for(template: MessageTemplate, values: Mapping[str, Any]) -> dict[str, Any]:
    if template.channel == Channel.SMS:
        text = rendering.sms_text(
            rendering.render(template.body, values), gateway_of(template.business_unit_id).signature
        )
        counted = rendering.segments(text)
        return {"channel": "sms", "text": text, "length": counted.length, "segments": counted.parts}
    body = rendering.render(template.body, values, as_html=True)
    return {
        "channel": "email",
        "subject": rendering.render(template.subject, values),
        "html": body,
        "text": rendering.text_of(body),
    }


# --- opt-outs and do-not-contact -------------------------------------------------------------------------


def address_of(channel: str, value: str) -> str:
    """An address as compared: an e-mail in lower case, a mobile's digits (without +86)."""
    value = (value or "").strip()
    if channel == Channel.EMAIL:
        return value.lower()
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


@transaction.atomic
def opt_out_record(
    *,
    unit_id: int,
    reason: str,
    channel: str = "",
    address: str = "",
    actor: User | None = None,
    customer: Customer | None = None,
    contact: Contact | None = None,
    lead: Lead | None = None,
    note: str = "",
) -> OptOut:
    """An address that wants no more (of one channel, or any) or a record not to contact; a second request
    finds the first (the unique constraints)."""
    if address:
        address = address_of(channel or (Channel.EMAIL if "@" in address else Channel.SMS), address)
    if not address and not (customer or contact or lead):
        raise DomainError(_("Give an address or a customer, contact or lead."), field="address")
    if address and channel == Channel.EMAIL and "@" not in address:
        raise DomainError(_("Enter a valid e-mail address."), field="address")
    if address and channel == Channel.SMS and len(address) != 11:
        raise DomainError(_("Enter a valid mobile number."), field="address")
    lookup: dict[str, Any] = (
        {"business_unit_id": unit_id, "channel": channel, "address": address}
        if address
        else {"customer": customer}
        if customer
        else {"contact": contact}
        if contact
        else {"lead": lead}
    )
    existing = OptOut.objects.filter(**lookup).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            row = OptOut.objects.create(
                business_unit_id=unit_id, channel=channel, address=address, customer=customer, contact=contact,
                lead=lead, reason=reason, note=note[:200], created_by=actor,
            )  # fmt: skip
    except IntegrityError:
        return OptOut.objects.get(**lookup)
    audit_log(
        actor=actor, action=Action.CREATE, obj=row, changes={"reason": [None, reason], "address": [None, address]}
    )
    return row


def opt_out_add(*, actor: User, data: Mapping[str, Any]) -> OptOut:
    """By hand (the API's and the page's): an address, or do-not-contact on a visible record."""
    require_perm(actor, "marketing_messages.edit")
    unit = _unit(actor)
    records: dict[str, Any] = {}
    for name, model in PREVIEW_KINDS.items():
        value = data.get(name)
        if value:
            pk = value.pk if hasattr(value, "pk") else int(value)
            record = model.objects.visible_to(actor).filter(pk=pk).first()
            if record is None:
                raise DomainError(_("Choose a record you can see."), field=name)
            records[name] = record
    channel = str(data.get("channel") or "")
    if channel and channel not in Channel.values:
        raise DomainError(_("Choose e-mail or SMS."), field="channel")
    reason = OptOutReason.DO_NOT_CONTACT if records and not data.get("address") else OptOutReason.REQUEST
    return opt_out_record(
        unit_id=unit, reason=reason, channel=channel, address=str(data.get("address") or ""), actor=actor,
        note=str(data.get("note") or ""), **records,
    )  # fmt: skip


@transaction.atomic
def opt_out_remove(*, actor: User, opt_out: OptOut) -> None:
    require_perm(actor, "marketing_messages.delete")
    if not OptOut.objects.visible_to(actor).filter(pk=opt_out.pk, business_unit_id=actor.business_unit_id).exists():
        raise NotPermitted(_("This opt-out is outside your data scope."))
    OptOut.objects.filter(pk=opt_out.pk).delete()
    audit_log(actor=actor, action=Action.DELETE, obj=opt_out)


def suppressed_members(*, unit: int, members: list[CampaignMember]) -> list[CampaignMember]:
    """The members not marked do-not-contact (nor opted out of every channel they can be reached on)."""
    rows = OptOut.objects.filter(business_unit_id=unit)
    stop = Q(pk__in=[])
    customers = [m.customer_id for m in members if m.customer_id]
    contacts = [m.contact_id for m in members if m.contact_id]
    leads = [m.lead_id for m in members if m.lead_id]
    stop |= Q(customer_id__in=customers) | Q(contact_id__in=contacts) | Q(lead_id__in=leads)
    addresses = [address_of(Channel.EMAIL, m.email) for m in members if m.email]
    addresses += [address_of(Channel.SMS, m.mobile) for m in members if m.mobile]
    blocked = list(
        rows.filter(stop | Q(address__in=addresses)).values(
            "customer_id", "contact_id", "lead_id", "address", "channel"
        )
    )
    people = {("customer", row["customer_id"]) for row in blocked} | {("contact", row["contact_id"]) for row in blocked}
    people |= {("lead", row["lead_id"]) for row in blocked}
    gone = {(row["channel"], row["address"]) for row in blocked if row["address"]}

    def out(member: CampaignMember) -> bool:
        if ("contact", member.contact_id) in people or ("lead", member.lead_id) in people:
            return True
        if member.contact_id is None and ("customer", member.customer_id) in people:
            return True
        reach = [(Channel.EMAIL, address_of(Channel.EMAIL, member.email))] if member.email else []
        reach += [(Channel.SMS, address_of(Channel.SMS, member.mobile))] if member.mobile else []
        return bool(reach) and all((ch, a) in gone or ("", a) in gone for ch, a in reach)

    return [member for member in members if not out(member)]


# --- the SMS gateway ---------------------------------------------------------------------------------


@transaction.atomic
def gateway_save(*, actor: User, data: Mapping[str, Any]) -> SmsGateway:
    require_perm(actor, "sms_gateway.configure")
    gateway = gateway_of(_unit(actor))
    kind = str(data.get("kind") or GatewayKind.OUTBOX)
    errors: dict[str, list[str]] = {}
    if kind not in GatewayKind.values:
        errors["kind"] = [_("Choose a provider.")]
    endpoint = str(data.get("endpoint") or "").strip()
    if kind == GatewayKind.HTTP and not endpoint.startswith(("https://", "http://")):
        errors["endpoint"] = [_("Enter the provider's address (https://…).")]
    signature = str(data.get("signature") or "").strip().strip("【】")
    if signature and not 2 <= len(signature) <= 12:
        errors["signature"] = [_("A signature has 2 to 12 characters.")]
    key = str(data.get("api_key") or "").strip()
    if key and not (key.isascii() and key.isprintable() and " " not in key):
        errors["api_key"] = [_("A key has letters, digits and symbols only (no spaces).")]
    if errors:
        raise ValidationError(errors)
    gateway.kind, gateway.endpoint, gateway.signature = kind, endpoint[:200], signature
    changes: dict[str, Any] = {"kind": [None, kind], "endpoint": [None, endpoint]}
    if key:  # write-only: sealed here, never shown back; left empty, the stored key stays
        gateway.key_encrypted = sealed.seal(key[:200], purpose=KEY_PURPOSE)
        changes["api_key"] = ["…", "…"]  # that it changed, never the key
    if kind == GatewayKind.HTTP and not gateway.key_encrypted:
        raise ValidationError({"api_key": [_("Enter the provider's API key.")]})
    gateway.save()
    audit_log(actor=actor, action=Action.UPDATE, obj=gateway, changes=changes)
    return gateway


# --- a send -------------------------------------------------------------------------------------------


@transaction.atomic
def message_send(*, actor: User, campaign: Campaign, template: MessageTemplate) -> Message:
    """Send a template to the campaign's members, in the background: the recipients are planned (opt-outs,
    do-not-contact, the weekly cap and the material already sent in this campaign left out and counted),
    then delivered. Needs the right to send (``marketing_messages.approve``)."""
    require_perm(actor, "marketing_messages.approve")
    row = Campaign.objects.visible_to(actor).select_for_update().filter(pk=campaign.pk).first()
    if row is None:
        raise NotPermitted(_("This campaign is outside your data scope."))
    if (
        not MessageTemplate.objects.visible_to(actor)
        .filter(pk=template.pk, business_unit_id=row.business_unit_id, is_active=True)
        .exists()
    ):
        raise DomainError(_("Choose an active template of the campaign's business unit."), field="template")
    if row.status != CampaignStatus.ACTIVE:
        raise DomainError(_("Launch the campaign before sending to its members."), code="wrong_status")
    if not CampaignMember.objects.filter(campaign=row).exists():
        raise DomainError(_("The audience is empty: the campaign has no members."), code="empty_audience")
    if Message.objects.filter(campaign=row, template=template, status=SendStatus.PLANNING).exists():
        raise Conflict(_("This template is being prepared for this campaign already."), code="already_sending")
    message = Message.objects.create(
        business_unit_id=row.business_unit_id, campaign=row, template=template, channel=template.channel,
        owner=actor, created_by=actor,
    )  # fmt: skip
    audit_log(actor=actor, action=Action.CREATE, obj=message, changes={"template": [None, template.name]})
    from .tasks import queue_plan

    transaction.on_commit(lambda: queue_plan(message.pk))
    return message


def register() -> None:
    """Marketing's parameters (the weekly cap, open tracking) and the hand-added members' opt-out check."""
    from django.utils.translation import gettext_lazy

    from guanxi.core.config.parameters import register_parameter, register_parameter_group

    from ..campaigns import services as campaigns

    register_parameter_group("marketing", gettext_lazy("Marketing"), 45)
    register_parameter(
        "marketing.weekly_cap", gettext_lazy("Marketing messages per person per week"), "int", 3, min=1, max=50,
        group="marketing",
        help=gettext_lazy("A person who received this many messages on a channel in the last 7 days is skipped."),
    )  # fmt: skip
    register_parameter(
        "marketing.track_opens", gettext_lazy("Track e-mail opens"), "bool", True, group="marketing",
        help=gettext_lazy("Adds an invisible image to marketing e-mails; turn off where privacy rules require."),
    )  # fmt: skip
    if suppressed_members not in campaigns.SUPPRESSED:
        campaigns.SUPPRESSED.append(suppressed_members)


@transaction.atomic
def do_not_contact_set(*, actor: User, kind: str, record_id: int, on: bool) -> bool:
    """Mark a customer, contact or lead the actor can see not to be contacted by marketing, or lift the mark."""
    require_perm(actor, "marketing_messages.edit")
    model = PREVIEW_KINDS.get(kind)
    record = model.objects.visible_to(actor).filter(pk=record_id).first() if model else None
    if record is None:
        raise DomainError(_("Choose a record you can see."), field="record")
    if on:
        opt_out_add(actor=actor, data={kind: record})
        return True
    row = OptOut.objects.filter(**{kind: record}).first()
    if row is not None:
        OptOut.objects.filter(pk=row.pk).delete()
        audit_log(actor=actor, action=Action.DELETE, obj=row)
    return False
