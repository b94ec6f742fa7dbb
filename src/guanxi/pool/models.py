"""The public pool (公海) and what hangs off it (SPEC §3.2–3.4): pools per business unit or department with
their rules, holding-limit overrides per department or user, the pool's own ownership log (claims, returns,
assignments — it answers the daily-claim and cool-down questions) and conflict cases (撞单)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit, Department


class Pool(models.Model):
    """One public pool of a business unit (department empty) or of one department. A rule left empty
    follows the unit's parameter (``pool.*``); a department's pool governs the customers of its members
    and of the departments below it that have no pool of their own (the most specific pool applies)."""

    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="pools", verbose_name=_("business unit")
    )
    department = models.OneToOneField(
        Department, models.PROTECT, null=True, blank=True, related_name="pool", verbose_name=_("department")
    )
    name = models.CharField(_("pool name"), max_length=50)
    no_followup_days = models.PositiveIntegerField(_("days without follow-up"), null=True, blank=True)
    no_deal_days = models.PositiveIntegerField(_("days without a deal"), null=True, blank=True)
    warning_days = models.PositiveIntegerField(_("warning days"), null=True, blank=True)
    cooldown_days = models.PositiveIntegerField(_("cool-down days"), null=True, blank=True)
    daily_claims = models.PositiveIntegerField(_("claims per day"), null=True, blank=True)
    won_exempt = models.BooleanField(_("won customers exempt"), null=True, blank=True)
    hidden_fields = models.JSONField(_("fields hidden until claimed"), default=list, blank=True)
    # Rules by product line (dictionary ``product_line``) over the pool's own: {"printer": {"no_followup_days":
    # 12, "no_deal_days": null}}; the most specific applies (the line's, else the pool's, else the unit's).
    line_rules = models.JSONField(_("rules by product line"), default=dict, blank=True)
    # The rules the stored expiry times were computed with: when the effective rules differ (a parameter
    # changed), the pool's expiry times are recomputed in one statement before anyone relies on them.
    rules_stamp = models.CharField(max_length=60, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "customers_pool"  # the table kept its name when the pool left the customers app
        verbose_name = _("public pool")
        verbose_name_plural = _("public pools")
        ordering = ["business_unit", "department", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit"], condition=Q(department__isnull=True), name="pool_one_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HoldingLimit(models.Model):
    """库容 overrides: the holding and lock limits of one department (and those below it) or one user.
    An empty value follows the next wider setting: user → department (nearest) → unit parameter."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+")
    department = models.OneToOneField(
        Department, models.CASCADE, null=True, blank=True, related_name="holding_limit", verbose_name=_("department")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="holding_limit",
        verbose_name=_("salesperson"),
    )
    holding_limit = models.PositiveIntegerField(_("customers owned at most"), null=True, blank=True)
    lock_limit = models.PositiveIntegerField(_("locked customers at most"), null=True, blank=True)
    won_counts = models.BooleanField(_("won customers count"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "customers_holdinglimit"  # the table kept its name when the pool left the customers app
        verbose_name = _("holding limit")
        verbose_name_plural = _("holding limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=True, user__isnull=False)
                | Q(department__isnull=False, user__isnull=True),
                name="holding_limit_department_or_user",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user or self.department)


class ViewLimit(models.Model):
    """公海每日查看量: how many pool customers' pages one role, one department (and those below it that set
    none) or one user may open a day. The most specific applies: user → nearest department → the most
    generous of the user's roles → the unit's parameter ``pool.daily_views`` (0: no limit, the default)."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+")
    role = models.ForeignKey(
        "org.Role", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("role")
    )
    department = models.ForeignKey(
        Department, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("salesperson")
    )
    daily_views = models.PositiveIntegerField(_("pool customers opened per day"), help_text=_("0: no limit."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("viewing limit")
        verbose_name_plural = _("viewing limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__isnull=False, department__isnull=True, user__isnull=True)
                | Q(role__isnull=True, department__isnull=False, user__isnull=True)
                | Q(role__isnull=True, department__isnull=True, user__isnull=False),
                name="view_limit_one_target",
            ),
            models.UniqueConstraint(fields=["business_unit", "role"], name="view_limit_one_per_role"),
            models.UniqueConstraint(fields=["department"], name="view_limit_one_per_department"),
            models.UniqueConstraint(fields=["user"], name="view_limit_one_per_user"),
        ]

    def __str__(self) -> str:
        return str(self.user or self.department or self.role)


class PoolView(models.Model):
    """One pool customer's page opened by one person on one day (company time). The database decides the
    count: a second opening of the same customer that day is the same row, and each new customer takes the
    next numbered slot of the day, so two requests at once cannot both take the last one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", models.CASCADE, related_name="+")
    day = models.DateField()
    slot = models.PositiveIntegerField()
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "customer"], name="pool_view_once_a_day"),
            models.UniqueConstraint(fields=["user", "day", "slot"], name="pool_view_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.customer_id}"


class PoolEvent(models.Model):
    """One move of a customer into or out of someone's hands through the pool, for the salesperson it
    concerns: claims (the daily cap counts them), returns and reclaims (the cool-down reads them)."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        ASSIGN = "assign", _("Assigned")
        RETURN = "return", _("Returned")
        RECLAIM = "reclaim", _("Returned automatically")
        LOCK = "lock", _("Locked")
        UNLOCK = "unlock", _("Unlocked")
        CONFLICT = "conflict", _("Conflict decided")

    customer = models.ForeignKey("customers.Customer", models.CASCADE, related_name="pool_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("salesperson"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        db_table = "customers_poolevent"  # the table kept its name when the pool left the customers app
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "kind", "at"], name="pool_event_user_kind"),
            models.Index(fields=["customer", "user", "at"], name="pool_event_customer_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id} {self.user_id}"


class PoolWarning(models.Model):
    """The expiry time an owner was last warned about, per customer: the sweep warns once per expiry time.
    A narrow table of its own, so warning does not rewrite the wide customer row and its indexes."""

    customer = models.OneToOneField("customers.Customer", models.CASCADE, primary_key=True, related_name="+")
    expiry = models.DateTimeField()

    class Meta:
        db_table = "customers_poolwarning"

    def __str__(self) -> str:
        return f"{self.customer_id} {self.expiry}"


class ConflictCase(models.Model):
    """撞单 (SPEC §3.4): a salesperson tried to register a customer someone else already holds. The case
    waits in the manager's inbox until decided: the holder keeps it, the claimant gets it, or it goes to
    the pool (充公)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Match(models.TextChoices):
        NAME = "name", _("Same name")
        PHONE = "phone", _("Same phone")
        TAX_NUMBER = "tax_number", _("Same tax number")

    class Decision(models.TextChoices):
        KEEP = "keep", _("The holder keeps it")
        GIVE = "give", _("Give it to the claimant")
        POOL = "pool", _("Return it to the pool")

    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", models.CASCADE, related_name="conflicts")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, verbose_name=_("holder")
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="conflict_claims", verbose_name=_("claimant")
    )
    match = models.CharField(_("matched on"), max_length=20, choices=Match.choices)
    attempted = models.JSONField(_("what was registered"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # What the claimant added for the manager while the case was open: [{"at": ISO time, "text": …}].
    statements = models.JSONField(_("claimant's evidence"), default=list, blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "customers_conflictcase"  # the table kept its name when the pool left the customers app
        verbose_name = _("conflict case")
        verbose_name_plural = _("conflict cases")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # a second attempt by the same salesperson adds nothing: one open case per customer and claimant
            models.UniqueConstraint(
                fields=["customer", "claimant"], condition=Q(status="open"), name="conflict_one_open_per_claimant"
            ),
        ]
        indexes = [models.Index(fields=["business_unit", "status", "-created_at"], name="conflict_inbox")]

    def __str__(self) -> str:
        return f"{self.customer} ({self.claimant})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("pool:conflict", args=[self.pk])

    def claimant_statements(self) -> list[tuple[datetime, str]]:
        """(time, text) of what the claimant added, oldest first."""
        return [(datetime.fromisoformat(row["at"]), row["text"]) for row in self.statements]


def register() -> None:
    """view = see the pool; edit = claim and return; assign = assign from the pool, lock and unlock;
    approve = decide conflicts; configure = pools and limits (a pool administrator, exempt from the daily
    claim cap). Pools and conflict cases were audited as ``customers.*`` before the pool had its own app."""
    from guanxi.core import permissions, scope
    from guanxi.core.audit import register_former_label

    permissions.register_module(
        permissions.Module("pool", _("Public pool and conflicts"), ("view", "edit", "assign", "approve", "configure"))
    )
    scope.register(Pool, scope.Rule("pool", owner=None, department="department", unit="business_unit"))
    scope.register(ConflictCase, scope.Rule("pool", owner="claimant", unit="business_unit"))
    for model in (Pool, HoldingLimit, ConflictCase):
        register_former_label(model, f"customers.{model._meta.model_name}")
