"""Churn and care (客户流失 / 客户关怀, SPEC §10): churn alerts raised by the unit's rules and handled to
recovered or lost, care rules that plan the owner's greetings and services once per occasion, and the
churn-risk model learnt per unit with each won customer's score and its top factors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit

REASON_DICTIONARY = "churn_reason"


class AlertStatus(models.TextChoices):
    WARNED = "warned", _("Warned")
    RETAINING = "retaining", _("Retaining")
    RECOVERED = "recovered", _("Recovered")
    LOST = "lost", pgettext_lazy("churn alert", "Lost")


OPEN_STATUSES = (AlertStatus.WARNED, AlertStatus.RETAINING)


class Rule(models.TextChoices):
    """The churn rules (SPEC §10.1), each with its unit's parameters."""

    NO_ORDER = "no_order", _("No order for long")
    AMOUNT_DROP = "amount_drop", _("Order amount falling")
    COMPLAINT_OPEN = "complaint_open", _("Complaint open for long")
    NO_FOLLOWUP = "no_followup", _("No follow-up for long")


class ChurnAlert(MainRecord):
    """One alert for a won customer; at most one open (warned or retaining) per customer, whatever the runs
    or rules: a partial unique index decides, not a check in Python."""

    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="churn_alerts", verbose_name=_("customer"))
    # The customer's owner, beside the alert so that an owner's inbox is read from one index instead of a
    # join with every customer they own. The database keeps it: triggers copy the customer's owner when an
    # alert is written and whenever the customer changes hands (migration 0002), whatever the path.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, editable=False, related_name="+",
        db_index=False, verbose_name=_("owner"),
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.WARNED)
    # every rule that fired with its figures: [{"rule": "no_order", "days": 210, "last": "2026-05-01"}, …]
    reasons = models.JSONField(_("rules fired"), default=list)
    raised_at = models.DateTimeField(_("raised at"))
    checked_at = models.DateTimeField(_("last checked"))
    measure = models.TextField(_("retention measure"), max_length=2000, blank=True)
    measure_plan = models.ForeignKey(
        "activities.Plan", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("measure plan")
    )
    measure_followup = models.ForeignKey(
        "activities.FollowUp", models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("measure follow-up"),
    )  # fmt: skip
    retaining_at = models.DateTimeField(_("retention started"), null=True, blank=True)
    recovered_at = models.DateTimeField(_("recovered at"), null=True, blank=True)
    recovered_note = models.CharField(_("recovered by"), max_length=200, blank=True)
    lost_on = models.DateField(_("churn confirmed on"), null=True, blank=True)
    lost_reason = models.CharField(_("churn reason"), max_length=40, blank=True)
    lost_note = models.CharField(_("note"), max_length=500, blank=True)
    won_again_on = models.DateField(_("won again on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )

    class Meta:
        verbose_name = _("churn alert")
        verbose_name_plural = _("churn alerts")
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(fields=["business_unit", "status", "-raised_at"], name="churn_alert_unit_status"),
            models.Index(fields=["customer", "-raised_at"], name="churn_alert_customer"),
            # an owner's open alerts, newest first: the inbox's count and page from the index alone
            models.Index(
                fields=["owner", "-raised_at", "-id"],
                condition=Q(status__in=["warned", "retaining"], deleted_at__isnull=True),
                name="churn_alert_owner_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(status__in=["warned", "retaining"]), name="churn_alert_one_open"
            ),
            models.CheckConstraint(
                condition=~Q(status="lost") | (Q(lost_on__isnull=False) & ~Q(lost_reason="")),
                name="churn_alert_lost_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.status}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("retention:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CareKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Contact's birthday (solar or lunar)")
    HOLIDAY = "holiday", _("Public holiday")
    ANNIVERSARY = "anniversary", _("Purchase anniversary")
    FIRST_SERVICE = "first_service", _("First service after delivery")
    MILESTONE = "milestone", _("Usage milestone")


class CareRule(models.Model):
    """A care rule of a unit (SPEC §10.4): which occasions, how many days ahead the owner's plan is made,
    and the message template it carries."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("occasion"), max_length=20, choices=CareKind.choices)
    days_ahead = models.PositiveSmallIntegerField(_("plan ahead (days)"), default=3)
    template = models.TextField(_("message template"), max_length=1000)
    # first service: days after delivery; milestones: the custom field and its thresholds
    days_after = models.PositiveSmallIntegerField(_("days after delivery"), null=True, blank=True)
    field_key = models.CharField(_("numeric custom field"), max_length=40, blank=True)
    thresholds = models.JSONField(_("milestones"), default=list, blank=True)
    levels = models.JSONField(_("customer levels (empty: all)"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet["CareRule"].as_manager()

    class Meta:
        verbose_name = _("care rule")
        verbose_name_plural = _("care rules")
        ordering = ["business_unit", "kind", "pk"]
        constraints = [models.CheckConstraint(condition=Q(days_ahead__lte=60), name="care_rule_days_ahead_max")]

    def __str__(self) -> str:
        return self.name


class CareOccasion(models.Model):
    """An occasion a rule planned for (a contact's birthday of a year, a holiday, a milestone): exactly once
    per rule, customer and occasion, decided by the unique constraint."""

    rule = models.ForeignKey(CareRule, models.CASCADE, related_name="occasions")
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)  # e.g. "birthday:c12:2026", "holiday:spring_festival:2027"
    occurs_on = models.DateField()
    plan = models.ForeignKey("activities.Plan", models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "customer", "key"], name="care_occasion_once")]
        indexes = [models.Index(fields=["customer", "-occurs_on"], name="care_occasion_customer")]

    def __str__(self) -> str:
        return self.key


class RiskModel(models.Model):
    """A unit's churn-risk model (SPEC §10.3): standardised logistic regression, stored as numbers (no
    pickles): the features' means and scales, the weights, the held-out AUC; or why there is none."""

    business_unit = models.OneToOneField(BusinessUnit, models.CASCADE, related_name="+")
    trained_at = models.DateTimeField(null=True, blank=True)
    samples = models.PositiveIntegerField(default=0)
    positives = models.PositiveIntegerField(default=0)
    auc = models.FloatField(null=True, blank=True)
    features = models.JSONField(default=list)  # feature codes, in the order of the numbers below
    means = models.JSONField(default=list)
    scales = models.JSONField(default=list)
    weights = models.JSONField(default=list)
    intercept = models.FloatField(default=0.0)
    # why the unit has rules only: "too_little_history" (with "samples"), "one_outcome_only"
    reason = models.CharField(max_length=40, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    scored = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"risk model {self.business_unit_id}"

    @property
    def ready(self) -> bool:
        return bool(self.weights) and not self.reason


class RiskScore(models.Model):
    """A won customer's churn probability and its top three factors (codes and figures, read in words)."""

    customer = models.OneToOneField(Customer, models.CASCADE, primary_key=True, related_name="churn_risk")
    probability = models.FloatField()
    factors = models.JSONField(default=list)  # [{"code": "recency", "value": 210}, …] strongest first
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-probability"], name="risk_score_probability")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.probability:.2f}"


def register() -> None:
    from guanxi.core import permissions, scope
    from guanxi.core.config.dictionary import register_dictionary_usage

    permissions.register_module(permissions.Module("churn", _("Churn alerts"), ("view", "edit", "export")))
    permissions.register_module(
        permissions.Module("retention_settings", _("Churn and care settings"), ("view", "configure"), kind="admin")
    )
    scope.register(
        ChurnAlert,
        scope.Rule("churn", owner="owner", shared="customer__shared_with", unit="customer__business_unit"),
    )
    scope.register(CareRule, scope.Rule("retention_settings", owner=None, unit="business_unit", everyone=True))
    register_dictionary_usage(REASON_DICTIONARY, ChurnAlert, "lost_reason")
