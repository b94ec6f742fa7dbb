"""Follow-up records (跟进记录), plans (回访计划), plan templates and the calendar feed: SPEC §4.

A follow-up or a plan belongs to a customer, to another record (an opportunity, a lead, later a contract or
ticket: ``related``), or to both; a lead's follow-ups have no customer."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import BulkRewrittenRecord, MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.core.uploads import StoredFile

__all__ = [
    "Channel", "FeedToken", "FollowUp", "FollowUpAttachment", "FollowUpComment", "Plan", "PlanKind",
    "PlanTemplate", "PlanTemplateStep", "ReminderSettings",
]  # fmt: skip


class Channel(models.TextChoices):
    """How the customer was reached (SPEC §4.1)."""

    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    SHOWROOM = "showroom", _("Showroom visit")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class PlanKind(models.TextChoices):
    """What a plan asks for (SPEC §4.2 "type")."""

    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    SHOWROOM = "showroom", _("Showroom invitation")
    WECHAT = "wechat", _("WeChat message")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    TASK = "task", _("Other task")


class RelatedRecord(models.Model):
    """The optional customer, contact and other record (opportunity, lead …) a follow-up or plan is about."""

    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        "customers.Contact", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    related_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("related record type")
    )
    related_id = models.PositiveBigIntegerField(_("related record"), null=True, blank=True)
    related = GenericForeignKey("related_type", "related_id")

    class Meta:
        abstract = True


class FollowUp(MainRecord, RelatedRecord):
    """One contact with a customer or prospect, as the salesperson recorded it (SPEC §4.1)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="followups", verbose_name=_("recorded by")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PHONE)
    occurred_at = models.DateTimeField(_("time of the follow-up"), default=timezone.now)
    content = models.TextField(_("content"), max_length=4000)
    feedback = models.CharField(_("customer feedback"), max_length=40, blank=True)  # dictionary code
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_contact_at = models.DateTimeField(_("next contact time"), null=True, blank=True)
    # Check-in (移动签到): where the browser said the salesperson was when saving.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    location_accuracy = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    location_address = models.CharField(_("check-in address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            # The 360 timeline: one customer's records, newest first.
            models.Index(
                fields=["customer", "-occurred_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="followup_customer_time",
            ),
            models.Index(
                fields=["owner", "-occurred_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="followup_owner_time",
            ),
            models.Index(fields=["related_type", "related_id", "-occurred_at"], name="followup_related_time"),
            # The follow-ups report of a unit or the company: a period's records by owner, day or channel, read
            # from the index alone (without it, a week of a million customers' follow-ups was a full scan).
            models.Index(
                fields=["occurred_at"],
                include=["id", "owner", "customer", "channel"],
                condition=Q(deleted_at__isnull=True),
                name="followup_occurred",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(related_type__isnull=True, related_id__isnull=True)
                | Q(related_type__isnull=False, related_id__isnull=False),
                name="followup_related_complete",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="followup_location_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:followup", args=[self.pk])

    @property
    def checked_in(self) -> bool:
        return self.latitude is not None


def attachment_path(instance: FollowUpAttachment, filename: str) -> str:
    # The stored name never carries the user's file name: it is kept in ``name`` and given on download.
    import uuid

    return f"followups/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class FollowUpAttachment(StoredFile):
    """A file, photo or call recording of a follow-up."""

    followup = models.ForeignKey(FollowUp, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)


class FollowUpComment(models.Model):
    """A manager's comment or instruction (领导批示) on a follow-up; the salesperson is notified."""

    followup = models.ForeignKey(FollowUp, models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("manager comment")
        verbose_name_plural = _("manager comments")

    def __str__(self) -> str:
        return self.text[:50]


class Plan(BulkRewrittenRecord, RelatedRecord):
    """A dated task on a customer or another record (SPEC §4.2). ``open`` until done (with the follow-up
    that fulfilled it) or cancelled; overdue is derived: open and past ``due_at``. A plan with a window
    (the satisfaction reminder: 20th–25th) starts at ``starts_at`` and is due at the window's end."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Origin(models.TextChoices):
        MANUAL = "manual", _("Planned by hand")
        MANDATORY = "mandatory", _("Required follow-up")  # the 48-hour plan of an opportunity (SPEC §4.3)
        NEXT = "next", _("Next plan")
        CADENCE = "cadence", _("Level cadence")
        TEMPLATE = "template", _("Plan template")

    contact = models.ForeignKey(  # RelatedRecord's, without its index (see BulkRewrittenRecord)
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
        db_index=False,
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="plans", verbose_name=_("assignee"), db_index=False
    )
    kind = models.CharField(_("plan type"), max_length=12, choices=PlanKind.choices, default=PlanKind.CALL)
    subject = models.CharField(_("subject"), max_length=200)
    script = models.TextField(_("purpose / script"), max_length=4000, blank=True)
    starts_at = models.DateTimeField(_("from"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    template_step = models.ForeignKey(
        "PlanTemplateStep",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
        db_index=False,
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    followup = models.ForeignKey(
        FollowUp,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="fulfilled_plans",
        verbose_name=_("follow-up"),
        db_index=False,
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # Reminder sweeps claim a plan by writing the due time they reminded of: never twice for the same time,
    # and again after a reschedule.
    reminded_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["due_at", "pk"]
        indexes = [
            # Agendas and calendars: one person's open plans by time.
            models.Index(
                fields=["owner", "starts_at"],
                include=["due_at"],  # agendas count the overdue ones from the index alone
                condition=Q(status="open", deleted_at__isnull=True),
                name="plan_open_owner_start",
            ),
            # The overdue plans of a team (the manager's card), per person, counted from the index alone.
            models.Index(
                fields=["owner", "due_at"],
                condition=Q(status="open", deleted_at__isnull=True),
                name="plan_open_owner_due",
            ),
            # The check sheet: plans done per person on a day.
            models.Index(fields=["owner", "completed_at"], condition=Q(status="done"), name="plan_done_owner"),
            models.Index(fields=["owner", "starts_at", "id"], name="plan_owner_start"),
            models.Index(
                fields=["customer", "due_at"],
                condition=Q(status="open", deleted_at__isnull=True),
                name="plan_open_customer",
            ),
            models.Index(
                fields=["related_type", "related_id"],
                condition=Q(status="open", deleted_at__isnull=True),
                name="plan_open_related",
            ),
            # Reminder sweeps: open plans by due time.
            models.Index(fields=["due_at"], condition=Q(status="open", deleted_at__isnull=True), name="plan_open_due"),
            models.Index(
                fields=["starts_at"], condition=Q(status="open", deleted_at__isnull=True), name="plan_open_start"
            ),
            # The plan-completion report: a period's plans of any status by owner, type or origin, from the index
            # alone (the indexes above hold open plans only, or every plan of an owner since the start).
            models.Index(
                fields=["due_at"],
                include=["id", "owner", "status", "kind", "origin"],
                condition=Q(deleted_at__isnull=True),
                name="plan_due",
            ),
            # The rare links, for the rows that have them.
            models.Index(fields=["followup"], condition=Q(followup__isnull=False), name="plan_followup"),
            models.Index(fields=["template_step"], condition=Q(template_step__isnull=False), name="plan_template_step"),
            models.Index(fields=["contact"], condition=Q(contact__isnull=False), name="plan_contact"),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="plan_deleted"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lte=models.F("due_at")), name="plan_starts_before_due"),
            models.CheckConstraint(
                condition=Q(related_type__isnull=True, related_id__isnull=True)
                | Q(related_type__isnull=False, related_id__isnull=False),
                name="plan_related_complete",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(related_type__isnull=False), name="plan_has_subject_record"
            ),
        ]

    def __str__(self) -> str:
        return self.shown_subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:plan", args=[self.pk])

    @property
    def shown_subject(self) -> str:
        """A subject copied from a shipped template's step, in the reader's language."""
        from .plan_templates import step_text_shown

        return step_text_shown(self.subject)

    @property
    def shown_script(self) -> str:
        from .plan_templates import step_text_shown

        return step_text_shown(self.script)

    def is_overdue(self, at: object = None) -> bool:
        moment = at or timezone.now()
        return self.status == self.Status.OPEN and self.due_at < moment  # type: ignore[operator]

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class PlanTemplateQuerySet(ScopedQuerySet["PlanTemplate"]):
    def of_unit(self, unit_id: int | None) -> PlanTemplateQuerySet:
        """The templates a unit's customers get and its people use: the group-wide ones and the unit's own.
        (Lists read through the gate, which shows a viewer the same, and every unit's to the all-units scope.)"""
        return self.filter(Q(business_unit__isnull=True) | Q(business_unit_id=unit_id))


class PlanTemplate(models.Model):
    """A set of plans created together when an event happens (SPEC §4.5, §4.7): the post-purchase calls,
    the memory curve, or any set an administrator defines. ``business_unit`` empty = every unit."""

    class Event(models.TextChoices):
        FIRST_ORDER = "first_order", _("First order or delivery")
        FIRST_CONTACT = "first_contact", _("First contact")
        OPPORTUNITY_OPENED = "opportunity_opened", _("Opportunity opened")
        MANUAL = "manual", _("Applied by hand")

    code = models.SlugField(max_length=40, blank=True)  # the shipped templates: post_purchase, memory_curve
    business_unit = models.ForeignKey(
        "org.BusinessUnit", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("business unit")
    )
    name = models.CharField(_("name"), max_length=100)
    event = models.CharField(_("trigger event"), max_length=20, choices=Event.choices, default=Event.MANUAL)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PlanTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("plan template")
        verbose_name_plural = _("plan templates")
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="plan_template_code_once"),
        ]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """A shipped template's name in the reader's language until a person renames it."""
        from .plan_templates import shown_text

        return shown_text(self, "name")

    @property
    def shown_description(self) -> str:
        from .plan_templates import shown_text

        return shown_text(self, "description")


class PlanTemplateStep(models.Model):
    """One plan of a template: due a fixed time after the event (``offset_days`` + ``offset_hours``), or in
    a day-of-month window: an event on day 1…``window_cutoff_day`` → due between ``early_from`` and
    ``early_to`` of the same month; later → between ``late_from`` and ``late_to`` of the next month."""

    template = models.ForeignKey(PlanTemplate, models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    subject = models.CharField(_("subject"), max_length=200)
    kind = models.CharField(_("plan type"), max_length=12, choices=PlanKind.choices, default=PlanKind.CALL)
    script = models.TextField(_("purpose / script"), max_length=4000, blank=True)
    offset_days = models.PositiveIntegerField(_("after (days)"), default=0)
    offset_hours = models.PositiveIntegerField(_("after (hours)"), default=0)
    window_cutoff_day = models.PositiveSmallIntegerField(_("window: events up to day"), null=True, blank=True)
    early_from = models.PositiveSmallIntegerField(_("same month from day"), null=True, blank=True)
    early_to = models.PositiveSmallIntegerField(_("same month to day"), null=True, blank=True)
    late_from = models.PositiveSmallIntegerField(_("next month from day"), null=True, blank=True)
    late_to = models.PositiveSmallIntegerField(_("next month to day"), null=True, blank=True)

    class Meta:
        ordering = ["template", "position", "pk"]
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")

    def __str__(self) -> str:
        return self.shown_subject

    @property
    def shown_subject(self) -> str:
        from .plan_templates import step_text_shown

        return step_text_shown(self.subject)

    @property
    def shown_script(self) -> str:
        from .plan_templates import step_text_shown

        return step_text_shown(self.script)

    @property
    def windowed(self) -> bool:
        return self.window_cutoff_day is not None


class FeedToken(models.Model):
    """A user's secret calendar-feed token (SPEC §4.2). Only its SHA-256 is stored; revoking deletes it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} calendar feed"


class ReminderSettings(models.Model):
    """A user's daily digest (SPEC §4.6): when it comes, and the day it was last sent (the sweep's claim)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="reminder_settings")
    digest_enabled = models.BooleanField(_("send me a daily digest"), default=True)
    digest_time = models.TimeField(_("digest time"), null=True, blank=True)  # empty: the unit's parameter
    digest_sent_on = models.DateField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.user} reminders"


def register() -> None:
    """The module's permissions; the data scope and dictionary fields of its records, and a leaving
    owner's open plans."""
    from guanxi.core import permissions, scope
    from guanxi.core.config.dictionary import register_dictionary_usage
    from guanxi.org import handover

    # view/create/edit: one's own records; assign: plans for colleagues; approve: manager comments (领导批示);
    # configure: plan templates; delete: remove a record recorded by mistake.
    permissions.register_module(
        permissions.Module(
            "activities",
            _("Follow-ups and plans"),
            ("view", "create", "edit", "delete", "export", "assign", "approve", "configure"),
        )
    )
    # A follow-up or plan belongs to whoever recorded / is assigned it; colleagues a customer is shared
    # with see that customer's records too. The 360 timeline shows every record of a customer the actor
    # may see (the customer's history), see selectors.followups_of_customer.
    for model in (FollowUp, Plan):
        scope.register(model, scope.Rule("activities", owner="owner", shared="customer__shared_with"))
    # Templates are configuration: whoever may view activities reads them (the API narrows to the unit).
    scope.register(PlanTemplate, scope.Rule("activities", owner=None, unit="business_unit", everyone=True))
    register_dictionary_usage("customer_feedback", FollowUp, "feedback")
    handover.register_owned(
        handover.OwnedType(Plan, "owner", _("Open plans"), owned=lambda rows: rows.filter(status="open"))
    )
