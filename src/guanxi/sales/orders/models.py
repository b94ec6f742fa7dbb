"""Orders (订单/销售单, SPEC §7.4): from a quote, a contract or typed directly; lines with their delivered
quantities; totals and the delivered, invoiced and received roll-ups the money module feeds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.records import MainRecord
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit

from ..products.models import Product

AMOUNT = {"max_digits": 16, "decimal_places": 2, "default": Decimal("0")}
QUANTITY = {"max_digits": 12, "decimal_places": 2}


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")  # a confirmation held by a check (the customer's credit)
    CONFIRMED = "confirmed", _("Confirmed")
    PARTIALLY_DELIVERED = "partially_delivered", _("Partially delivered")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# A confirmed order in any later state counts as a deal: the customer is won by it.
DEAL_STATUSES = (
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_DELIVERED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


class Order(MainRecord):
    number = models.CharField(_("order number"), max_length=40)
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="orders", verbose_name=_("customer"))
    contract = models.ForeignKey(
        "sales.Contract", models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("contract")
    )
    quote = models.ForeignKey(
        "sales.Quote", models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("quote")
    )
    opportunity = models.ForeignKey(
        "sales.Opportunity",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("opportunity"),
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    ordered_on = models.DateField(_("order date"))
    delivery_on = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=200, blank=True)
    note = models.TextField(_("notes"), max_length=2000, blank=True)
    net_amount = models.DecimalField(_("amount before tax"), **AMOUNT)  # type: ignore[arg-type]
    tax_amount = models.DecimalField(_("tax"), **AMOUNT)  # type: ignore[arg-type]
    total = models.DecimalField(_("total"), **AMOUNT)  # type: ignore[arg-type]
    # The roll-ups (SPEC §7.4): kept by the services in the transaction of the change that moves them.
    ordered_quantity = models.DecimalField(_("ordered quantity"), default=Decimal(0), **QUANTITY)  # type: ignore[arg-type]
    delivered_quantity = models.DecimalField(_("delivered quantity"), default=Decimal(0), **QUANTITY)  # type: ignore[arg-type]
    invoiced_amount = models.DecimalField(_("invoiced"), **AMOUNT)  # type: ignore[arg-type]
    received_amount = models.DecimalField(_("received"), **AMOUNT)  # type: ignore[arg-type]
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("sales order", "order")
        verbose_name_plural = pgettext_lazy("sales order", "orders")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(
                fields=["owner", "-updated_at", "-id"], condition=Q(deleted_at__isnull=True), name="order_owner_recent"
            ),
            models.Index(
                fields=["business_unit", "-updated_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="order_unit_recent",
            ),
            models.Index(fields=["customer", "status"], name="order_customer_status"),
            # The placed orders (not drafts) of many customers at once, counted from the index alone: a channel
            # partner's ten thousand customers on the portal's first page, where the table was read whole.
            models.Index(
                fields=["customer"],
                condition=Q(deleted_at__isnull=True) & ~Q(status="draft"),
                name="order_placed_customer",
            ),
            models.Index(fields=["contract", "status"], condition=Q(contract__isnull=False), name="order_contract"),
            models.Index(fields=["opportunity"], condition=Q(opportunity__isnull=False), name="order_opportunity"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "number"],
                condition=Q(deleted_at__isnull=True),
                name="order_number_unique_in_unit",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0, invoiced_amount__gte=0, received_amount__gte=0, delivered_quantity__gte=0),
                name="order_rollups_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:order", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == OrderStatus.DRAFT


class OrderLine(models.Model):
    order = models.ForeignKey(Order, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, models.PROTECT, related_name="order_lines", verbose_name=_("product"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), validators=[MinValueValidator(0)], **QUANTITY)  # type: ignore[arg-type]
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("13"))
    net_amount = models.DecimalField(_("amount before tax"), **AMOUNT)  # type: ignore[arg-type]
    tax_amount = models.DecimalField(_("tax"), **AMOUNT)  # type: ignore[arg-type]
    amount = models.DecimalField(_("amount"), **AMOUNT)  # type: ignore[arg-type]
    delivered_quantity = models.DecimalField(_("delivered quantity"), default=Decimal(0), **QUANTITY)  # type: ignore[arg-type]

    class Meta:
        ordering = ["order", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0, unit_price__gte=0, discount_percent__gte=0, discount_percent__lte=100),
                name="order_line_valid_numbers",
            ),
            models.CheckConstraint(
                condition=Q(delivered_quantity__gte=0, delivered_quantity__lte=models.F("quantity")),
                name="order_line_delivered_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.position}"


def register() -> None:
    from guanxi.core import permissions, scope
    from guanxi.customers.merge import register_merge_child
    from guanxi.org import handover

    permissions.register_module(
        permissions.Module("orders", _("Orders"), ("view", "create", "edit", "delete", "export"))
    )
    scope.register(Order, scope.Rule("orders", owner="owner", unit="business_unit"))
    register_merge_child(Order, "customer")
    handover.register_owned(
        handover.OwnedType(
            Order,
            "owner",
            _("Open orders"),
            owned=lambda rows: rows.filter(
                status__in=["draft", "pending", "confirmed", "partially_delivered", "delivered"]
            ),
        )
    )
