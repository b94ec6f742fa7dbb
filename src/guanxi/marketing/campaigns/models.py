"""Campaigns (市场活动, SPEC §11.1): what was planned and spent (budget, itemised costs), who was aimed at
(members taken from the saved filters of customers, contacts and leads, a snapshot at launch that grows by
hand), how people responded, and through those responses the leads, opportunities and won amounts
attributed to the campaign."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit

TYPE_DICTIONARY = "campaign_type"


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(MainRecord):
    number = models.CharField(_("campaign number"), max_length=40, unique=True, editable=False)
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    name = models.CharField(_("campaign name"), max_length=100)
    kind = models.CharField(_("campaign type"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, default=Decimal("0"))
    actual_cost = models.DecimalField(_("actual cost"), max_digits=14, decimal_places=2, default=Decimal("0"))
    description = models.TextField(_("description"), max_length=2000, blank=True)
    # the public web form whose leads are captured by this campaign (a touch at the moment each lead arrives)
    web_form = models.ForeignKey(
        "leads.LeadForm", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("web form")
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(
                fields=["business_unit", "-starts_on"], condition=Q(deleted_at__isnull=True), name="campaign_unit_start"
            ),
            models.Index(fields=["owner", "-starts_on"], condition=Q(deleted_at__isnull=True), name="campaign_owner"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_not_negative"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("marketing:campaign", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (CampaignStatus.PLANNED, CampaignStatus.ACTIVE)


class CampaignCost(models.Model):
    """One item of what the campaign actually cost (a booth, printing, SMS fees …)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="costs")
    item = models.CharField(_("item"), max_length=100)
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["spent_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="campaign_cost_amount_positive")]

    def __str__(self) -> str:
        return self.item


class AudienceKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers (their primary contact)")
    CONTACTS = "contacts", _("Contacts of customers")
    LEADS = "leads", _("Leads")


class AudienceSource(models.Model):
    """A filter of a list (the query of its URL, usually a saved filter) whose matches become members at
    launch: the campaign keeps the filter, so what was chosen can be read and repeated."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="sources")
    kind = models.CharField(_("list"), max_length=10, choices=AudienceKind.choices)
    label = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filter"), max_length=2000, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    members_taken = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.label


class MemberKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CONTACT = "contact", _("Contact")
    LEAD = "lead", pgettext_lazy("sales lead", "Lead")


class CampaignMember(models.Model):
    """A person aimed at: a customer (through its primary contact), a contact or a lead, with the name and
    addresses as they were when taken (a snapshot; messages go to these)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="members")
    kind = models.CharField(_("kind"), max_length=10, choices=MemberKind.choices)
    customer = models.ForeignKey("customers.Customer", models.CASCADE, null=True, blank=True, related_name="+")
    contact = models.ForeignKey("customers.Contact", models.CASCADE, null=True, blank=True, related_name="+")
    lead = models.ForeignKey("leads.Lead", models.CASCADE, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=100, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    source = models.ForeignKey(AudienceSource, models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            # one person once per campaign, however many filters found them
            models.UniqueConstraint(
                fields=["campaign", "contact"], condition=Q(contact__isnull=False), name="campaign_member_contact_once"
            ),
            models.UniqueConstraint(
                fields=["campaign", "lead"], condition=Q(lead__isnull=False), name="campaign_member_lead_once"
            ),
            models.UniqueConstraint(
                fields=["campaign", "customer"],
                condition=Q(contact__isnull=True, lead__isnull=True),
                name="campaign_member_customer_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ResponseKind(models.TextChoices):
    OPENED = "opened", pgettext_lazy("e-mail", "Opened")
    CLICKED = "clicked", _("Clicked")
    REGISTERED = "registered", pgettext_lazy("event", "Registered")
    ATTENDED = "attended", _("Attended")
    REPLIED = "replied", _("Replied")
    FORM = "form", _("Sent the web form")


class CampaignResponse(models.Model):
    """A touch: someone responded to the campaign. Attribution reads these: a lead belongs to the campaign
    of its first (or last) response, an opportunity to that of its customer's first (or last) response
    before it was opened."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="responses")
    kind = models.CharField(_("response"), max_length=12, choices=ResponseKind.choices)
    customer = models.ForeignKey("customers.Customer", models.CASCADE, null=True, blank=True, related_name="+")
    contact = models.ForeignKey("customers.Contact", models.CASCADE, null=True, blank=True, related_name="+")
    lead = models.ForeignKey("leads.Lead", models.CASCADE, null=True, blank=True, related_name="+")
    member = models.ForeignKey(CampaignMember, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["campaign", "kind"], name="campaign_response_kind"),
            models.Index(fields=["lead", "at"], condition=Q(lead__isnull=False), name="campaign_response_lead"),
            models.Index(
                fields=["customer", "at"], condition=Q(customer__isnull=False), name="campaign_response_customer"
            ),
        ]
        constraints = [
            # an open or a click counts once per person and campaign, however often they come back
            models.UniqueConstraint(
                fields=["campaign", "kind", "member"],
                condition=Q(member__isnull=False, kind__in=["opened", "clicked"]),
                name="campaign_response_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.kind}"


class CampaignResult(models.Model):
    """What came back for a campaign under one attribution model, kept as data so the list does not work out
    attribution for every campaign on every view (``results.py`` refreshes it; a stale row is computed
    afresh when read)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="+")
    model = models.CharField(max_length=5)  # "first" or "last" touch
    leads = models.PositiveIntegerField(default=0)
    opportunities = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    won_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    stale = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "model"], name="campaign_result_once")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.model}"


class ResultsWatermark(models.Model):
    """How far the sweep has read changed opportunities and leads (one row)."""

    checked_until = models.DateTimeField()

    def __str__(self) -> str:
        return self.checked_until.isoformat()


def register() -> None:
    from guanxi.core import permissions, scope
    from guanxi.core.config.dictionary import register_dictionary_type, register_dictionary_usage
    from guanxi.customers.merge import register_merge_child

    permissions.register_module(
        permissions.Module("campaigns", _("Campaigns"), ("view", "create", "edit", "delete", "export"))
    )
    scope.register(Campaign, scope.Rule("campaigns", owner="owner", unit="business_unit"))
    for child in (CampaignCost, AudienceSource, CampaignMember, CampaignResponse, CampaignResult):
        scope.register(child, scope.Rule("campaigns", owner="campaign__owner", unit="campaign__business_unit"))
    register_dictionary_type(
        TYPE_DICTIONARY,
        _("Campaign types"),
        [
            ("exhibition", _("Exhibition")),
            ("seminar", _("Seminar")),
            ("online", _("Online")),
            ("mailing", _("E-mail mailing")),
            ("sms", _("SMS promotion")),
            ("telemarketing", _("Telemarketing")),
            ("advertising", _("Advertising")),
            ("other", _("Other")),
        ],
    )
    register_dictionary_usage(TYPE_DICTIONARY, Campaign, "kind")
    register_merge_child(CampaignResponse, "customer")
