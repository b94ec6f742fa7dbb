"""Reads of events and registrations through the scope gate, and each registration's QR code."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from guanxi.org.models import User

from ..campaigns.models import Campaign
from .models import Event, Registration, RegistrationStatus


def events_of(*, actor: User, campaign: Campaign) -> list[Event]:
    rows = Event.objects.visible_to(actor).filter(campaign=campaign)
    return list(
        rows.annotate(
            registered=Count("registrations", filter=~Q(registrations__status=RegistrationStatus.CANCELLED)),
            attended=Count("registrations", filter=Q(registrations__status=RegistrationStatus.ATTENDED)),
        )
    )


def registrations(*, event: Event, status: str = "", query: str = "") -> QuerySet[Registration]:
    rows = event.registrations.select_related("lead", "contact", "customer", "confirmation")
    if status in RegistrationStatus.values:
        rows = rows.filter(status=status)
    if query.strip():
        rows = rows.filter(
            Q(name__contains=query.strip()) | Q(mobile=query.strip()) | Q(company__contains=query.strip())
        )
    return rows


def counts(event: Event) -> dict[str, Any]:
    found = dict(event.registrations.values("status").annotate(n=Count("pk")).order_by().values_list("status", "n"))
    return {status: found.get(status, 0) for status in RegistrationStatus.values}


def check_in_url(registration: Registration) -> str:
    """What the QR code holds: the staff's check-in page with the code filled in (a phone's camera opens it)."""
    return settings.SITE_URL + reverse("marketing:check_in") + f"?code={registration.code}"


def qr_svg(registration: Registration) -> str:
    return str(segno.make(check_in_url(registration), error="m").svg_inline(scale=4, border=2))
