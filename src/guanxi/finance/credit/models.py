"""A customer's credit: the rating A–E and the limit the nightly sweep computed from its payment history (with
the reasons as codes and figures), and what is in force (a manager's override, else the computed ones). The
row is also the lock that makes two orders of one customer be weighed against the limit one after the other."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.scope import ScopedQuerySet
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit

LIMIT = {"max_digits": 16, "decimal_places": 2}


class Rating(models.TextChoices):
    """The scale; the codes are the ``credit_rating`` dictionary's, whose labels the pages show."""

    A = "a", _("A excellent")
    B = "b", _("B good")
    C = "c", _("C fair")
    D = "d", _("D poor")
    E = "e", _("E bad")


RATINGS = [choice.value for choice in Rating]
HELD = (Rating.D, Rating.E)  # an order of a customer rated so always needs approval


class CustomerCredit(models.Model):
    customer = models.OneToOneField(
        Customer, models.CASCADE, primary_key=True, related_name="credit", verbose_name=_("customer")
    )
    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"))
    # "" while the customer has no history to judge by (not rated)
    computed_rating = models.CharField(_("computed rating"), max_length=1, choices=Rating.choices, blank=True)
    computed_limit = models.DecimalField(_("default limit"), **LIMIT)  # type: ignore[arg-type]
    reasons = models.JSONField(_("reasons"), default=list)  # [{"code": "open_overdue", "rating": "d", "days": 75}]
    rating = models.CharField(_("credit rating"), max_length=1, choices=Rating.choices, blank=True)  # in force
    limit = models.DecimalField(_("credit limit"), **LIMIT)  # type: ignore[arg-type]
    rated_at = models.DateTimeField(_("rated at"))

    objects = ScopedQuerySet["CustomerCredit"].as_manager()

    class Meta:
        verbose_name = _("customer credit")
        verbose_name_plural = _("customer credit")
        indexes = [models.Index(fields=["business_unit", "rating"], name="credit_unit_rating")]
        constraints = [
            models.CheckConstraint(condition=Q(limit__gte=0, computed_limit__gte=0), name="credit_limit_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.rating}"


class CreditOverride(models.Model):
    """A manager's rating and/or limit for a customer, with the note saying why. It stays in force across the
    nightly sweeps until someone removes it (kept, stamped: the history of overrides); one in force at a time."""

    customer = models.ForeignKey(Customer, models.CASCADE, related_name="credit_overrides", verbose_name=_("customer"))
    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"))
    rating = models.CharField(_("credit rating"), max_length=1, choices=Rating.choices, blank=True)
    limit = models.DecimalField(_("credit limit"), null=True, blank=True, **LIMIT)  # type: ignore[arg-type]
    note = models.CharField(_("note"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("set by"))
    created_at = models.DateTimeField(_("set at"))
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("removed by")
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    remove_note = models.CharField(_("reason for removing"), max_length=500, blank=True)

    objects = ScopedQuerySet["CreditOverride"].as_manager()

    class Meta:
        verbose_name = _("credit override")
        verbose_name_plural = _("credit overrides")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="credit_override_customer")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(removed_at__isnull=True), name="credit_override_one_in_force"
            ),
            models.CheckConstraint(
                condition=~Q(rating="") | Q(limit__isnull=False), name="credit_override_sets_something"
            ),
            models.CheckConstraint(condition=Q(limit__isnull=True) | Q(limit__gte=0), name="credit_override_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.rating or '-'} {self.limit if self.limit is not None else '-'}"

    @property
    def in_force(self) -> bool:
        return self.removed_at is None


ZERO = Decimal(0)


def register() -> None:
    from guanxi.core import permissions, scope

    # Everyone who sells sees a customer's credit; who approves in sales (managers, unit heads) overrides it.
    permissions.register_module(permissions.Module("credit", _("Customer credit"), ("view", "approve")))
    rule = scope.Rule("credit", owner="customer__owner", shared="customer__shared_with", unit="customer__business_unit")
    scope.register(CustomerCredit, rule)
    scope.register(CreditOverride, rule)
