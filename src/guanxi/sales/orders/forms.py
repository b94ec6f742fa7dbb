"""Forms of the order pages (parsed here, checked by the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.org.forms import PersonChoiceField, offer_owners
from guanxi.org.models import User

from ..contracts.forms import DATE, CustomerPartForm
from .models import OrderStatus


class OrderForm(CustomerPartForm):
    ordered_on = forms.DateField(label=_("Order date"), **DATE)  # type: ignore[arg-type]
    delivery_on = forms.DateField(label=_("Delivery date"), required=False, **DATE)  # type: ignore[arg-type]
    delivery_address = forms.CharField(label=_("Delivery address"), max_length=200, required=False)
    note = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    WIDE = ("note",)

    def order_data(self) -> dict[str, Any]:
        names = ("opportunity", "ordered_on", "delivery_on", "delivery_address", "note")
        return {name: self.cleaned_data.get(name) for name in names}


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Order number or customer"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *OrderStatus.choices]
    )
    ordered_from = forms.DateField(label=_("Ordered from"), required=False, **DATE)  # type: ignore[arg-type]
    ordered_to = forms.DateField(label=_("Ordered until"), required=False, **DATE)  # type: ignore[arg-type]
    owner = PersonChoiceField(User.objects.none(), label=_("Owner"), required=False, empty_label=_("Any"))
    deals = forms.BooleanField(label=_("Confirmed, delivered or done"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_owners(self, actor, "orders")

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}
