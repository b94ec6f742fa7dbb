"""Quotes (报价单, SPEC §7.2): lines priced on the server, a status that only services move, and the prices
each line gave the customer, kept for "one company, one price"."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import BusinessUnit

from ..products.models import Product

AMOUNT = {"max_digits": 16, "decimal_places": 2, "default": Decimal("0")}


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected by the customer")
    EXPIRED = "expired", _("Expired")


class Quote(MainRecord):
    number = models.CharField(_("quote number"), max_length=40, unique=True, editable=False)
    revision = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    previous = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("copied from")
    )
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="quotes", verbose_name=_("customer"))
    contact = models.ForeignKey(
        Contact, models.SET_NULL, null=True, blank=True, related_name="quotes", verbose_name=_("contact")
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("opportunity"),
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    status = models.CharField(_("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    valid_until = models.DateField(_("valid until"))
    note = models.TextField(_("terms and notes"), max_length=2000, blank=True)
    list_amount = models.DecimalField(_("amount at list price"), **AMOUNT)  # type: ignore[arg-type]
    discount_amount = models.DecimalField(_("discount"), **AMOUNT)  # type: ignore[arg-type]
    net_amount = models.DecimalField(_("amount before tax"), **AMOUNT)  # type: ignore[arg-type]
    tax_amount = models.DecimalField(_("tax"), **AMOUNT)  # type: ignore[arg-type]
    total = models.DecimalField(_("total"), **AMOUNT)  # type: ignore[arg-type]
    needs_approval = models.BooleanField(_("needs approval"), default=False, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=Q(deleted_at__isnull=True), name="quote_owner_recent"
            ),
            models.Index(
                fields=["business_unit", "-updated_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="quote_unit_recent",
            ),
            models.Index(fields=["customer", "-updated_at"], name="quote_customer"),
            # The expiry sweep: quotes still open to the customer, by validity.
            models.Index(
                fields=["valid_until"], condition=Q(status__in=["approved", "sent"]), name="quote_open_validity"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0, net_amount__gte=0), name="quote_totals_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:quote", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == QuoteStatus.DRAFT


class QuoteLine(models.Model):
    """One product line. Amounts are computed by the service in Decimal and rounded to the fen; the customer
    and the submit time are copied here so the latest prices a customer was given come from one index."""

    quote = models.ForeignKey(Quote, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, models.PROTECT, related_name="quote_lines", verbose_name=_("product"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("13"))
    net_amount = models.DecimalField(_("amount before tax"), **AMOUNT)  # type: ignore[arg-type]
    tax_amount = models.DecimalField(_("tax"), **AMOUNT)  # type: ignore[arg-type]
    amount = models.DecimalField(_("amount"), **AMOUNT)  # type: ignore[arg-type]
    below_floor = models.BooleanField(default=False)
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="+")
    quoted_at = models.DateTimeField(null=True, blank=True)  # set when the quote is submitted

    class Meta:
        ordering = ["quote", "position", "pk"]
        indexes = [
            # One company, one price: the latest submitted price of a product to a customer.
            models.Index(
                fields=["customer", "product", "-quoted_at"],
                condition=Q(quoted_at__isnull=False),
                name="quote_line_last_price",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0, unit_price__gte=0, discount_percent__gte=0, discount_percent__lte=100),
                name="quote_line_valid_numbers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}#{self.position}"

    @property
    def net_unit_price(self) -> Decimal:
        return (self.unit_price * (100 - self.discount_percent) / 100).quantize(Decimal("0.01"))


def register() -> None:
    from guanxi.core import permissions, scope
    from guanxi.customers.merge import register_merge_child
    from guanxi.org import handover

    permissions.register_module(
        permissions.Module("quotes", _("Quotes"), ("view", "create", "edit", "delete", "export", "approve"))
    )
    from guanxi.workflows.selectors import approver_readable

    from .services import QUOTE_APPROVAL

    # An approver named in a flow may sit outside the quote's scope: they still open what they decide.
    scope.register(
        Quote,
        scope.Rule("quotes", owner="owner", unit="business_unit", readable=partial(approver_readable, QUOTE_APPROVAL)),
    )
    register_merge_child(Quote, "customer")
    register_merge_child(QuoteLine, "customer")
    handover.register_owned(
        handover.OwnedType(
            Quote,
            "owner",
            _("Open quotes"),
            owned=lambda rows: rows.filter(status__in=["draft", "pending", "approved", "sent"]),
        )
    )
