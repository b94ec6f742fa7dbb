"""Forms of the approval pages: a decision, and a flow's steps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.org.forms import PersonChoiceField, offer_people
from guanxi.org.models import Role, User

from .models import ApproverKind


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StepForm(forms.Form):
    position = forms.IntegerField(label=_("Order"), min_value=1, max_value=99)
    kind = forms.ChoiceField(label=_("Approver"), choices=ApproverKind.choices)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.none(), required=False)
    levels = forms.IntegerField(label=_("Levels up"), min_value=1, max_value=10, initial=1, required=False)
    user = PersonChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    min_amount = forms.DecimalField(label=_("From amount"), min_value=0, decimal_places=2, required=False)

    def __init__(self, *args: Any, unit_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = Role.objects.filter(Q(business_unit__isnull=True) | Q(business_unit_id=unit_id))  # type: ignore[attr-defined]
        colleagues = User.objects.filter(department__business_unit_id=unit_id, status=User.Status.ACTIVE)
        offer_people(self.fields["user"], colleagues, "directory")


StepFormSet = forms.formset_factory(StepForm, extra=1, can_delete=True)


class FlowForm(forms.Form):
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
