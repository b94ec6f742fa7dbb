"""Analytics' own rows: sales targets (SPEC §12.6), each user's saved report views and dashboard layout.
Everything else analytics shows is read from the other apps through the scope gate, never written."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit, Department


class TargetKind(models.TextChoices):
    AMOUNT = "amount", _("Amount")
    COUNT = "count", _("Count")


class Target(models.Model):
    """A sales target for one month: of a user, of a department (no user) or of a whole unit (neither).
    Quarters and years are the sums of their months."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"))
    department = models.ForeignKey(
        Department, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("measured in"), max_length=8, choices=TargetKind.choices, default=TargetKind.AMOUNT)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet["Target"].as_manager()

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["year", "month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "department", "user", "kind", "year", "month"],
                name="target_unique_cell",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="target_month_in_year"),
        ]
        indexes = [models.Index(fields=["business_unit", "year", "kind"], name="target_unit_year")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.value}"


class SavedView(models.Model):
    """A report's filters saved under a name by one user (only they see it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    report = models.CharField(_("report"), max_length=40)
    name = models.CharField(_("view name"), max_length=50)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet["SavedView"].as_manager()

    class Meta:
        verbose_name = _("saved report view")
        verbose_name_plural = _("saved report views")
        ordering = ["report", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "report", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name


class DashboardLayout(models.Model):
    """The cards a user chose for their dashboard, in their order."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    cards = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet["DashboardLayout"].as_manager()

    def __str__(self) -> str:
        return ", ".join(self.cards)


def register() -> None:
    from guanxi.core import permissions, scope

    permissions.register_module(permissions.Module("reports", _("Reports"), ("view", "export")))
    permissions.register_module(permissions.Module("targets", _("Sales targets"), ("view", "configure")))
    permissions.register_module(
        permissions.Module("report_views", _("My saved report views"), ("view",), kind=permissions.PERSONAL)
    )
    scope.register(Target, scope.Rule("targets", owner="user", department="department", unit="business_unit"))
    scope.register(SavedView, scope.Rule("report_views", owner="user"))
    scope.register(DashboardLayout, scope.Rule("report_views", owner="user"))
