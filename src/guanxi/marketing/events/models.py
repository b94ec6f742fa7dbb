"""Events (SPEC §11.3): a campaign's exhibition, seminar or meeting with a public registration page, each
registration's QR code checked in at the door, and attendance linked to the campaign and to the contact or
lead the registrant is."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit

from ..messages.models import Channel


def new_key() -> str:
    return secrets.token_urlsafe(12)


class Event(MainRecord):
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    campaign = models.ForeignKey(
        "marketing.Campaign", models.PROTECT, related_name="events", verbose_name=_("campaign")
    )
    name = models.CharField(_("event name"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=0, help_text=_("0: no limit."))
    description = models.TextField(_("description"), max_length=2000, blank=True)
    confirmation = models.TextField(
        _("confirmation message"), max_length=500, blank=True,
        help_text=_("Shown to each registrant with their QR code."),
    )  # fmt: skip
    is_open = models.BooleanField(_("registration open"), default=True)
    key = models.CharField(max_length=24, unique=True, default=new_key, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("marketing:event", args=[self.pk])


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("event", "Registered")
    ATTENDED = "attended", _("Checked in")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    event = models.ForeignKey(Event, models.CASCADE, related_name="registrations")
    name = models.CharField(_("name"), max_length=50)
    company = models.CharField(_("company"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    code = models.CharField(_("check-in code"), max_length=24, unique=True, default=new_key, editable=False)
    customer = models.ForeignKey("customers.Customer", models.SET_NULL, null=True, blank=True, related_name="+")
    contact = models.ForeignKey("customers.Contact", models.SET_NULL, null=True, blank=True, related_name="+")
    lead = models.ForeignKey("leads.Lead", models.SET_NULL, null=True, blank=True, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-registered_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["event", "mobile"], name="registration_mobile_once")]

    def __str__(self) -> str:
        return self.name


class ConfirmationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Confirmation(models.Model):
    """The message that confirms one registration: an e-mail when the registrant gave an address, else an SMS,
    with the event's name, time and place and the check-in code. One per registration (the one-to-one), sent
    by the sweep ``marketing_confirm`` (``events/confirmations.py``), which claims each by a conditional
    UPDATE: registering once sends once, and a retry or a second worker sends nothing twice."""

    registration = models.OneToOneField(Registration, models.CASCADE, related_name="confirmation")
    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    to = models.CharField(_("address"), max_length=254)
    status = models.CharField(
        _("status"), max_length=8, choices=ConfirmationStatus.choices, default=ConfirmationStatus.QUEUED
    )
    due_at = models.DateTimeField(_("due at"))
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("reason"), max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("registration confirmation")
        verbose_name_plural = _("registration confirmations")
        indexes = [models.Index(fields=["status", "due_at"], name="confirmation_due")]

    def __str__(self) -> str:
        return self.to


def register() -> None:
    from guanxi.core import scope

    scope.register(Event, scope.Rule("campaigns", owner="campaign__owner", unit="business_unit"))
    scope.register(Registration, scope.Rule("campaigns", owner="event__campaign__owner", unit="event__business_unit"))
