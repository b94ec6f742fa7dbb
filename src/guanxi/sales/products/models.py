"""The product catalogue of a business unit (SPEC §7.1): categories in a tree and products with their prices."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class ProductCategory(models.Model):
    """产品分类: a node of the unit's category tree."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"))
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent category")
    )
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = ScopedQuerySet["ProductCategory"].as_manager()

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["sort_order", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "parent", "name"], name="product_category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Product(MainRecord):
    """产品: what a unit sells. The floor price is the lowest a salesperson may quote without approval."""

    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    code = models.CharField(_("product code"), max_length=40)
    name = models.CharField(_("product name"), max_length=100)
    name_pinyin = models.CharField(max_length=300, editable=False)
    name_initials = models.CharField(max_length=100, editable=False)
    category = models.ForeignKey(
        ProductCategory, models.PROTECT, null=True, blank=True, related_name="products", verbose_name=_("category")
    )
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, default="")
    list_price = models.DecimalField(_("list price"), **MONEY)  # type: ignore[arg-type]
    floor_price = models.DecimalField(_("floor price"), **MONEY)  # type: ignore[arg-type]
    cost = models.DecimalField(_("cost"), null=True, blank=True, **MONEY)  # type: ignore[arg-type]
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    on_sale = models.BooleanField(_("on sale"), default=True)
    # A read-only figure imported from the ERP (库存查询); inventory itself lives there.
    stock_quantity = models.DecimalField(_("stock"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code", "pk"]
        indexes = [
            # The picker: a unit's products on sale by code, pinyin or initials prefix.
            models.Index(fields=["business_unit", "name_pinyin"], name="product_pinyin"),
            models.Index(fields=["business_unit", "name_initials"], name="product_initials"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "code"], condition=Q(deleted_at__isnull=True), name="product_unique_live_code"
            ),
            models.CheckConstraint(
                condition=Q(list_price__gte=0, floor_price__gte=0), name="product_prices_not_negative"
            ),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="product_tax_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:product", args=[self.pk])


def register() -> None:
    from guanxi.core import permissions, scope

    permissions.register_module(
        permissions.Module("products", _("Products"), ("view", "configure", "import", "export"))
    )
    # The catalogue is the unit's shared knowledge: whoever sells sees all of it, never another unit's.
    scope.register(Product, scope.Rule("products", owner=None, unit="business_unit", everyone=True))
    scope.register(ProductCategory, scope.Rule("products", owner=None, unit="business_unit", everyone=True))
