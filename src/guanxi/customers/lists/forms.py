"""Forms of the customer list's own settings and bulk actions: parsing only, the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ..preferences import column_choices


class SaveFilterForm(forms.Form):
    name = forms.CharField(label=_("Filter name"), max_length=50)
    query = forms.CharField(widget=forms.HiddenInput, required=False)


class ColumnsForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=_("Columns"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        choices=[],
    )

    def __init__(self, *args: Any, unit: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["columns"]).choices = column_choices(unit)


class TagForm(forms.Form):
    tag = forms.CharField(label=_("Tag"), max_length=50, help_text=_("At most 20 characters."))


class ConfirmForm(forms.Form):
    """A bulk action that needs no input, only a confirmation (delete)."""
