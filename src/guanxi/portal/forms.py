"""The portal's forms: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.customers.models import Contact, Customer
from guanxi.service.models import TYPE_DICTIONARY, Priority


class AcceptForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=50, help_text=_("Letters, digits and . _ - only; used to sign in.")
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(render_value=False))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class PasswordForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class CustomerRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    tax_number = forms.CharField(label=_("Tax number"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact name"), max_length=50, required=False)
    contact_mobile = forms.CharField(label=_("Contact mobile"), max_length=20, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    remarks = forms.CharField(
        label=_("Remarks"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def customer_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("name", "phone", "tax_number", "address", "remarks")}

    def contact_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["contact_name"], "mobile": data["contact_mobile"], "email": data["contact_email"]}


class LeadRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=50)
    company = forms.CharField(label=_("Company"), max_length=50, required=False)
    position = forms.CharField(label=_("Position"), max_length=50, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    need = forms.CharField(label=_("Need"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TicketForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    type = forms.ChoiceField(label=_("Ticket type"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, customers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["customer"]
        field.queryset = customers
        type_field: Any = self.fields["type"]
        type_field.choices = dictionary_choices(TYPE_DICTIONARY)


class TicketReplyForm(forms.Form):
    text = forms.CharField(label=_("Your reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class InvitationForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args: Any, partner: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["contact"]
        field.queryset = Contact.objects.filter(customer=partner)
        field.empty_label = _("— another person —")
