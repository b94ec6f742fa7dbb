"""Expense claim forms: they parse; the service checks the lines and decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales.models import Opportunity

from .models import CATEGORY_DICTIONARY


class ExpenseForm(forms.Form):
    title = forms.CharField(label=_("Purpose"), max_length=200)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(), required=False)
    opportunity = forms.ModelChoiceField(label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(actor).order_by("name")  # type: ignore[attr-defined]
        self.fields["opportunity"].queryset = Opportunity.objects.visible_to(actor).order_by("-updated_at")  # type: ignore[attr-defined]


class LineForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=())
    spent_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    # The bounds are the service's, which reports each line's problem by field.
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2)
    receipt = forms.FileField(label=_("Receipt image"), required=False, allow_empty_file=True,
                              widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *dictionary_choices(CATEGORY_DICTIONARY)]  # type: ignore[attr-defined]


LineFormSet = forms.formset_factory(LineForm, extra=3, min_num=1, validate_min=True, max_num=50)


class PayForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=100, required=False)
