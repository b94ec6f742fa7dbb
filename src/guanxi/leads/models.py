"""Leads (销售线索, SPEC §5): unqualified prospects, the public web forms that capture them and the rules
that give them to salespeople."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit, Department


class LeadStatus(models.TextChoices):
    """SPEC §5.1. ``converted`` and ``invalid`` are closed: the lead is kept, read-only, as history."""

    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    INVALID = "invalid", _("Invalid")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class Channel(models.TextChoices):
    """How the lead came in."""

    MANUAL = "manual", _("Entered by hand")
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    IMPORT = "import", _("Import")


class Lead(MainRecord):
    number = models.CharField(_("lead number"), max_length=30, unique=True, editable=False)
    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="leads", verbose_name=_("business unit")
    )
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("department"),
        help_text=_("The department responsible for the lead; its owner's department once assigned."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_leads",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("lead status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    channel = models.CharField(
        pgettext_lazy("lead intake", "channel"), max_length=10, choices=Channel.choices, default=Channel.MANUAL
    )
    # who: a person, usually of a company
    name = models.CharField(_("contact name"), max_length=50, db_index=True)
    company = models.CharField(_("company"), max_length=50, blank=True)
    position = models.CharField(_("position"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    qq = models.CharField(
        _("QQ"), max_length=20, blank=True, validators=[RegexValidator(r"^\d{5,20}$", _("QQ is 5 to 20 digits."))]
    )
    # where from: a dictionary item of ``customer_source`` (so a converted customer keeps it), a campaign
    source = models.CharField(_("source"), max_length=40, blank=True)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    # the channel partner who brought the lead (a customer of kind partner in the unit), kept by its customer
    partner = models.ForeignKey(
        "customers.Customer",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="brought_leads",
        verbose_name=_("channel partner"),
    )
    # the product line asked about (dictionary ``product_line``), kept by the customer it becomes
    product_line = models.CharField(_("product line"), max_length=40, blank=True)
    form = models.ForeignKey(
        "LeadForm", models.SET_NULL, null=True, blank=True, related_name="leads", verbose_name=_("web form")
    )
    province = models.CharField(_("province"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=12, blank=True)
    county = models.CharField(_("county"), max_length=12, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    need = models.TextField(_("need"), max_length=1000, blank=True)
    remarks = models.TextField(_("remarks"), max_length=500, blank=True)
    invalid_reason = models.CharField(_("reason it is invalid"), max_length=200, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    last_followup_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    # a web-form lead is never refused: a match with an open lead or a customer is noted for the salesperson
    duplicate_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("duplicate of lead")
    )
    matched_customer = models.ForeignKey(
        "customers.Customer",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matches customer"),
    )
    # conversion (SPEC §5.4): the lead stays, linked to what it became
    customer = models.ForeignKey(
        "customers.Customer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("converted to customer"),
    )
    contact = models.ForeignKey(
        "customers.Contact", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    opportunity_id = models.BigIntegerField(_("opportunity"), null=True, blank=True, editable=False)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    # the duplicate key of the company name (customers.keys.name_key)
    company_key = models.CharField(max_length=60, editable=False, blank=True, db_index=True)
    # the lead pool (线索池) it lies in with no owner, or the one it returns to when neglected
    pool = models.ForeignKey(
        "LeadPool", models.PROTECT, null=True, blank=True, related_name="leads", verbose_name=_("lead pool")
    )
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    # when an owned lead of a pool returns there unless touched first (claim, assignment, follow-up)
    expires_at = models.DateTimeField(_("returns to the pool"), null=True, blank=True)

    class Meta:
        # "lead" alone is already a department's lead (负责人): the context tells the translator which
        verbose_name = pgettext_lazy("sales lead", "lead")
        verbose_name_plural = pgettext_lazy("sales lead", "leads")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # the daily check sheet: open leads, the longest without a follow-up first (it shows the top 200)
            models.Index(
                fields=["last_followup_at", "created_at", "id"],
                condition=Q(deleted_at__isnull=True, status__in=OPEN_STATUSES),
                name="lead_open_stale",
            ),
            # the list's default order, for one owner, a department and a whole unit, over live rows only
            # ``status`` rides along so that the open-leads scene is answered from the index alone
            models.Index(
                fields=["owner", "-updated_at", "-id"],
                include=["status"],
                condition=Q(deleted_at__isnull=True),
                name="lead_alive_owner",
            ),
            models.Index(
                fields=["department", "-updated_at", "-id"],
                include=["status"],
                condition=Q(deleted_at__isnull=True),
                name="lead_alive_department",
            ),
            # the newest first across a unit or a department tree, filtered from the index alone
            models.Index(
                fields=["-updated_at", "-id"],
                include=["business_unit", "department", "owner", "status"],
                condition=Q(deleted_at__isnull=True),
                name="lead_alive_recent",
            ),
            models.Index(fields=["status", "last_followup_at"], name="lead_status_followup"),
            # the lead pool's list: the open unowned leads of one pool, the newest in it first, read and
            # counted from the index alone (the condition is the list's own filter)
            models.Index(
                fields=["pool", "-pooled_at", "-id"],
                condition=Q(deleted_at__isnull=True, owner__isnull=True, status__in=OPEN_STATUSES),
                name="lead_pool_open",
            ),
            # the same across several pools ("all pools"): walked newest first, the pool checked in the index
            models.Index(
                fields=["-pooled_at", "-id"],
                include=["pool"],
                condition=Q(deleted_at__isnull=True, owner__isnull=True, pool__isnull=False, status__in=OPEN_STATUSES),
                name="lead_pool_open_recent",
            ),
            # the reclaim sweep: owned leads of a pool by the moment they return
            models.Index(
                fields=["expires_at", "id"],
                condition=Q(deleted_at__isnull=True, owner__isnull=False, expires_at__isnull=False),
                name="lead_pool_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.name}" if self.company else self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("leads:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AssignmentRule(models.Model):
    """分配规则 (SPEC §5.3): leads that match (sources, provinces; empty = any) go to one person or round
    robin to the members of a department. Rules are tried in ``priority`` order; the first match wins."""

    class Kind(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin within a department")
        USER = "user", _("Always the same person")

    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="lead_rules", verbose_name=_("business unit")
    )
    name = models.CharField(_("rule name"), max_length=100)
    priority = models.PositiveIntegerField(_("priority"), default=100, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("in use"), default=True)
    sources = models.JSONField(_("sources"), default=list, blank=True, help_text=_("Empty: any source."))
    provinces = models.JSONField(_("provinces"), default=list, blank=True, help_text=_("Empty: any region."))
    kind = models.CharField(_("assign"), max_length=12, choices=Kind.choices, default=Kind.ROUND_ROBIN)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="lead_rules", verbose_name=_("department")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_rules",
        verbose_name=_("person"),
    )
    # the round robin's cursor: the member who had the last lead (the row is locked while choosing the next)
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    assigned_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet["AssignmentRule"].as_manager()

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="round_robin", department__isnull=False) | Q(kind="user", user__isnull=False)),
                name="lead_rule_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _form_key() -> str:
    return secrets.token_urlsafe(12)


class LeadForm(models.Model):
    """A public web-to-lead form (SPEC §5.2) of one campaign or source: a hosted page and an embeddable
    snippet. What it asks, where its leads go and what it says afterwards are the administrator's."""

    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="lead_forms", verbose_name=_("business unit")
    )
    name = models.CharField(_("form name"), max_length=100, help_text=_("For you; visitors see the title."))
    key = models.CharField(max_length=40, unique=True, default=_form_key, editable=False)
    title = models.CharField(_("title"), max_length=100)
    intro = models.TextField(_("introduction"), max_length=1000, blank=True)
    fields = models.JSONField(_("fields shown"), default=list)
    required = models.JSONField(_("required fields"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_forms",
        verbose_name=_("department"),
        help_text=_("Leads no rule assigns wait in this department."),
    )
    rule = models.ForeignKey(
        AssignmentRule,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="forms",
        verbose_name=_("assignment rule"),
        help_text=_("Empty: the unit's rules decide."),
    )
    thank_you = models.TextField(_("thank-you text"), max_length=1000)
    allowed_sites = models.TextField(
        _("sites that may embed it"),
        max_length=1000,
        blank=True,
        help_text=_("One origin a line, e.g. https://www.example.com. Empty: any site."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    submissions = models.PositiveIntegerField(_("submissions"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet["LeadForm"].as_manager()

    class Meta:
        verbose_name = _("lead form")
        verbose_name_plural = _("lead forms")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class LeadPool(models.Model):
    """线索池: where a unit's or a department's leads wait with no owner, for anyone who sees the pool to
    claim (first come first served). Claimed leads untouched for N days return here. A pool marked
    ``failed`` (失败线索池) collects leads nobody could work: no automatic return into it and no claiming
    from it; its manager reassigns them in bulk. A rule left empty follows the unit's parameter."""

    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="lead_pools", verbose_name=_("department")
    )
    name = models.CharField(_("pool name"), max_length=50)
    is_failed = models.BooleanField(
        _("failed leads"), default=False, help_text=_("Nobody claims from it; a manager reassigns its leads.")
    )
    reclaim_days = models.PositiveIntegerField(_("days untouched before a lead returns"), null=True, blank=True)
    # the days by product line (dictionary ``product_line``) over the pool's own: {"printer": 5}
    line_rules = models.JSONField(_("days by product line"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet["LeadPool"].as_manager()

    class Meta:
        verbose_name = _("lead pool")
        verbose_name_plural = _("lead pools")
        ordering = ["business_unit", "department", "is_failed", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("leads:pool", args=[self.pk])


class LeadPoolEvent(models.Model):
    """A lead moving into or out of someone's hands through a lead pool: claims (the daily cap counts
    them), returns and reclaims (the cool-down reads them), assignments and moves between pools."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        ASSIGN = "assign", _("Assigned")
        RETURN = "return", _("Returned")
        RECLAIM = "reclaim", _("Returned automatically")
        MOVE = "move", _("Moved to another pool")

    lead = models.ForeignKey(Lead, models.CASCADE, related_name="pool_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    pool = models.ForeignKey(LeadPool, models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "kind", "at"], name="lead_pool_event_user_kind"),
            models.Index(fields=["lead", "user", "at"], name="lead_pool_event_lead_user"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.lead_id} {self.user_id}"


def register() -> None:
    """The leads module's permissions; the data scope, custom fields and dictionary fields of its records,
    and what follows a lead when customers merge or its owner leaves."""
    from guanxi.core import permissions, scope
    from guanxi.core.config.custom_fields import register_custom_fields_model
    from guanxi.core.config.dictionary import register_dictionary_usage
    from guanxi.customers.merge import register_merge_child
    from guanxi.customers.partners import register_attribution
    from guanxi.org import handover

    permissions.register_module(
        permissions.Module(
            "leads",
            _("Leads"),
            ("view", "create", "edit", "delete", "export", "import", "assign", "configure"),
        )
    )
    # A lead belongs to its owner and to its department (where an unassigned lead waits for one).
    scope.register(
        Lead,
        scope.Rule(
            "leads", owner="owner", department="department", unit="business_unit", readable=_pooled_leads_readable
        ),
    )
    scope.register(LeadPool, scope.Rule("leads", owner=None, department="department", unit="business_unit"))
    scope.register(LeadForm, scope.Rule("leads", owner=None, unit="business_unit"))
    scope.register(AssignmentRule, scope.Rule("leads", owner=None, unit="business_unit"))
    register_custom_fields_model(Lead, module="leads")
    # merging two customers keeps the leads that became either of them, and the matches noted on leads
    register_merge_child(Lead, "customer")
    register_merge_child(Lead, "matched_customer")
    register_attribution(Lead, "partner", _lead_count)
    register_dictionary_usage("customer_source", Lead, "source")
    register_dictionary_usage("product_line", Lead, "product_line")
    register_dictionary_usage("customer_source", LeadForm, "source")
    register_dictionary_usage("customer_source", AssignmentRule, "sources", many=True)
    handover.register_owned(
        handover.OwnedType(Lead, "owner", _("Open leads"), owned=lambda rows: rows.filter(status__in=OPEN_STATUSES))
    )


def _lead_count(count: int) -> str:
    from django.utils.translation import ngettext

    return ngettext("%(count)d lead", "%(count)d leads", count) % {"count": count}


def _pooled_leads_readable(actor: object) -> Q:
    """Unowned leads of the lead pools the actor sees open to them one at a time (to decide on a claim)."""
    from .pools.rules import pooled_leads

    return Q(pk__in=pooled_leads(actor).values("pk"))  # type: ignore[arg-type]
