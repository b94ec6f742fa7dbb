"""Event forms: they parse; the services check and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    name = forms.CharField(label=_("Event name"), max_length=100)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=WHEN)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=WHEN)
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, initial=0, help_text=_("0: no limit."))
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirmation = forms.CharField(
        label=_("Confirmation message"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to each registrant with their QR code."),
    )  # fmt: skip
    is_open = forms.BooleanField(label=_("Registration open"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RegisterForm(forms.Form):
    """The public form (and staff's): the service checks."""

    name = forms.CharField(label=_("Your name"), max_length=50)
    company = forms.CharField(label=_("Company"), max_length=50, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(required=False, label=_("Leave this empty"))  # the honeypot, hidden by CSS


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=300)
