"""Campaign forms: they parse; the services check and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.customers.models import SavedFilter
from guanxi.leads.models import LeadForm
from guanxi.org.models import User

from .models import TYPE_DICTIONARY, AudienceKind, CampaignStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=100)
    kind = forms.ChoiceField(label=_("Campaign type"), choices=())
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    budget = forms.DecimalField(label=_("Budget"), max_digits=14, decimal_places=2, min_value=0, initial=0)
    web_form = forms.ModelChoiceField(
        label=_("Web form"), queryset=LeadForm.objects.none(), required=False,
        help_text=_("Leads sent through this form are attributed to the campaign."),
    )  # fmt: skip
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=2000)  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, current_kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *dictionary_choices(TYPE_DICTIONARY, include=[current_kind])]  # type: ignore[attr-defined]
        self.fields["web_form"].queryset = LeadForm.objects.filter(business_unit_id=actor.business_unit_id)  # type: ignore[attr-defined]


class CostForm(forms.Form):
    item = forms.CharField(label=_("Item"), max_length=100)
    spent_on = forms.DateField(label=_("Date"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=AudienceKind.choices)
    saved = forms.ModelChoiceField(
        label=_("Saved filter"), queryset=SavedFilter.objects.none(), required=False,
        help_text=_("A saved filter of the customer list; or paste the address of a filtered list below."),
    )  # fmt: skip
    query = forms.CharField(label=_("Filter (the list's address)"), max_length=2000, required=False)
    label = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saved"].queryset = SavedFilter.objects.filter(user=actor)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        saved = data.get("saved")
        if saved is not None:
            data["query"] = saved.query_string
            data["label"] = data.get("label") or saved.name
        if not data.get("label"):
            data["label"] = str(dict(AudienceKind.choices).get(data.get("kind", ""), ""))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(CampaignStatus.COMPLETED, ""), (CampaignStatus.CANCELLED, "")])


class MembersAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    ids = forms.CharField(label=_("Numbers (ids), separated by commas"), max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import MemberKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = MemberKind.choices  # type: ignore[attr-defined]

    def clean_ids(self) -> list[int]:
        raw = self.cleaned_data["ids"].replace("，", ",").replace(" ", ",")
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Enter whole numbers separated by commas.")) from None
