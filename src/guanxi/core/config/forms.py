"""Forms of the configuration pages; they parse input, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CustomField, DictionaryType
from .parameters import GROUPS, Row

CODE_HELP = _("Lowercase letters, digits and _; used by the API and imports. Left empty, one is made up.")


class DictionaryTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("Lowercase letters, digits and _; cannot be changed later."),
    )


class DictionaryTypeRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class DictionaryItemForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=50, required=False, help_text=CODE_HELP)


class DictionaryItemRenameForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)


class ParametersForm(forms.Form):
    """One field per registered parameter, named by its code, grouped for the page."""

    def __init__(self, rows: list[Row], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            parameter = row.parameter
            field = _field_for(row)
            field.label = str(parameter.label)
            field.help_text = str(parameter.help)
            self.fields[parameter.code] = field
            self.initial[parameter.code] = row.value

    def groups(self) -> list[tuple[Any, list[tuple[forms.BoundField, Row]]]]:
        """(group label, [(bound field, row)]) in the groups' order, for the template."""
        grouped: dict[str, list[tuple[forms.BoundField, Row]]] = {}
        for row in self.rows:
            grouped.setdefault(row.parameter.group, []).append((self[row.parameter.code], row))
        return [(GROUPS[code][0], items) for code, items in grouped.items()]


def _field_for(row: Row) -> forms.Field:
    parameter = row.parameter
    if parameter.type == "int":
        return forms.IntegerField(min_value=parameter.min, max_value=parameter.max)  # type: ignore[arg-type]
    if parameter.type == "decimal":
        return forms.DecimalField(min_value=parameter.min, max_value=parameter.max)
    if parameter.type == "bool":
        return forms.BooleanField(required=False)
    if parameter.type == "choice":
        return forms.ChoiceField(choices=parameter.choices)
    if parameter.type == "multi":
        return forms.MultipleChoiceField(
            choices=parameter.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )
    # a text parameter whose default is empty may be left empty
    return forms.CharField(max_length=parameter.max_length, required=parameter.default != "")


class CustomFieldCreateForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=50)
    type = forms.ChoiceField(label=_("Type"), choices=CustomField.Type.choices)
    dictionary_type = forms.ModelChoiceField(
        label=_("Choices from"),
        queryset=DictionaryType.objects.none(),
        required=False,
        help_text=_("For choice fields: the dictionary type whose items are offered."),
    )
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        required=False,
        help_text=_("Lowercase letters, digits and _; the name in the API and imports. Cannot be changed later."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    show_in_list = forms.BooleanField(label=_("Show in lists"), required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["dictionary_type"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = DictionaryType.objects.order_by("code")
        field.label_from_instance = lambda obj: f"{obj.label} ({obj.code})"  # type: ignore[method-assign]


class CustomFieldEditForm(forms.Form):
    """What can change once a field exists (a plain form: the service compares before and after)."""

    label = forms.CharField(label=_("Label"), max_length=50)
    required = forms.BooleanField(label=_("Required"), required=False)
    show_in_list = forms.BooleanField(label=_("Show in lists"), required=False)
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)
