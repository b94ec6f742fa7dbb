"""The call centre (与呼叫中心集成, SPEC §9.6): calls as the company's PBX/CTI reports them (ringing, answered,
ended), each event kept once; the agents' extensions; each unit's PBX connection for click-to-call."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit, User

EXTENSION_PATTERN = RegexValidator(r"^\d{2,8}$", _("An extension is 2 to 8 digits."))
# How long after its last event a call still shows in its agent's pop-up (unless they close it).
POP_MINUTES = 15


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Incoming")
    OUTBOUND = "outbound", _("Outgoing")


class Event(models.TextChoices):
    """What the PBX reports, in the order a call lives them (an event's rank is its place here)."""

    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")

    @property
    def rank(self) -> int:
        return list(Event).index(self)


class Outcome(models.TextChoices):
    OPEN = "", _("In progress")
    ANSWERED = "answered", _("Answered")
    MISSED = "missed", _("Missed")


class Extension(models.Model):
    """A user's extension (分机号) on the PBX: unique in their business unit, so a ringing extension names
    one agent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="call_extension", verbose_name=_("user")
    )
    business_unit = models.ForeignKey(
        BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"), db_index=False
    )
    number = models.CharField(_("extension"), max_length=8, validators=[EXTENSION_PATTERN])
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "number"], name="call_extension_unique_in_unit")
        ]

    def __str__(self) -> str:
        return self.number


class PbxConnection(models.Model):
    """How Guanxi reaches a unit's PBX to place a call (click-to-call): its address and key. Set by the unit's
    administrator; the key is stored encrypted and never shown again."""

    business_unit = models.OneToOneField(
        BusinessUnit, models.CASCADE, related_name="pbx_connection", verbose_name=_("business unit")
    )
    dial_url = models.URLField(_("dial address"), max_length=300)
    key_encrypted = models.TextField(blank=True, default="")
    area_code = models.CharField(
        _("local area code"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^0\d{2,3}$", _("An area code is 0 and 2 or 3 digits, like 021."))],
        help_text=_("Added to local numbers the PBX reports without one (like 62345678)."),
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("changed by")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("PBX connection")
        verbose_name_plural = _("PBX connections")

    def __str__(self) -> str:
        return self.dial_url

    @property
    def has_key(self) -> bool:
        return bool(self.key_encrypted)


class Call(models.Model):
    """One call, as the PBX's events tell it. The events may come late, twice or out of order: every field
    only moves forward (the earliest ring, the longest duration, the furthest state), so any order ends in the
    same call."""

    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"), db_index=False
    )
    call_id = models.CharField(_("call id"), max_length=100)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    number = models.CharField(
        pgettext_lazy("phone", "number"), max_length=40
    )  # the other party's number as the PBX sent it
    number_key = models.CharField(max_length=40, blank=True, default="")  # normalised, as customers' phones
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", db_index=False,
        verbose_name=pgettext_lazy("call centre", "agent"),
    )  # fmt: skip
    state = models.CharField(_("state"), max_length=10, choices=Event.choices, default=Event.RINGING)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True, default="")
    started_at = models.DateTimeField(_("time"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration (s)"), default=0)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("customer"),
        db_index=False,
    )  # fmt: skip
    contact = models.ForeignKey(
        "customers.Contact", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact"),
        db_index=False,
    )  # fmt: skip
    matches = models.PositiveSmallIntegerField(default=0)  # customers of the unit with this number
    followup = models.ForeignKey(
        "activities.FollowUp", models.SET_NULL, null=True, blank=True, related_name="+", db_index=False,
        verbose_name=_("follow-up"),
    )  # fmt: skip
    callback_plan = models.ForeignKey(
        "activities.Plan", models.SET_NULL, null=True, blank=True, related_name="+", db_index=False,
        verbose_name=_("call-back plan"),
    )  # fmt: skip
    ticket = models.ForeignKey(
        "service.Ticket", models.SET_NULL, null=True, blank=True, related_name="+", db_index=False,
        verbose_name=_("ticket"),
    )  # fmt: skip
    dismissed_at = models.DateTimeField(null=True, blank=True)  # the agent closed its pop-up
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-pk"]
        indexes = [
            # the agent's pop-up (their latest call) and their call log
            models.Index(fields=["agent", "-started_at", "-id"], name="call_agent_recent"),
            # the unit's call log, and its queue of calls no agent took
            models.Index(fields=["business_unit", "-started_at", "-id"], name="call_unit_recent"),
            models.Index(
                fields=["business_unit", "-started_at"], condition=Q(agent__isnull=True), name="call_unit_queue"
            ),
            models.Index(fields=["customer", "-started_at"], name="call_customer_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "call_id"], name="call_id_unique_in_unit"),
        ]

    def __str__(self) -> str:
        from django.utils.formats import date_format

        when = date_format(timezone.localtime(self.started_at), "SHORT_DATETIME_FORMAT")
        return f"{self.get_direction_display()} {self.number} · {when}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("calls:detail", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.state != Event.ENDED


class CallEvent(models.Model):
    """One event of a call as received: at most one of each kind per call, which makes a repeated delivery
    harmless (the PBX retries until it gets an answer)."""

    call = models.ForeignKey(Call, models.CASCADE, related_name="events")
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    occurred_at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "event"], name="call_event_once")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.event}"


def _queue(actor: User) -> Q:
    """The unit's unclaimed calls, for those who may take one (agents); a salesperson sees their own calls."""
    from guanxi.core.permissions import has_perm

    if not has_perm(actor, "calls.create"):
        return Q(pk__in=[])
    return Q(agent__isnull=True, business_unit_id=actor.business_unit_id)


def register() -> None:
    from guanxi.core import permissions, scope
    from guanxi.customers.merge import register_merge_child

    # Calls are the service desk's: agents see their own and the unit's unclaimed queue, managers the unit;
    # salespeople (calls.view by default) their own, and dial from any phone number they see.
    permissions.register_module(
        permissions.Module("calls", _("Call centre"), ("view", "create", "export"), kind="service")
    )
    # The PBX's connection and the extensions are the unit's configuration; the PBX's integration user posts
    # the events with ``call_events.create`` (granted through a role an administrator makes for it).
    permissions.register_module(
        permissions.Module("call_settings", _("Call centre settings"), ("view", "edit"), kind="admin")
    )
    permissions.register_module(
        permissions.Module("call_events", _("Call events from the PBX"), ("create",), kind="admin")
    )
    scope.register(
        Call,
        scope.Rule(
            "calls",
            owner="agent",
            unit="business_unit",
            queue=_queue,
        ),
    )
    scope.register(CallEvent, scope.Rule("calls", owner="call__agent", unit="call__business_unit"))
    scope.register(Extension, scope.Rule("call_settings", owner=None, everyone=True, unit="business_unit"))
    scope.register(PbxConnection, scope.Rule("call_settings", owner=None, everyone=True, unit="business_unit"))
    register_merge_child(Call, "customer")
