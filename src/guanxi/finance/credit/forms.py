from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Rating


class OverrideForm(forms.Form):
    """Only the shape: the service checks the rating, the limit (never negative) and the note."""

    rating = forms.ChoiceField(
        label=_("Credit rating"), required=False, choices=[("", _("As computed")), *Rating.choices]
    )
    limit = forms.CharField(
        label=_("Credit limit (¥)"), required=False, max_length=20,
        help_text=_("Empty: the default limit of the customer's level."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip
    note = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class RemoveForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=500, required=False)
