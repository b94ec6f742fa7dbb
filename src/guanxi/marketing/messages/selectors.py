"""Reads of templates, sends, deliveries and opt-outs, each through the scope gate."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from guanxi.org.models import User

from ..campaigns.models import Campaign
from .models import Delivery, DeliveryStatus, Message, MessageTemplate, OptOut, SendStatus

SKIP_LABELS = {
    "no_address": _("No address on this channel"),
    "do_not_contact": _("Do not contact"),
    "opted_out": _("Opted out"),
    "bounced": _("Address bounced"),
    "frequency_cap": _("Weekly cap reached"),
    "duplicate": _("Already sent in this campaign"),
}


def template_list(*, actor: User, channel: str = "") -> QuerySet[MessageTemplate]:
    rows = MessageTemplate.objects.visible_to(actor).select_related("owner")
    return rows.filter(channel=channel) if channel else rows


def templates_for(*, actor: User, campaign: Campaign) -> QuerySet[MessageTemplate]:
    return template_list(actor=actor).filter(business_unit_id=campaign.business_unit_id, is_active=True)


def messages_of(*, actor: User, campaign: Campaign) -> list[Message]:
    rows = list(Message.objects.visible_to(actor).filter(campaign=campaign).select_related("template", "owner"))
    progress = counts_of([row.pk for row in rows])
    for row in rows:
        row.progress = progress.get(row.pk, _empty())  # type: ignore[attr-defined]
    return rows


def _empty() -> dict[str, int]:
    return dict.fromkeys(DeliveryStatus.values, 0)


def counts_of(message_ids: list[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    rows = Delivery.objects.filter(message_id__in=message_ids).values("message_id", "status").annotate(n=Count("pk"))
    for row in rows.order_by():
        found.setdefault(row["message_id"], _empty())[row["status"]] = row["n"]
    return found


def skipped_of(message: Message) -> list[tuple[str, int]]:
    return [
        (str(label), int(message.skipped.get(code, 0)))
        for code, label in SKIP_LABELS.items()
        if message.skipped.get(code)
    ]


def progress(message: Message) -> dict[str, Any]:
    counts = counts_of([message.pk]).get(message.pk, _empty())
    total = message.recipients or sum(counts.values())
    done = counts["sent"] + counts["failed"] + counts["bounced"]
    return {
        "counts": counts,
        "total": total,
        "done": done,
        "percent": 100 if message.status == SendStatus.DONE else (int(done * 100 / total) if total else 0),
        "running": message.status in (SendStatus.PLANNING, SendStatus.SENDING),
        "opened": Delivery.objects.filter(message=message, opened_at__isnull=False).count(),
        "clicked": Delivery.objects.filter(message=message, clicked_at__isnull=False).count(),
    }


def deliveries(*, message: Message, status: str = "") -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(message=message).select_related("member")
    return rows.filter(status=status) if status in DeliveryStatus.values else rows


def opt_out_list(*, actor: User, query: str = "") -> QuerySet[OptOut]:
    rows = OptOut.objects.visible_to(actor).select_related("customer", "contact", "lead")
    return rows.filter(address__icontains=query.strip().lower()) if query.strip() else rows


def customer_marketing(*, actor: User, customer: Any) -> dict[str, Any]:
    """The 360 tab: the campaigns the customer and its contacts were aimed at, and their do-not-contact marks."""
    from ..campaigns.models import CampaignMember

    campaigns = Campaign.objects.visible_to(actor).filter(
        pk__in=CampaignMember.objects.filter(customer=customer).values("campaign_id")
    )
    blocked = OptOut.objects.filter(business_unit_id=customer.business_unit_id)
    contacts = list(customer.contacts.all())
    flagged = set(blocked.filter(contact__in=contacts).values_list("contact_id", flat=True))
    for contact in contacts:
        contact.do_not_contact = contact.pk in flagged
    return {
        "campaigns": list(campaigns.order_by("-starts_on")[:20]),
        "contacts": contacts,
        "customer_blocked": blocked.filter(customer=customer).exists(),
    }
