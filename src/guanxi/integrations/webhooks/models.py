"""Webhook subscriptions of a business unit and the deliveries of record events to them (SPEC §13.5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OutboxEvent
from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit


class Subscription(MainRecord):
    """An address of another system that hears chosen record events of one business unit."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"),
        help_text=_("Told when deliveries keep failing and the webhook is paused."),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)  # event codes, core.outbox.EVENTS
    secret = models.CharField(_("signing secret"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["business_unit", "active"], name="webhook_unit_active")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("integrations:webhook", args=[self.pk])


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    RETRYING = "retrying", _("Failed, will retry")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class Delivery(models.Model):
    """One event for one subscription: the body is fixed when the event is dispatched, so every attempt and a
    redelivery send the same bytes under the same idempotency key."""

    subscription = models.ForeignKey(Subscription, models.CASCADE, related_name="deliveries", verbose_name=_("webhook"))
    event = models.ForeignKey(OutboxEvent, models.CASCADE, related_name="+", verbose_name=_("event"))
    event_code = models.CharField(_("event"), max_length=60)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)  # a worker's lease
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status__in=["pending", "retrying"]),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_code} → {self.subscription_id}"

    @property
    def key(self) -> str:
        return str(self.event.key)


class Attempt(models.Model):
    """One POST of a delivery: what the receiver answered (or why nothing did)."""

    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="tries", verbose_name=_("delivery"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    response = models.CharField(_("response"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["delivery", "-at"], name="webhook_attempt_log")]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"


def register() -> None:
    from guanxi.core import permissions, scope

    # Configuration of the unit: its administrators hold it (``admin`` modules), each within their unit.
    permissions.register_module(
        permissions.Module("webhooks", _("Webhooks"), ("view", "create", "edit", "delete"), kind="admin")
    )
    scope.register(Subscription, scope.Rule("webhooks", owner="owner", unit="business_unit"))
    scope.register(
        Delivery,
        scope.Rule(
            "webhooks", owner="subscription__owner", department="subscription__owner__department",
            unit="subscription__business_unit",
        ),
    )  # fmt: skip
    scope.register(
        Attempt,
        scope.Rule(
            "webhooks", owner="delivery__subscription__owner",
            department="delivery__subscription__owner__department", unit="delivery__subscription__business_unit",
        ),
    )  # fmt: skip
