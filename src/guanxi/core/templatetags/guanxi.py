"""Template helpers shared by every page: locale-aware money and form widgets styled for Tabler."""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from guanxi.core.config.units import config_may_change
from guanxi.core.money import money_text
from guanxi.core.navigation import menu_html
from guanxi.core.permissions import has_perm

register = template.Library()


@register.simple_tag
def menu(items: Any, current_path: str) -> SafeString:
    """The left navigation's entries (``navigation.menu_html``)."""
    return menu_html(items, current_path)


@register.filter
def money(amount: Decimal | float | int | None, currency: str = "") -> str:
    """¥1,234.50 in Chinese, CN¥1,234.50 in English: the user's locale decides the pattern. A reader of the
    Chinese interface who chose it sees ¥12.80万 for ¥128,000.00."""
    if amount is None or amount == "":
        return ""
    return money_text(amount, currency, wan=True)


@register.filter
def tel(number: str | None) -> SafeString | str:
    """A phone number as a link a phone dials; the link keeps only the digits and a leading +."""
    if not number:
        return ""
    return format_html('<a href="tel:{}" class="text-nowrap">{}</a>', re.sub(r"[^\d+]", "", number), number)


@register.filter
def mailto(address: str | None) -> SafeString | str:
    """An e-mail address as a link that opens the mail app."""
    if not address:
        return ""
    return format_html('<a href="mailto:{}">{}</a>', address, address)


_WIDGET_CLASSES = {
    forms.CheckboxInput: "form-check-input",
    forms.RadioSelect: "form-check-input",
    forms.CheckboxSelectMultiple: "form-check-input",
    forms.Select: "form-select",
    forms.SelectMultiple: "form-select",
}


@register.filter
def styled(field: forms.BoundField) -> str:
    """Render a field's widget with Tabler's classes, marked invalid when it has errors."""
    widget = field.field.widget
    css = next((c for kind, c in _WIDGET_CLASSES.items() if isinstance(widget, kind)), "form-control")
    if field.errors:
        css += " is-invalid"
    attrs: dict[str, str | bool] = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters changed: keeps filters while paging."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def can(user: object, code: str) -> bool:
    """``{% if request.user|can:"org.edit" %}``: hide what the user may not do (the server refuses anyway)."""
    return has_perm(user, code)


@register.simple_tag(takes_context=True)
def configures(context: template.Context, code: str, item: Any) -> bool:
    """``{% configures "pipelines.configure" pipeline as editable %}``: may the user change this item of
    configuration (their unit's; a group-wide one with the all-units scope)? The server refuses anyway."""
    return config_may_change(actor=context["request"].user, code=code, unit_id=item.business_unit_id)


@dataclass(frozen=True)
class FilterChip:
    label: str
    value: str
    remove_url: str


# Parameters that are no filter: the scene is the selected tab above the drawer; the sort order filters nothing.
_NOT_CHIPS = {"scene", "ordering"}


@register.simple_tag(takes_context=True)
def active_filters(context: template.Context, form: forms.Form) -> list[FilterChip]:
    """The filters in use on a list, each with the link that drops it (and returns to the first page)."""
    if not form.is_bound:
        return []
    query = context["request"].GET
    chips = []
    for field in form:
        values = [value for value in query.getlist(field.html_name) if value != ""]
        if not values or field.name in _NOT_CHIPS or field.is_hidden:
            continue
        choices = dict(getattr(field.field, "choices", ()))
        shown = ", ".join(str(choices.get(_choice_key(value, choices), value)) for value in values)
        remaining = query.copy()
        remaining.pop(field.html_name)
        remaining.pop("page", None)
        chips.append(FilterChip(str(field.label), shown, f"?{remaining.urlencode()}"))
    return chips


def _choice_key(value: str, choices: dict) -> object:
    """Choice keys may be ints or model ids: find the one the submitted text stands for."""
    return next((key for key in choices if str(key) == value), value)
