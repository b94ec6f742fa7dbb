"""Expense claims (费用报销, SPEC §14.7): lines of spending (a category from the dictionary, the day, the
amount, a receipt image, a note) charged to a customer or an opportunity, approved through the engine by
amount, then paid by finance."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit

CATEGORY_DICTIONARY = "expense_category"


class ExpenseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved, to be paid")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


class Expense(MainRecord):
    number = models.CharField(_("claim number"), max_length=40, unique=True, editable=False)
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("claimant"))
    title = models.CharField(_("purpose"), max_length=200)
    customer = models.ForeignKey(
        Customer, models.PROTECT, null=True, blank=True, related_name="expenses", verbose_name=_("customer")
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity", models.PROTECT, null=True, blank=True, related_name="expenses",
        verbose_name=_("opportunity"),
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=ExpenseStatus.choices, default=ExpenseStatus.DRAFT)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=Decimal("0"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("paid by")
    )
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(
                fields=["owner", "-updated_at"], condition=Q(deleted_at__isnull=True), name="expense_owner_recent"
            ),
            models.Index(
                fields=["business_unit", "status"], condition=Q(deleted_at__isnull=True), name="expense_unit_status"
            ),
            models.Index(fields=["customer", "status"], name="expense_customer"),
            models.Index(fields=["opportunity", "status"], name="expense_opportunity"),
        ]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="expense_total_not_negative")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("expenses:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in (ExpenseStatus.DRAFT, ExpenseStatus.REJECTED)


class ExpenseLine(models.Model):
    expense = models.ForeignKey(Expense, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(_("category"), max_length=40)
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    receipt = models.FileField(_("receipt image"), upload_to="expenses/%Y/%m/", max_length=300, blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()  # the expense analysis reads lines through their claim's scope

    class Meta:
        ordering = ["expense", "position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expense_line_amount_positive")]

    def __str__(self) -> str:
        return f"{self.expense.number} #{self.position + 1}"

    def get_absolute_url(self) -> str:
        return self.expense.get_absolute_url()


def register() -> None:
    from guanxi.core import permissions, scope
    from guanxi.core.config.dictionary import register_dictionary_type, register_dictionary_usage
    from guanxi.customers.merge import register_merge_child

    permissions.register_module(
        permissions.Module("expenses", _("Expense claims"), ("view", "create", "edit", "delete", "export"))
    )
    # Finance pays approved claims: an administrators' module, granted to group management (the finance
    # director) by default.
    permissions.register_module(
        permissions.Module("expense_payments", _("Expense payments"), ("view", "edit"), kind="admin")
    )
    scope.register(Expense, scope.Rule("expenses", owner="owner", unit="business_unit"))
    scope.register(ExpenseLine, scope.Rule("expenses", owner="expense__owner", unit="expense__business_unit"))
    register_dictionary_type(
        CATEGORY_DICTIONARY,
        _("Expense categories"),
        [
            ("travel", _("Travel")),
            ("hotel", _("Hotel")),
            ("meals", _("Meals and entertainment")),
            ("gifts", _("Gifts")),
            ("transport", _("Local transport")),
            ("samples", _("Samples")),
            ("other", _("Other")),
        ],
    )
    register_dictionary_usage(CATEGORY_DICTIONARY, ExpenseLine, "category")
    register_merge_child(Expense, "customer")
