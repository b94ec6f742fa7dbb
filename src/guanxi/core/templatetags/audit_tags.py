"""Showing audit entries: record types in people's words."""

from django import template

from guanxi.core.auditlog import selectors

register = template.Library()


@register.filter
def record_type(object_type: str) -> str:
    return selectors.record_type_label(object_type)
