"""Showing audit entries: record types and field changes in people's words."""

from django import template

from guanxi.core.auditlog import selectors
from guanxi.core.models import AuditEntry

register = template.Library()


@register.filter
def change_rows(entry: AuditEntry) -> list[selectors.ChangeRow]:
    return selectors.change_rows(entry)


@register.filter
def record_type(object_type: str) -> str:
    return selectors.record_type_label(object_type)
