"""Writes of the catalogue: products and categories, each in one transaction, validated in full first."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.units import config_unit_check
from guanxi.core.errors import Conflict, DomainError
from guanxi.customers.keys import name_initials, name_pinyin
from guanxi.org.models import User

from .models import Product, ProductCategory

PRODUCT_FIELDS = [
    "code", "name", "category", "specification", "unit_of_measure", "list_price", "floor_price", "cost",
    "tax_rate", "on_sale", "stock_quantity",
]  # fmt: skip
MONEY_FIELDS = ("list_price", "floor_price", "cost", "stock_quantity")


def _unit_of(actor: User) -> int:
    unit = actor.business_unit_id
    if unit is None:
        raise DomainError(_("You belong to no business unit."), code="no_unit")
    return unit


def _decimal(value: Any, field: str, errors: dict[str, list[str]], *, low: int = 0, high: int | None = None) -> Any:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if not number.is_finite() or number < low:
        errors.setdefault(field, []).append(_("Cannot be negative."))
    elif high is not None and number > high:
        errors.setdefault(field, []).append(_("At most %(high)s.") % {"high": high})
    return number


def _clean(product: Product) -> None:
    errors: dict[str, list[str]] = {}
    product.code = (product.code or "").strip()
    product.name = (product.name or "").strip()
    for field in ("code", "name"):
        if not getattr(product, field):
            errors.setdefault(field, []).append(_("This field is required."))
    for field in MONEY_FIELDS:
        setattr(product, field, _decimal(getattr(product, field), field, errors))
    product.tax_rate = _decimal(product.tax_rate, "tax_rate", errors, high=100)
    for field in ("list_price", "floor_price"):
        if getattr(product, field) is None and field not in errors:
            errors.setdefault(field, []).append(_("This field is required."))
    if product.tax_rate is None and "tax_rate" not in errors:
        product.tax_rate = Decimal("13")
    if not errors and product.floor_price > product.list_price:
        errors["floor_price"] = [_("The floor price cannot be above the list price.")]
    category = product.category if product.category_id else None
    if category is not None and category.business_unit_id != product.business_unit_id:
        errors["category"] = [_("Choose a category of your business unit.")]
    if errors:
        raise ValidationError(errors)
    product.name_pinyin = name_pinyin(product.name)[:300]
    product.name_initials = name_initials(product.name)[:100]


def _save_unique(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise Conflict(_("Another product of your unit has this code."), field="code", code="duplicate") from None


@transaction.atomic
def product_create(*, actor: User, data: Mapping[str, Any]) -> Product:
    unit = _unit_of(actor)
    config_unit_check(actor=actor, code="products.configure", unit_id=unit)
    product = Product(business_unit_id=unit, created_by=actor, **{k: v for k, v in data.items() if k in PRODUCT_FIELDS})
    _clean(product)
    _save_unique(product)
    audit_log(actor=actor, action=Action.CREATE, obj=product, changes=diff({}, snapshot(product, PRODUCT_FIELDS)))
    return product


@transaction.atomic
def product_update(*, actor: User, product: Product, data: Mapping[str, Any], version: int | None) -> Product:
    """Change a product; ``version`` is the one the user loaded (a stale one is refused with 409)."""
    config_unit_check(actor=actor, code="products.configure", unit_id=product.business_unit_id)
    row = Product.objects.select_for_update().get(pk=product.pk)
    if version is None or version != row.version:
        raise Conflict(_("Someone changed this product meanwhile: reload it and try again."), code="stale_version")
    before = snapshot(row, PRODUCT_FIELDS)
    for name, value in data.items():
        if name in PRODUCT_FIELDS:
            setattr(row, name, value)
    _clean(row)
    row.version = F("version") + 1
    row.updated_at = timezone.now()
    _save_unique(row)
    row.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=diff(before, snapshot(row, PRODUCT_FIELDS)))
    return row


@transaction.atomic
def product_delete(*, actor: User, product: Product) -> None:
    """Soft delete; a product already quoted stays (take it off sale instead)."""
    from ..quotes.models import QuoteLine

    config_unit_check(actor=actor, code="products.configure", unit_id=product.business_unit_id)
    from ..deals import product_delete_refusal

    refusal = product_delete_refusal(product.pk)
    if refusal:
        raise Conflict(refusal, code="in_use")
    if QuoteLine.objects.filter(product=product).exists():
        raise Conflict(_("This product is on quotes: take it off sale instead."), code="in_use")
    Product.all_objects.filter(pk=product.pk).update(deleted_at=timezone.now())
    audit_log(actor=actor, action=Action.DELETE, obj=product)


@transaction.atomic
def product_category_save(
    *, actor: User, name: str, parent: ProductCategory | None = None, category: ProductCategory | None = None
) -> ProductCategory:
    unit = category.business_unit_id if category else _unit_of(actor)
    config_unit_check(actor=actor, code="products.configure", unit_id=unit)
    name = name.strip()
    if not name:
        raise DomainError(_("This field is required."), field="name")
    if parent is not None and parent.business_unit_id != unit:
        raise DomainError(_("Choose a category of your business unit."), field="parent")
    ancestor = parent
    while ancestor is not None:
        if category is not None and ancestor.pk == category.pk:
            raise DomainError(_("A category cannot sit under itself."), field="parent")
        ancestor = ancestor.parent
    row = category or ProductCategory(business_unit_id=unit)
    row.name, row.parent = name, parent
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict(_("This category already exists here."), field="name", code="duplicate") from None
    audit_log(actor=actor, action=Action.UPDATE if category else Action.CREATE, obj=row, changes={"name": [None, name]})
    return row
