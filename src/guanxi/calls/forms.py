from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.org.forms import PersonChoiceField
from guanxi.org.models import User

from .models import Direction, Outcome


class CallFilterForm(forms.Form):
    number = forms.CharField(label=_("Number or extension"), required=False, max_length=40)
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=[("", _("Any")), *Direction.choices])
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any")), ("answered", _("Answered")), ("missed", _("Missed")), ("open", _("In progress"))],
    )
    agent = PersonChoiceField(label=pgettext_lazy("call centre", "Agent"), required=False, queryset=User.objects.none())
    queue = forms.BooleanField(label=_("Nobody's extension (queue)"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, agents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents if agents is not None else User.objects.none()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}


OUTCOMES = dict(Outcome.choices)


class ExtensionForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    number = forms.CharField(label=_("Extension"), max_length=8, required=False)


class PbxConnectionForm(forms.Form):
    dial_url = forms.URLField(
        label=_("Dial address"),
        max_length=300,
        assume_scheme="https",
        help_text=_("The PBX's click-to-call address, e.g. http://pbx.example.internal/api/dial"),
    )
    key = forms.CharField(
        label=_("Key"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Sent as a bearer token. Leave empty to keep the stored key."),
    )
    area_code = forms.CharField(
        label=_("Local area code"),
        required=False,
        max_length=4,
        help_text=_("Added to local numbers the PBX reports without one (like 62345678)."),
    )


class DialForm(forms.Form):
    number = forms.CharField(max_length=60)
