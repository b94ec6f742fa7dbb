"""Sales scripts (销售话术, SPEC §14.5): a unit's library of talk tracks by scenario, product and pipeline stage,
voted useful or not by the people who use them; managers curate (feature, retire, edit anyone's)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.org.models import BusinessUnit


class Scenario(models.TextChoices):
    FIRST_CALL = "first_call", _("First call")
    NEEDS = "needs", _("Finding the needs")
    PRICE_OBJECTION = "price_objection", _("Price objection")
    COMPETITOR = "competitor", _("Competitor comparison")
    CLOSING = "closing", _("Closing")
    AFTER_SALES = "after_sales", _("After-sales")


class Script(MainRecord):
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("author"))
    title = models.CharField(_("title"), max_length=200)
    scenario = models.CharField(_("scenario"), max_length=20, choices=Scenario.choices)
    product = models.ForeignKey(
        "sales.Product", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    stage = models.ForeignKey(
        "sales.Stage", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("pipeline stage")
    )
    body = models.TextField(_("script"), max_length=5000)
    tags = models.CharField(_("tags"), max_length=200, blank=True)
    featured = models.BooleanField(_("recommended by a manager"), default=False)
    useful_count = models.PositiveIntegerField(_("useful"), default=0, editable=False)
    not_useful_count = models.PositiveIntegerField(_("not useful"), default=0, editable=False)

    class Meta:
        verbose_name = _("sales script")
        verbose_name_plural = _("sales scripts")
        ordering = ["-featured", "-useful_count", "pk"]
        indexes = [
            models.Index(
                fields=["business_unit", "scenario"], condition=Q(deleted_at__isnull=True), name="script_scenario"
            ),
            models.Index(fields=["stage"], condition=Q(deleted_at__isnull=True), name="script_stage"),
        ]

    def __str__(self) -> str:
        return self.title


class ScriptVote(models.Model):
    """One person's vote on a script; voting again changes it."""

    script = models.ForeignKey(Script, models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    useful = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["script", "user"], name="script_vote_once")]

    def __str__(self) -> str:
        return f"{self.script_id} {self.user_id} {self.useful}"


def register() -> None:
    from guanxi.core import permissions, scope

    # Salespeople read, vote and propose; "approve" (managers) curates: recommends, edits and retires any script.
    permissions.register_module(
        permissions.Module("scripts", _("Sales scripts"), ("view", "create", "edit", "delete", "approve"))
    )
    scope.register(Script, scope.Rule("scripts", owner=None, everyone=True, unit="business_unit"))
