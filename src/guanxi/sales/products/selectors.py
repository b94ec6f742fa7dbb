"""Reads of the catalogue: the list, and the picker's search by code, name, pinyin or initials."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from guanxi.customers.keys import name_initials, name_pinyin
from guanxi.org.models import User

from .models import Product, ProductCategory


def products_of_unit(*, actor: User) -> QuerySet[Product]:
    """The actor's unit's catalogue (an all-units administrator still picks from their own unit's)."""
    return Product.objects.visible_to(actor).filter(business_unit_id=actor.business_unit_id)


def product_search(*, actor: User, query: str = "", on_sale_only: bool = False) -> QuerySet[Product]:
    """ "zxj" or "zhuanxiangji" finds 转向机; a code or a name fragment as typed, too. Prefix matches on the
    pinyin columns use their (unit, pinyin) indexes."""
    rows = products_of_unit(actor=actor).select_related("category")
    if on_sale_only:
        rows = rows.filter(on_sale=True)
    text = query.strip()
    if text:
        latin = text.lower().replace(" ", "")
        match = Q(code__istartswith=text) | Q(name__icontains=text)
        if latin.isascii():
            match |= Q(name_pinyin__startswith=latin) | Q(name_initials__startswith=latin)
        else:
            match |= Q(name_pinyin__startswith=name_pinyin(text)) | Q(name_initials__startswith=name_initials(text))
        rows = rows.filter(match)
    return rows.order_by("code", "pk")


def categories_of_unit(*, actor: User) -> QuerySet[ProductCategory]:
    return ProductCategory.objects.visible_to(actor).filter(business_unit_id=actor.business_unit_id)
