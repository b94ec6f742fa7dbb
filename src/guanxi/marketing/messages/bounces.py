"""Bounces: a message accepted for sending that never reached the person. The delivery moves from ``sent`` to
``bounced`` with the reason, once (a conditional UPDATE: a report or a bounce message that comes twice
changes nothing). A hard bounce (an e-mail's permanent 5.x.x status, an SMS the provider reports as
permanently undeliverable) also stops the address in the delivery's unit: an opt-out of reason ``bounced``,
which the planning of later sends skips and counts apart (``sending.plan``), and which staff can lift on the
opt-outs page once the address is mended.

Two ways in, both public ends authorised by a token in the address:

- **SMS**: the HTTP provider's delivery report (``views.sms_report``, beside the 退订 reply hook, with the same
  gateway token): ``{"id": provider id, "status": "DELIVRD" | anything else, "reason": …, "permanent": bool}``.
- **E-mail**: the mail relay posts each bounce message (a DSN, RFC 3464) as it received it to
  ``views.mail_bounce`` (the site's hook, ``bounce_hook()``). The delivery is found by the
  ``X-Guanxi-Delivery`` header marketing e-mails carry, which the DSN returns among the original message's
  headers; failing that, by the failed recipient's latest e-mail delivery (docs/decisions.md)."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import Message

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Channel, Delivery, DeliveryStatus, OptOutReason, SmsGateway
from .sending import DELIVERY_HEADER
from .services import address_of, opt_out_record

HOOK_SALT = "guanxi.marketing.bounces"
DELIVERED = {"DELIVRD", "DELIVERED", "SUCCESS", "OK", "0"}


def bounce_hook() -> str:
    """The site's token in the mail relay's bounce address (derived from ``SECRET_KEY``)."""
    return salted_hmac(HOOK_SALT, "mail-relay").hexdigest()[:32]


def hook_valid(token: str) -> bool:
    return constant_time_compare(token, bounce_hook())


@transaction.atomic
def delivery_bounce(*, delivery: Delivery, reason: str, hard: bool) -> str:
    """Mark a sent delivery bounced with the reason; a hard bounce stops the address in its unit. Returns
    ``bounced``, or ``already`` when it was not (or no longer) a sent delivery."""
    moved = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).update(
        status=DeliveryStatus.BOUNCED, error=(reason or "bounced")[:300]
    )
    if hard:  # a second report finds the first opt-out
        opt_out_record(
            unit_id=delivery.business_unit_id, reason=OptOutReason.BOUNCED, channel=delivery.channel,
            address=delivery.person, note=reason[:200],
        )  # fmt: skip
    return "bounced" if moved else "already"


def sms_report(*, gateway_token: str, provider_id: str, state: str, reason: str, permanent: bool) -> str | None:
    """The provider's delivery report of one SMS. None for an unknown hook."""
    gateway = SmsGateway.objects.filter(inbound_token=gateway_token).first()
    if gateway is None:
        return None
    row = (
        Delivery.objects.filter(business_unit_id=gateway.business_unit_id, channel=Channel.SMS, provider_id=provider_id)
        .exclude(provider_id="")
        .first()
    )
    if row is None:
        return "unknown"
    if state.strip().upper() in DELIVERED:
        return "delivered"
    return delivery_bounce(delivery=row, reason=reason.strip() or state.strip(), hard=permanent)


@dataclass(frozen=True)
class Failure:
    recipient: str
    status: str  # the enhanced status code, like 5.1.1
    reason: str

    @property
    def hard(self) -> bool:
        return self.status.startswith("5")


def _value(field: object) -> str:
    """``rfc822; someone@example.cn`` → ``someone@example.cn``."""
    return str(field or "").split(";", 1)[-1].strip().strip("<>")


def read_dsn(raw: bytes) -> tuple[list[Failure], str]:
    """The recipients a delivery status notification reports failed, and the delivery token of the original
    message's headers ("" when they are not returned)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    failures: list[Failure] = []
    token = ""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if not isinstance(block, Message):
                    continue
                if str(block.get("Action", "")).strip().lower() != "failed":
                    continue
                recipient = _value(block.get("Final-Recipient") or block.get("Original-Recipient"))
                status = str(block.get("Status", "")).strip()
                reason = _value(block.get("Diagnostic-Code")) or status
                failures.append(Failure(recipient.lower(), status, " ".join(reason.split())))
        elif kind in ("message/rfc822", "text/rfc822-headers") and not token:
            token = _token_of(part)
    return failures, token


def _token_of(part: Message) -> str:
    payload = part.get_payload()
    original: Message | None = None
    if isinstance(payload, list):
        original = payload[0] if payload and isinstance(payload[0], Message) else None
    else:
        text = part.get_payload(decode=True)
        original = email.message_from_bytes(text if isinstance(text, bytes) else b"", policy=email.policy.compat32)
    return str(original.get(DELIVERY_HEADER, "") if original is not None else "").strip()


def mail_bounce(*, raw: bytes) -> str:
    """A bounce message the relay received: each failed recipient's delivery bounced. Returns what was done
    (``bounced``, ``already``, ``unknown`` for a delivery not found, ``ignored`` for no failure reported)."""
    failures, token = read_dsn(raw)
    if not failures:
        return "ignored"
    done = "unknown"
    by_token = Delivery.objects.filter(token=token, channel=Channel.EMAIL).first() if token else None
    for failure in failures:
        row = by_token
        if row is None or (len(failures) > 1 and row.person != address_of(Channel.EMAIL, failure.recipient)):
            row = (
                Delivery.objects.filter(channel=Channel.EMAIL, person=address_of(Channel.EMAIL, failure.recipient))
                .exclude(sent_at=None)
                .order_by("-sent_at", "-pk")
                .first()
            )
        if row is not None:
            done = delivery_bounce(delivery=row, reason=f"{failure.status} {failure.reason}".strip(), hard=failure.hard)
    return done
