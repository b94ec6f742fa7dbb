"""Message forms: they parse; the services check and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Channel, GatewayKind, MessageTemplate
from .rendering import VARIABLES


def variables_help() -> list[str]:
    names = []
    for name, attributes in VARIABLES.items():
        names += [f"{{{{ {name}.{attribute} }}}}" for attribute in attributes] if attributes else [f"{{{{ {name} }}}}"]
    return names


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Body"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10, "data-sms-counter": "1"}),
        help_text=_("E-mail: HTML (formatting and links). SMS: plain text."),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["channel"].disabled = True


class PreviewForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Preview with"),
        choices=[("customer", _("Customer")), ("contact", _("Contact")), ("lead", pgettext_lazy("sales lead", "Lead"))],
    )
    record = forms.IntegerField(label=_("Record number (id)"), min_value=1)


class SendForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Template"), queryset=MessageTemplate.objects.none())

    def __init__(self, *args: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


class OptOutForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Every channel")), *Channel.choices], required=False
    )
    address = forms.CharField(label=_("E-mail or mobile"), max_length=254)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class GatewayForm(forms.Form):
    kind = forms.ChoiceField(label=_("Provider"), choices=GatewayKind.choices)
    endpoint = forms.URLField(label=_("Endpoint"), required=False, assume_scheme="https")
    api_key = forms.CharField(
        label=_("API key"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the current key."),
    )  # fmt: skip
    signature = forms.CharField(label=_("Signature"), max_length=20, required=False)
