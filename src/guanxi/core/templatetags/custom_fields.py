"""``{% load custom_fields %}``: a record's custom fields on its detail page."""

from typing import Any

from django import template

from guanxi.core.config.custom_forms import custom_rows

register = template.Library()


@register.inclusion_tag("core/config/custom_field_rows.html")
def custom_field_rows(obj: Any) -> dict[str, Any]:
    """Label/value rows (``<dt>``/``<dd>``) of the record's enabled custom fields."""
    return {"rows": custom_rows(obj)}
