"""What comes back from a send: an e-mail opened (the tracking pixel, where the unit allows it), a link
clicked (a signed redirect: only the links the message carried), an unsubscribe (the one-click link, or an
SMS reply 退订 / TD through the provider's inbound hook), any other SMS reply. Each is a response of the
campaign, counted once per member."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils import timezone

from ..campaigns.services import response_record
from .models import Channel, Delivery, OptOut, OptOutReason, SmsGateway
from .sending import CLICK_SALT
from .services import address_of, opt_out_record

STOP_WORDS = {"TD", "T", "退订", "N", "R", "取消", "UNSUBSCRIBE", "STOP"}


def delivery_opened(*, token: str) -> bool:
    row = Delivery.objects.filter(token=token).first()
    if row is None:
        return False
    now = timezone.now()
    if Delivery.objects.filter(pk=row.pk, opened_at__isnull=True).update(opened_at=now):
        response_record(campaign=row.campaign_id, kind="opened", member=row.member, at=now)
    return True


def delivery_clicked(*, signed: str) -> str | None:
    """The address to send the reader to, or None for a link this system did not sign."""
    try:
        value = signing.loads(signed, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not str(value.get("u", "")).startswith(("http://", "https://")):
        return None
    row = Delivery.objects.filter(token=str(value.get("d", ""))).first()
    if row is not None:
        now = timezone.now()
        Delivery.objects.filter(pk=row.pk, opened_at__isnull=True).update(opened_at=now)
        if Delivery.objects.filter(pk=row.pk, clicked_at__isnull=True).update(clicked_at=now):
            response_record(campaign=row.campaign_id, kind="clicked", member=row.member, at=now)
    return str(value["u"])


def delivery_for_unsubscribe(*, token: str) -> Delivery | None:
    return Delivery.objects.filter(token=token).select_related("campaign").first()


@transaction.atomic
def unsubscribe(*, token: str) -> OptOut | None:
    row = Delivery.objects.filter(token=token).first()
    if row is None:
        return None
    return opt_out_record(
        unit_id=row.business_unit_id, reason=OptOutReason.LINK, channel=row.channel, address=row.person
    )


@transaction.atomic
def sms_inbound(*, gateway_token: str, mobile: str, text: str) -> str | None:
    """A reply from a phone: 退订 / TD opts the number out of SMS; anything else is a reply to the campaign
    of the latest SMS sent to that number. Returns what was done, or None for an unknown hook."""
    gateway = SmsGateway.objects.filter(inbound_token=gateway_token).first()
    if gateway is None:
        return None
    number = address_of(Channel.SMS, mobile)
    if len(number) != 11:
        return "ignored"
    word = "".join(text.split()).upper().strip("。.!！")
    if word in STOP_WORDS:
        opt_out_record(unit_id=gateway.business_unit_id, reason=OptOutReason.REPLY, channel=Channel.SMS, address=number,
                       note=text[:200])  # fmt: skip
        return "opted_out"
    latest = (
        Delivery.objects.filter(business_unit_id=gateway.business_unit_id, channel=Channel.SMS, person=number)
        .exclude(sent_at=None)
        .order_by("-sent_at")
        .first()
    )
    if latest is not None:
        response_record(campaign=latest.campaign_id, kind="replied", member=latest.member)
        return "replied"
    return "ignored"
