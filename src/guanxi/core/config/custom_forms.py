"""Custom fields in pages: form fields, filters and displayed values for any registered record type.

The fields are those of one business unit (its own and the group-wide ones): a record's unit for its form
and page, the viewer's unit for a list's columns and filters.

A record's form:   names = add_custom_fields(form, Customer, unit, instance)  → fields named ``custom.<key>``
                   values = custom_values_from(form)   → pass to the service, which calls
                   ``custom_values_clean`` (its errors land on the same field names via ``show_error``).
A detail page:     {% load custom_fields %}{% custom_field_rows object %}
A list:            columns = custom_cells(Customer, unit, page.object_list) → ``object.custom_cells`` per row
A filter form:     add_custom_filters(form, Customer, unit); queryset = custom_filter_apply(qs, Customer, unit, data)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from ..models import CustomField, DictionaryItem
from ..people import user_model
from .custom_fields import custom_fields_for, custom_filter_q, record_unit
from .dictionary import dictionary_choices, shown_item_label

Type = CustomField.Type
PREFIX = "custom."


def custom_form_field(field: CustomField, current: Any = None) -> forms.Field:
    """The Django form field for one custom field; ``current`` keeps a disabled option selectable."""
    common: dict[str, Any] = {"label": field.label, "required": field.required, "help_text": field.help_text}
    if field.type == Type.TEXT:
        return forms.CharField(max_length=500, **common)
    if field.type == Type.NUMBER:
        return forms.DecimalField(max_digits=20, decimal_places=6, **common)
    if field.type == Type.MONEY:
        return forms.DecimalField(max_digits=17, decimal_places=2, **common)
    if field.type == Type.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if field.type == Type.CHOICE:
        choices = dictionary_choices(_type_code(field), include=[current] if current else [])
        return forms.ChoiceField(choices=[("", "---------"), *choices], **common)
    if field.type == Type.MULTI_CHOICE:
        choices = dictionary_choices(_type_code(field), include=current or [])
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if field.type == Type.USER:
        User = user_model()
        users = User.objects.filter(models.Q(status=User.Status.ACTIVE) | models.Q(pk=current or 0))
        return forms.ModelChoiceField(queryset=users, **common)
    return forms.BooleanField(**{**common, "required": False})


def _type_code(field: CustomField) -> str:
    return field.dictionary_type.code if field.dictionary_type else ""


def add_custom_fields(
    form: forms.BaseForm, model: type[models.Model] | str, unit: int | None, instance: Any = None
) -> list[str]:
    """Add the enabled custom fields of the record type in ``unit`` to ``form`` (after its own), with the
    record's values as initial data. Returns the added field names."""
    stored = dict(getattr(instance, "custom", None) or {})
    names = []
    for field in custom_fields_for(model, unit=unit):
        name = f"{PREFIX}{field.key}"
        current = stored.get(field.key)
        form.fields[name] = custom_form_field(field, current)
        if current is not None:
            form.initial[name] = parse_date(current) if field.type == Type.DATE else current
        names.append(name)
    return names


def custom_values_from(form: forms.BaseForm) -> dict[str, Any]:
    """The custom values of a valid form, by key, for the service (which cleans them again)."""
    return {
        name.removeprefix(PREFIX): value
        for name, value in form.cleaned_data.items()
        if name.startswith(PREFIX) and name.count(".") == 1
    }


# --- showing values ---------------------------------------------------------------------------------


class _Lookups:
    """Labels of dictionary items and names of users, fetched once for many values."""

    def __init__(self, fields: Iterable[CustomField], values: Iterable[dict[str, Any]]) -> None:
        fields = list(fields)
        type_ids = {field.dictionary_type_id for field in fields if field.has_choices}
        self.labels: dict[tuple[int, str], str] = {
            (type_id, code): shown_item_label(type_code, code, label)
            for type_id, type_code, code, label in DictionaryItem.objects.filter(type_id__in=type_ids).values_list(
                "type_id", "type__code", "code", "label"
            )
        }
        user_keys = [field.key for field in fields if field.type == Type.USER]
        user_ids = {value.get(key) for value in values for key in user_keys} - {None}
        self.users = {user.pk: str(user) for user in user_model().objects.filter(pk__in=user_ids)}

    def show(self, field: CustomField, value: Any) -> str:
        if value is None or value == "" or value == []:
            return ""
        type_id = field.dictionary_type_id or 0
        if field.type == Type.CHOICE:
            return self.labels.get((type_id, value), str(value))
        if field.type == Type.MULTI_CHOICE:
            return "、".join(self.labels.get((type_id, code), code) for code in value)
        if field.type == Type.USER:
            return self.users.get(value, "")
        if field.type == Type.BOOLEAN:
            return str(_("Yes") if value else _("No"))
        if field.type == Type.DATE:
            parsed = parse_date(str(value))
            return formats.date_format(parsed) if parsed else str(value)
        if field.type == Type.MONEY:
            from ..templatetags.guanxi import money

            return money(value)
        if field.type == Type.NUMBER:
            return formats.number_format(value, use_l10n=True)
        return str(value)


def custom_rows(obj: Any) -> list[tuple[str, str]]:
    """(label, shown value) of each enabled custom field of a record, for its detail page."""
    stored = obj.custom or {}
    fields = custom_fields_for(type(obj), unit=record_unit(obj))
    lookups = _Lookups(fields, [stored])
    return [(field.label, lookups.show(field, stored.get(field.key))) for field in fields]


def custom_columns(model: type[models.Model] | str, unit: int | None) -> list[CustomField]:
    """The custom fields administrators chose to show in lists."""
    return [field for field in custom_fields_for(model, unit=unit) if field.show_in_list]


def custom_cells(model: type[models.Model] | str, unit: int | None, objects: Sequence[Any]) -> list[CustomField]:
    """Set ``object.custom_cells`` (shown values of the list columns) on each object of a page, with
    two queries for the whole page; returns the columns for the table head."""
    columns = custom_columns(model, unit)
    lookups = _Lookups(columns, [obj.custom or {} for obj in objects])
    for obj in objects:
        obj.custom_cells = [lookups.show(field, (obj.custom or {}).get(field.key)) for field in columns]
    return columns


# --- filters ----------------------------------------------------------------------------------------

_RANGED = (Type.NUMBER, Type.MONEY, Type.DATE)


def add_custom_filters(form: forms.BaseForm, model: type[models.Model] | str, unit: int | None) -> None:
    """Add an optional filter field per enabled custom field (two, from/to, for numbers and dates)."""
    for field in custom_fields_for(model, unit=unit):
        name = f"{PREFIX}{field.key}"
        if field.type in _RANGED:
            low, high = custom_form_field(field), custom_form_field(field)
            low.required = high.required = False
            low.label = _("%(label)s from") % {"label": field.label}
            high.label = _("%(label)s to") % {"label": field.label}
            form.fields[f"{name}.from"], form.fields[f"{name}.to"] = low, high
        elif field.type == Type.BOOLEAN:
            form.fields[name] = forms.NullBooleanField(
                label=field.label,
                required=False,
                widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
            )
        else:
            filter_field = custom_form_field(field)
            if isinstance(filter_field, forms.MultipleChoiceField):  # one option to look for
                options: Any = filter_field.choices
                filter_field = forms.ChoiceField(choices=[("", "---------"), *options])
                filter_field.label = field.label
            filter_field.required = False
            filter_field.help_text = ""
            form.fields[name] = filter_field


def custom_filter_apply(
    queryset: QuerySet[Any], model: type[models.Model] | str, unit: int | None, data: dict[str, Any]
) -> QuerySet[Any]:
    """Narrow a queryset by the custom filters of a valid filter form's cleaned data."""
    for field in custom_fields_for(model, unit=unit):
        name = f"{PREFIX}{field.key}"
        if field.type in _RANGED:
            queryset = queryset.filter(
                custom_filter_q(field, low=data.get(f"{name}.from"), high=data.get(f"{name}.to"))
            )
        elif data.get(name) is not None and data.get(name) != "":
            queryset = queryset.filter(custom_filter_q(field, value=data[name]))
    return queryset
