"""Forms of the contract and order pages (parsed here, checked by the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import MultipleFileField
from guanxi.core.uploads import files_help
from guanxi.customers.forms import customer_by_ref, customer_ref_field
from guanxi.customers.models import Customer
from guanxi.org.forms import PersonChoiceField, offer_owners
from guanxi.org.models import User

from ..models import Opportunity
from .models import ContractStatus

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class CustomerPartForm(forms.Form):
    """The customer (typed by number or exact name when the page did not come from one) and its opportunity."""

    customer_ref = customer_ref_field()
    opportunity = forms.ModelChoiceField(label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False)

    def __init__(self, *args: Any, actor: User, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.customer = actor, customer
        if customer is not None:
            del self.fields["customer_ref"]
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(actor).filter(  # type: ignore[attr-defined]
                customer=customer
            )

    def clean_customer_ref(self) -> str:
        text = self.cleaned_data.get("customer_ref", "").strip()
        self.customer = customer_by_ref(self.actor, text)
        return text


class ContractForm(CustomerPartForm):
    number = forms.CharField(
        label=_("Contract number"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to number it automatically."),
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    amount = forms.DecimalField(label=_("Contract amount"), max_digits=16, decimal_places=2)
    start_on = forms.DateField(label=_("Start date"), **DATE)  # type: ignore[arg-type]
    end_on = forms.DateField(label=_("End date"), **DATE)  # type: ignore[arg-type]
    our_signatory = forms.CharField(label=_("Our signatory"), max_length=50, required=False)
    their_signatory = forms.CharField(label=_("Their signatory"), max_length=50, required=False)
    payment_terms = forms.CharField(
        label=_("Payment terms"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    WIDE = ("payment_terms", "note")

    def contract_data(self) -> dict[str, Any]:
        names = ("number", "title", "opportunity", "amount", "start_on", "end_on", "our_signatory",
                 "their_signatory", "payment_terms", "note")  # fmt: skip
        return {name: self.cleaned_data.get(name) for name in names}


class ContractFilterForm(forms.Form):
    q = forms.CharField(label=_("Contract number or customer"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ContractStatus.choices]
    )
    signed_from = forms.DateField(label=_("Signed from"), required=False, **DATE)  # type: ignore[arg-type]
    signed_to = forms.DateField(label=_("Signed until"), required=False, **DATE)  # type: ignore[arg-type]
    ends_by = forms.DateField(label=_("Ends by"), required=False, **DATE)  # type: ignore[arg-type]
    owner = PersonChoiceField(User.objects.none(), label=_("Owner"), required=False, empty_label=_("Any"))
    deals = forms.BooleanField(label=_("Signed, in progress or done"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_owners(self, actor, "contracts")

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(forms.Form):
    attachments = MultipleFileField(label=_("Add files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = files_help(20)


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed date"), **DATE)  # type: ignore[arg-type]
