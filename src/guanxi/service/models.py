"""Service (服务管理, SPEC §9): tickets from creation to archive with their timed steps and working-time
deadlines, the agents' skills, and the knowledge base."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.core.uploads import StoredFile, UploadFolder
from guanxi.org.models import BusinessUnit, Department

TYPE_DICTIONARY = "ticket_type"  # consultation, suggestion, complaint, repair, visit, other (SPEC §14.1)
CHANNEL_DICTIONARY = "ticket_channel"
COMPLAINT = "complaint"
SATISFIED = 3  # satisfaction from which a ticket is archived; below it goes back for another round


class TicketStatus(models.TextChoices):
    """服务创建 → 服务分配 → 服务处理 → 服务反馈 → 服务归档 (SPEC §9.2)."""

    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    FEEDBACK = "feedback", _("Awaiting feedback")
    ARCHIVED = "archived", _("Archived")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)
UNARCHIVED = (*OPEN_STATUSES, TicketStatus.RESOLVED, TicketStatus.FEEDBACK)


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    IMPORTANT = "important", _("Important")
    URGENT = "urgent", _("Urgent")


class Ticket(MainRecord):
    number = models.CharField(_("ticket number"), max_length=30, unique=True, editable=False)
    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="tickets", verbose_name=_("business unit"), db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="tickets", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("contact"),
    )
    type = models.CharField(_("ticket type"), max_length=40)
    channel = models.CharField(_("ticket channel"), max_length=40)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.NEW)
    # What the ticket is about, where the customer has it (SPEC §9.1): one of its contracts or orders, a product.
    contract = models.ForeignKey(
        "sales.Contract", models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("contract")
    )
    order = models.ForeignKey(
        "sales.Order", models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("order")
    )
    product = models.ForeignKey(
        "sales.Product", models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("product")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
        db_index=False,
    )
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("department"),
        db_index=False,
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1, editable=False)
    resolution = models.TextField(_("handling notes"), max_length=5000, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    feedback_comment = models.TextField(_("feedback comment"), max_length=1000, blank=True)
    # SLA (SPEC §9.3): deadlines in working time from creation; the sweep stamps a breach and escalates once
    response_due_at = models.DateTimeField(_("respond by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("deadline missed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # the customer's feedback link of the current round: unguessable, cleared once answered
    feedback_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    reopened_from = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="reopened_as", verbose_name=_("reopens")
    )
    articles: models.ManyToManyField[Article, Any] = models.ManyToManyField(
        "Article", blank=True, related_name="tickets", verbose_name=_("articles")
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # an agent's own tickets and the unit's list, newest first, over live rows
            models.Index(
                fields=["assignee", "status", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="ticket_assignee_status",
            ),
            models.Index(
                fields=["business_unit", "status", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="ticket_unit_status",
            ),
            models.Index(
                fields=["business_unit", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="ticket_unit_recent",
            ),
            # the list filtered by type (and status), newest first, counted from the index alone: a unit's
            # complaints are a sixth of its tickets, too many to find by reading the unit's rows
            models.Index(
                fields=["business_unit", "type", "status", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="ticket_unit_type",
            ),
            models.Index(fields=["customer", "status"], name="ticket_customer_status"),
            # the open tickets of many customers at once (a channel partner's ten thousand): a few thousand
            # entries to join, instead of one probe of the index above per customer
            models.Index(
                fields=["customer"],
                condition=Q(deleted_at__isnull=True, status__in=["new", "assigned", "in_progress"]),
                name="ticket_open_customer",
            ),
            # the service analysis: a period's tickets by type, status, priority, channel or agent, with their
            # measures, from the index alone (a company-wide reader has no unit to narrow by)
            models.Index(
                fields=["created_at"],
                include=[
                    "id",
                    "business_unit",
                    "type",
                    "status",
                    "priority",
                    "channel",
                    "assignee",
                    "resolved_at",
                    "breached_at",
                    "satisfaction",
                ],
                condition=Q(deleted_at__isnull=True),
                name="ticket_created",
            ),
            # the SLA sweep: open tickets by their next deadline, not yet marked
            models.Index(
                fields=["resolve_due_at"],
                condition=Q(breached_at__isnull=True, status__in=["new", "assigned", "in_progress"]),
                name="ticket_sla_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_complaint(self) -> bool:
        return self.type == COMPLAINT


class StepKind(models.TextChoices):
    CREATED = "created", _("Created")
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("Handling started")
    RESOLVED = "resolved", _("Resolved")
    FEEDBACK_REQUESTED = "feedback_requested", _("Feedback link sent")
    FEEDBACK = "feedback", _("Feedback received")
    REOPENED = "reopened", _("Back for another round")
    ARCHIVED = "archived", _("Archived")
    BREACHED = "breached", _("Deadline missed")
    ESCALATED = "escalated", _("Escalated to the manager")
    REPLY = "reply", _("Reply")  # public: the channel partner who brought the customer reads it in the portal
    NOTE = "note", _("Internal note")  # the company's own people only


class TicketStep(models.Model):
    """One timed step of a ticket (its timeline): who did what, when, in which round."""

    ticket = models.ForeignKey(Ticket, models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(max_length=5000, blank=True)

    objects = ScopedQuerySet["TicketStep"].as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class TicketAttachment(StoredFile):
    """A photo, document or recording of a ticket (服务附件)."""

    ticket = models.ForeignKey(Ticket, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=UploadFolder("tickets"), max_length=200)

    objects = ScopedQuerySet["TicketAttachment"].as_manager()


class Skill(models.Model):
    """An agent handles tickets of this type (dispatch suggests by skill, then by open load)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="service_skills")
    type = models.CharField(_("ticket type"), max_length=40)

    objects = ScopedQuerySet["Skill"].as_manager()

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [models.UniqueConstraint(fields=["user", "type"], name="service_skill_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.type}"


# --- knowledge base (知识库, SPEC §9.4) ------------------------------------------------------------------


class ArticleCategory(models.Model):
    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="article_categories", verbose_name=_("business unit")
    )
    name = models.CharField(_("category name"), max_length=60)
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    objects = ScopedQuerySet["ArticleCategory"].as_manager()

    class Meta:
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")
        ordering = ["sort_order", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "name"], name="article_category_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Article(MainRecord):
    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="articles", verbose_name=_("business unit"), db_index=False
    )
    category = models.ForeignKey(ArticleCategory, models.PROTECT, related_name="articles", verbose_name=_("category"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=50000, help_text=_("Formatted text; scripts and styles are removed."))
    is_public = models.BooleanField(
        _("public FAQ"), default=False, help_text=_("Customers can read it on the public FAQ page.")
    )
    helpful_yes = models.PositiveIntegerField(default=0, editable=False)
    helpful_no = models.PositiveIntegerField(default=0, editable=False)
    # search keys: the lower-case text (trigram index) and its two-character pieces (full-text index)
    search_text = models.TextField(editable=False, blank=True)
    search_bigrams = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(
                fields=["business_unit", "-updated_at"], condition=Q(deleted_at__isnull=True), name="article_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service:article", args=[self.pk])


class ArticleVote(models.Model):
    """ "Was this helpful?": one answer a reader, which they may change."""

    article = models.ForeignKey(Article, models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    helpful = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="article_vote_once")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.user_id} {self.helpful}"


def register() -> None:
    """The service modules' permissions and the data scope of their records."""
    from guanxi.core import permissions, scope
    from guanxi.core.config.dictionary import register_dictionary_usage
    from guanxi.customers.merge import register_merge_child
    from guanxi.org import handover

    permissions.register_module(
        permissions.Module(
            "service",
            _("Service tickets"),
            ("view", "create", "edit", "delete", "export", "assign", "configure"),
            kind="service",
        )
    )
    permissions.register_module(
        permissions.Module(
            "knowledge", _("Knowledge base"), ("view", "create", "edit", "delete", "configure"), kind="service"
        )
    )
    # An agent sees the tickets assigned to them and the unit's unassigned queue; a manager the unit.
    scope.register(
        Ticket,
        scope.Rule(
            "service",
            owner="assignee",
            department="department",
            unit="business_unit",
            queue=lambda actor: Q(assignee__isnull=True, business_unit_id=actor.business_unit_id),
        ),
    )
    # A leaving agent's tickets still in work (feedback rounds come back to the assignee) go to the successor.
    handover.register_owned(
        handover.OwnedType(
            Ticket, "assignee", _("Tickets in work"), owned=lambda rows: rows.filter(status__in=UNARCHIVED)
        )
    )
    scope.register(TicketStep, scope.Rule("service", owner="ticket__assignee", unit="ticket__business_unit"))
    scope.register(TicketAttachment, scope.Rule("service", owner="ticket__assignee", unit="ticket__business_unit"))
    scope.register(Skill, scope.Rule("service", owner="user", everyone=True, unit="user__department__business_unit"))
    scope.register(ArticleCategory, scope.Rule("knowledge", owner=None, everyone=True, unit="business_unit"))
    scope.register(Article, scope.Rule("knowledge", owner=None, everyone=True, unit="business_unit"))
    register_dictionary_usage(TYPE_DICTIONARY, Ticket, "type")
    register_dictionary_usage(TYPE_DICTIONARY, Skill, "type")
    register_dictionary_usage(CHANNEL_DICTIONARY, Ticket, "channel")
    register_merge_child(Ticket, "customer")
