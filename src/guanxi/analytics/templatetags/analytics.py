"""Showing report figures: a measure's value by its kind, a row's change from the period compared with."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from guanxi.core.templatetags.guanxi import money

from ..framework import Measure, Row

register = template.Library()


@register.filter
def figure(value: Any, kind: str = "number") -> str:
    if value is None:
        return "—"
    if kind == "money":
        return money(value)
    if kind == "percent":
        return f"{Decimal(str(value)):.1f}%"
    if kind == "text":
        return str(value)
    if kind == "decimal":
        return f"{Decimal(str(value)):.2f}"
    return str(intcomma(value))


@register.filter
def value_of(values: dict[str, Any], measure: Measure) -> str:
    return figure(values.get(measure.code), measure.kind)


@register.filter
def change_of(row: Row, measure: Measure) -> str:
    change = row.change(measure.code)
    if change is None:
        return ""
    return f"{'+' if change >= 0 else ''}{change:.1f}%"
