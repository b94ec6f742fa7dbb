"""Messages (SPEC §11.2, §11.4): templates for e-mail and SMS, sends of a template to a campaign's members
(a background job with progress), each recipient's delivery state, opt-outs and do-not-contact flags, and
the unit's SMS gateway (an outbox that records, or a provider's HTTP API)."""

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


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Channel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("channel", "E-mail")
    SMS = "sms", _("SMS")


class MessageTemplate(MainRecord):
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    name = models.CharField(_("template name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # e-mail: HTML cleaned of everything but formatting and links; SMS: plain text
    body = models.TextField(_("body"), max_length=20000)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "name"],
                condition=Q(deleted_at__isnull=True),
                name="message_template_name_once",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("marketing:template", args=[self.pk])


class SendStatus(models.TextChoices):
    PLANNING = "planning", _("Preparing the recipients")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Message(MainRecord):
    """One send of a template to a campaign's members."""

    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    campaign = models.ForeignKey(
        "marketing.Campaign", models.PROTECT, related_name="messages", verbose_name=_("campaign")
    )
    template = models.ForeignKey(MessageTemplate, models.PROTECT, related_name="messages", verbose_name=_("template"))
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("sent by"))
    status = models.CharField(_("status"), max_length=10, choices=SendStatus.choices, default=SendStatus.PLANNING)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    # why members were left out: {"opted_out": n, "do_not_contact": n, "frequency_cap": n, "duplicate": n,
    # "no_address": n}
    skipped = models.JSONField(default=dict, blank=True)
    planned_at = models.DateTimeField(_("planned at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.template.name} → {self.campaign.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("marketing:message", args=[self.pk])


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class Delivery(models.Model):
    """One recipient of a send. ``person`` is the address as compared (a lower-case e-mail or the mobile's
    digits): the same material reaches the same person at most once per campaign (the unique constraint)."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="deliveries")
    campaign = models.ForeignKey("marketing.Campaign", models.CASCADE, related_name="+")
    template = models.ForeignKey(MessageTemplate, models.PROTECT, related_name="+")
    member = models.ForeignKey("marketing.CampaignMember", models.SET_NULL, null=True, blank=True, related_name="+")
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    person = models.CharField(_("address"), max_length=254)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    due_at = models.DateTimeField(_("due at"))
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)  # which worker's batch holds it while sending
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)
    error = models.CharField(_("reason"), max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    token = models.CharField(max_length=32, unique=True, default=new_token)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="delivery_due"),
            models.Index(fields=["message", "status"], name="delivery_message_status"),
            models.Index(fields=["business_unit", "person", "sent_at"], name="delivery_person_week"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "template", "person"], name="delivery_once_per_campaign")
        ]

    def __str__(self) -> str:
        return self.person


class OptOutReason(models.TextChoices):
    LINK = "link", _("Unsubscribe link")
    REPLY = "reply", _("SMS reply")
    REQUEST = "request", _("Asked us")
    DO_NOT_CONTACT = "do_not_contact", _("Do not contact")
    BOUNCED = "bounced", _("Address bounced")


class OptOut(models.Model):
    """退订: an address (or a whole customer, contact or lead, for do-not-contact) that receives no more
    marketing messages on a channel (or on any, ``channel`` empty)."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices, blank=True)
    address = models.CharField(_("address"), max_length=254, blank=True)
    customer = models.ForeignKey("customers.Customer", models.CASCADE, null=True, blank=True, related_name="+")
    contact = models.ForeignKey("customers.Contact", models.CASCADE, null=True, blank=True, related_name="+")
    lead = models.ForeignKey("leads.Lead", models.CASCADE, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=16, choices=OptOutReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["business_unit", "address"], name="opt_out_address")]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "channel", "address"], condition=~Q(address=""), name="opt_out_address_once"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(customer__isnull=False), name="opt_out_customer_once"
            ),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(contact__isnull=False), name="opt_out_contact_once"
            ),
            models.UniqueConstraint(fields=["lead"], condition=Q(lead__isnull=False), name="opt_out_lead_once"),
        ]

    def __str__(self) -> str:
        return self.address or str(self.customer_id or self.contact_id or self.lead_id)


class GatewayKind(models.TextChoices):
    OUTBOX = "outbox", _("Outbox (records, sends nothing)")
    HTTP = "http", _("Provider's HTTP API")


class SmsGateway(models.Model):
    """The unit's SMS provider: the outbox by default; a provider's HTTP API when configured. Its key is
    stored encrypted (``core.sealed``) and never shown again."""

    business_unit = models.OneToOneField(BusinessUnit, models.CASCADE, related_name="+")
    kind = models.CharField(_("provider"), max_length=8, choices=GatewayKind.choices, default=GatewayKind.OUTBOX)
    endpoint = models.URLField(_("endpoint"), blank=True)
    key_encrypted = models.TextField(blank=True, default="")
    signature = models.CharField(_("signature"), max_length=20, blank=True, help_text=_("Shown as 【signature】."))
    inbound_token = models.CharField(max_length=32, unique=True, default=new_token)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def has_key(self) -> bool:
        return bool(self.key_encrypted)


class SmsOutbox(models.Model):
    """What the outbox provider 'sent': kept for reading, never delivered."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+")
    to = models.CharField(max_length=20)
    text = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.to


def register() -> None:
    from guanxi.core import permissions, scope

    permissions.register_module(
        permissions.Module(
            "marketing_messages", _("Marketing messages"), ("view", "create", "edit", "delete", "approve")
        )
    )
    permissions.register_module(
        permissions.Module("sms_gateway", _("SMS provider"), ("view", "configure"), kind="admin")
    )
    everyone = {"everyone": True, "unit": "business_unit"}
    scope.register(MessageTemplate, scope.Rule("marketing_messages", owner="owner", **everyone))  # type: ignore[arg-type]
    scope.register(OptOut, scope.Rule("marketing_messages", owner=None, **everyone))  # type: ignore[arg-type]
    scope.register(SmsGateway, scope.Rule("sms_gateway", owner=None, **everyone))  # type: ignore[arg-type]
    scope.register(SmsOutbox, scope.Rule("sms_gateway", owner=None, **everyone))  # type: ignore[arg-type]
    scope.register(Message, scope.Rule("campaigns", owner="campaign__owner", unit="business_unit"))
    scope.register(Delivery, scope.Rule("campaigns", owner="campaign__owner", unit="business_unit"))
