"""Contracts (合同, SPEC §7.3): a number unique within the unit, dates that make sense, lines copied from the
quote they came from, a status only services move, and the link to the contract a renewal continues."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.records import MainRecord
from guanxi.core.uploads import StoredFile, UploadFolder
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit

from ..products.models import Product

AMOUNT = {"max_digits": 16, "decimal_places": 2, "default": Decimal("0")}


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved, to be signed")
    SIGNED = "signed", _("Signed")
    IN_PROGRESS = "in_progress", pgettext_lazy("contract status", "In progress")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")
    VOIDED = "voided", _("Voided")


# The statuses of a contract that counts as a deal: the customer is won by it.
DEAL_STATUSES = (ContractStatus.SIGNED, ContractStatus.IN_PROGRESS, ContractStatus.COMPLETED, ContractStatus.TERMINATED)
# The statuses in which the contract runs (its end date reminds its owner; a void may be asked).
RUNNING_STATUSES = (ContractStatus.SIGNED, ContractStatus.IN_PROGRESS)


class Contract(MainRecord):
    number = models.CharField(_("contract number"), max_length=40)
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="contracts", verbose_name=_("customer"))
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("opportunity"),
    )
    quote = models.ForeignKey(
        "sales.Quote", models.PROTECT, null=True, blank=True, related_name="contracts", verbose_name=_("quote")
    )
    renews = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="renewals", verbose_name=_("renews")
    )
    copied_from = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("copied from")
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    title = models.CharField(_("title"), max_length=100)
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    amount = models.DecimalField(_("contract amount"), max_digits=16, decimal_places=2)
    start_on = models.DateField(_("start date"))
    end_on = models.DateField(_("end date"))
    signed_on = models.DateField(_("signed date"), null=True, blank=True)
    our_signatory = models.CharField(_("our signatory"), max_length=50, blank=True)
    their_signatory = models.CharField(_("their signatory"), max_length=50, blank=True)
    payment_terms = models.TextField(_("payment terms"), max_length=1000, blank=True)
    note = models.TextField(_("notes"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    void_pending = models.BooleanField(_("void waiting for approval"), default=False, editable=False)
    void_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("expiry reminder sent"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(
                fields=["owner", "-updated_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="contract_owner_recent",
            ),
            models.Index(
                fields=["business_unit", "-updated_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="contract_unit_recent",
            ),
            models.Index(fields=["customer", "status"], name="contract_customer_status"),
            models.Index(fields=["opportunity"], condition=Q(opportunity__isnull=False), name="contract_opportunity"),
            # The expiry reminder sweep: running contracts not yet reminded, by end date.
            models.Index(
                fields=["end_on"],
                condition=Q(status__in=["signed", "in_progress"], reminded_at__isnull=True, deleted_at__isnull=True),
                name="contract_expiry_due",
            ),
            # The start sweep: signed contracts by start date.
            models.Index(fields=["start_on"], condition=Q(status="signed"), name="contract_start_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "number"],
                condition=Q(deleted_at__isnull=True),
                name="contract_number_unique_in_unit",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(condition=Q(end_on__gt=F("start_on")), name="contract_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:contract", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == ContractStatus.DRAFT

    @property
    def is_deal(self) -> bool:
        return self.status in DEAL_STATUSES


class ContractLine(models.Model):
    """A product line, copied from the quote or typed. Orders against the contract may not order more of a
    product than its lines hold."""

    contract = models.ForeignKey(Contract, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, models.PROTECT, related_name="contract_lines", verbose_name=_("product"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("13"))
    net_amount = models.DecimalField(_("amount before tax"), **AMOUNT)  # type: ignore[arg-type]
    tax_amount = models.DecimalField(_("tax"), **AMOUNT)  # type: ignore[arg-type]
    amount = models.DecimalField(_("amount"), **AMOUNT)  # type: ignore[arg-type]

    class Meta:
        ordering = ["contract", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0, unit_price__gte=0, discount_percent__gte=0, discount_percent__lte=100),
                name="contract_line_valid_numbers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.position}"


class ContractAttachment(StoredFile):
    """The signed scan, the annexes (合同附件): files on the storage backend, read only through the contract."""

    contract = models.ForeignKey(Contract, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=UploadFolder("contracts"), max_length=200)


def register() -> None:
    from guanxi.core import permissions, scope
    from guanxi.customers.merge import register_merge_child
    from guanxi.org import handover

    permissions.register_module(
        permissions.Module("contracts", _("Contracts"), ("view", "create", "edit", "delete", "export", "approve"))
    )
    scope.register(Contract, scope.Rule("contracts", owner="owner", unit="business_unit"))
    register_merge_child(Contract, "customer")
    handover.register_owned(
        handover.OwnedType(
            Contract,
            "owner",
            _("Open contracts"),
            owned=lambda rows: rows.filter(status__in=["draft", "pending", "approved", "signed", "in_progress"]),
        )
    )
