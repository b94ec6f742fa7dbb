"""Churn and care forms: they parse; the services check and decide (a missing measure or reason is the
service's field error)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.activities.models import Channel
from guanxi.core.config.dictionary import dictionary_choices
from guanxi.customers.models import Level

from .models import REASON_DICTIONARY, CareKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RetainForm(forms.Form):
    measure = forms.CharField(label=_("Retention measure"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    kind = forms.ChoiceField(
        label=_("Record it as"),
        choices=[("plan", _("A plan for the owner")), ("followup", _("A follow-up already made"))],
        initial="plan",
        widget=forms.RadioSelect,
    )
    due_at = forms.DateTimeField(label=_("Plan due"), required=False, widget=DATETIME)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE, required=False)


class LostForm(forms.Form):
    reason = forms.ChoiceField(label=_("Churn reason"), choices=(), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—"), *dictionary_choices(REASON_DICTIONARY)]  # type: ignore[attr-defined]


class RecoverForm(forms.Form):
    note = forms.CharField(label=_("How was the customer recovered?"), max_length=200, required=False)


class CareRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Occasion"), choices=CareKind.choices)
    days_ahead = forms.IntegerField(label=_("Plan ahead (days)"), initial=3)
    template = forms.CharField(
        label=_("Message template"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("{customer}, {occasion} and {date} are filled in."),
    )  # fmt: skip
    days_after = forms.IntegerField(label=_("Days after delivery (first service)"), required=False)
    field_key = forms.CharField(label=_("Numeric custom field (milestones)"), max_length=40, required=False)
    thresholds = forms.CharField(label=_("Milestones, comma separated"), max_length=200, required=False)
    levels = forms.MultipleChoiceField(label=_("Customer levels (none: all)"), choices=Level.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)  # fmt: skip
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        raw = str(data.get("thresholds") or "")
        data["thresholds"] = [
            part.strip().replace("，", "") for part in raw.replace("、", ",").split(",") if part.strip()
        ]
        return data


class ChurnSettingsForm(forms.Form):
    """The unit's churn rules; the parameters' own bounds are checked by the parameter service."""

    no_order_months = forms.IntegerField(label=_("No order for (months)"))
    drop_percent = forms.IntegerField(label=_("Order amount fallen by more than (%)"))
    drop_months = forms.IntegerField(label=_("…over the last (months)"))
    complaint_days = forms.IntegerField(label=_("Complaint open longer than (days)"))
    no_followup_days = forms.IntegerField(label=_("No follow-up for (days)"))
