"""Forms of the quote pages: the quote's details and its product lines (parsed here, checked by the service)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.customers.forms import customer_by_ref, customer_ref_field
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from ..models import Opportunity
from ..products.forms import product_picker
from ..products.models import Product


class QuoteForm(forms.Form):
    customer_ref = customer_ref_field()
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    opportunity = forms.ModelChoiceField(label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("Terms and notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.customer = actor, customer
        if customer is not None:
            del self.fields["customer_ref"]
            self.fields["contact"].queryset = customer.contacts.all()  # type: ignore[attr-defined]
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(actor).filter(  # type: ignore[attr-defined]
                customer=customer
            )

    def clean_customer_ref(self) -> str:
        text = self.cleaned_data.get("customer_ref", "").strip()
        self.customer = customer_by_ref(self.actor, text)
        return text

    def quote_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in ("contact", "opportunity", "valid_until", "note")}


class LineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=2, required=False)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2, required=False)
    discount_percent = forms.DecimalField(label=_("Discount (%)"), max_digits=5, decimal_places=2, required=False)

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor is not None:
            product_picker(self, "product", actor)


LineFormSet = forms.formset_factory(LineForm, extra=3, can_delete=True)


def sent_lines(formset: Any) -> list[forms.Form]:
    """The line forms whose lines go to the service, in its order: those with a product, not deleted."""
    return [form for form in formset if form.cleaned_data.get("product") and not form.cleaned_data.get("DELETE")]


def lines_from(formset: Any) -> list[dict[str, Any]]:
    return [
        {
            "product": form.cleaned_data["product"].pk,
            "quantity": form.cleaned_data.get("quantity") if form.cleaned_data.get("quantity") is not None else 1,
            "unit_price": form.cleaned_data.get("unit_price"),
            "discount_percent": form.cleaned_data.get("discount_percent") or 0,
        }
        for form in sent_lines(formset)
    ]
