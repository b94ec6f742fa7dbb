from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.custom_forms import add_custom_fields, custom_values_from
from guanxi.core.config.dictionary import dictionary_choices
from guanxi.org.forms import PeopleChoiceField, PersonChoiceField, offer_colleagues, offer_owners
from guanxi.org.models import Department, User

from .models import Contact, Customer, Level, Lifecycle
from .partners import DICTIONARY_FIELDS as PARTNER_DICTIONARY_FIELDS
from .partners import partners_of_unit, partners_to_filter_by
from .regions.forms import RegionFieldsMixin, region_choices
from .selectors import SCENES
from .services import DICTIONARY_FIELDS, required_customer_fields

CUSTOMER_FORM_FIELDS = [
    "name", "kind", "level", "rating", "industry", "product_line", "source", "introducer", "nature", "revenue_band",
    "employee_band", "satisfaction", "address", "postcode", "phone", "fax", "website",
    "email", "wechat", "qq", "weibo", "licence_number", "legal_representative", "registered_capital", "bank",
    "bank_account", "tax_number", "remarks", "partner_type", "partner_level", "territory",
]  # fmt: skip


def _dictionary_field(field: forms.Field, type_code: str, current: str) -> forms.ChoiceField:
    choices = [("", "---------"), *dictionary_choices(type_code, include=[current])]
    return forms.ChoiceField(choices=choices, required=False, label=field.label)


@dataclass
class FormSection:
    key: str
    title: Any
    fields: list[forms.BoundField]
    open: bool


class CustomerForm(RegionFieldsMixin, forms.ModelForm):
    """The customer's fields; on create also the first contact. Rules are checked by the services."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    referrer_number = forms.CharField(
        label=_("Referred by (customer number)"),
        max_length=30,
        required=False,
        help_text=_("Required when the source is a referral, e.g. KH202611220001."),
    )
    partner = forms.ModelChoiceField(
        Customer.objects.none(),
        label=_("Brought by channel partner"),
        required=False,
        help_text=_("The distributor or agent who brought this customer."),
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=50, required=False)
    contact_mobile = forms.CharField(label=_("Contact mobile"), max_length=20, required=False)
    contact_position = forms.CharField(label=_("Contact position"), max_length=50, required=False)

    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[("", "—"), (1, "★"), (2, "★★"), (3, "★★★")],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_FORM_FIELDS
        widgets = {"remarks": forms.Textarea(attrs={"rows": 3})}

    # The form's groups, in order; the first two are always open, the others fold away until they hold an
    # error or a required field. The first contact comes right after the basics (new customers only).
    SECTIONS = [
        ("basic", _("Basic information"), [
            "name", "kind", "level", "rating", "industry", "product_line", "source", "referrer_number", "introducer",
        ]),
        ("contact", _("Contact details"), [
            "contact_name", "contact_mobile", "contact_position", "phone", "email", "wechat", "fax", "website",
            "qq", "weibo",
        ]),
        ("business", _("Business information"), [
            "nature", "revenue_band", "employee_band", "satisfaction", "licence_number",
            "legal_representative", "registered_capital", "tax_number", "bank", "bank_account",
        ]),
        ("address", _("Address"), ["province", "city", "county", "address", "postcode"]),
        ("partner", _("Channel partner"), ["partner", "partner_type", "partner_level", "territory"]),
        ("other", _("Other"), ["remarks"]),
    ]  # fmt: skip
    ALWAYS_OPEN = ("basic", "contact")

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, type_code in {**DICTIONARY_FIELDS, **PARTNER_DICTIONARY_FIELDS}.items():
            if name not in self.fields:  # the credit rating: kept by the credit assessment, not typed
                continue
            self.fields[name] = _dictionary_field(self.fields[name], type_code, getattr(self.instance, name, ""))
        for name in PARTNER_DICTIONARY_FIELDS:
            self.fields[name].help_text = _("For a customer of kind channel partner.")
        self.actor = actor
        unit_id = self.instance.business_unit_id if self.instance.pk else actor.business_unit_id
        partner_field = cast(Any, self.fields["partner"])
        partner_field.queryset = partners_of_unit(unit_id).exclude(pk=self.instance.pk)
        partner_field.initial = self.instance.partner_id
        if self.instance.referrer_id:
            self.fields["referrer_number"].initial = self.instance.referrer.number
        if self.instance.pk:
            for name in ("contact_name", "contact_mobile", "contact_position"):
                del self.fields[name]
            self.fields["version"].initial = self.instance.version
        unit = self.instance.business_unit_id if self.instance.pk else actor.business_unit_id
        add_custom_fields(self, Customer, unit, self.instance if self.instance.pk else None)
        for name in required_customer_fields(actor.business_unit_id):  # the unit's red stars (SPEC §2.2)
            if name in self.fields:
                self.fields[name].required = True

    def sections(self) -> list[FormSection]:
        """The fields by group, custom fields under "other"; a group opens when it needs the user."""
        placed = {name for _key, _title, names in self.SECTIONS for name in names}
        rest = [name for name in self.fields if name not in placed and not self.fields[name].widget.is_hidden]
        groups = []
        for key, title, names in self.SECTIONS:
            fields = [self[name] for name in [*names, *(rest if key == "other" else [])] if name in self.fields]
            needed = any(field.errors or field.field.required for field in fields)
            if key == "partner":
                needed = needed or self.instance.kind == Customer.Kind.PARTNER or bool(self.instance.partner_id)
            groups.append(FormSection(key, title, fields, key in self.ALWAYS_OPEN or needed))
        return [group for group in groups if group.fields]

    def clean_referrer_number(self) -> Customer | None:
        number = self.cleaned_data["referrer_number"].strip().upper()
        if not number:
            return None
        referrer = Customer.objects.visible_to(self.actor).filter(number=number).first()
        if referrer is None:
            raise forms.ValidationError(_("No customer you can see has this number."))
        return referrer

    def _post_clean(self) -> None:
        """The model is validated by the service (one place for the rules), not by the form."""

    def customer_data(self) -> dict[str, Any]:
        fields = [*CUSTOMER_FORM_FIELDS, *self.region_field_names]
        data = {name: self.cleaned_data.get(name) or "" for name in fields if name in self.cleaned_data}
        data["referrer"] = self.cleaned_data.get("referrer_number")
        data["partner"] = self.cleaned_data.get("partner")
        for name in ("rating", "registered_capital"):
            data[name] = self.cleaned_data.get(name)
        return data

    def contact_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data.get("contact_name", ""), "mobile": data.get("contact_mobile", ""),
                "position": data.get("contact_position", "")}  # fmt: skip

    def custom_data(self) -> dict[str, Any]:
        return custom_values_from(self)


class ContactForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Contact
        fields = [
            "name", "salutation", "gender", "position", "department", "mobile", "phone", "email", "wechat", "qq",
            "birthday", "birthday_is_lunar", "hobbies", "decision_role", "remarks", "is_primary",
        ]  # fmt: skip
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"}), "remarks": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _post_clean(self) -> None:
        """Validated by the service."""


class TransferForm(forms.Form):
    owner = PersonChoiceField(User.objects.none(), label=_("New owner"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_colleagues(self.fields["owner"], actor)


class ShareForm(forms.Form):
    users = PeopleChoiceField(User.objects.none(), label=_("Colleagues"), required=False)
    departments = forms.ModelMultipleChoiceField(
        Department.objects.none(), label=_("Departments"), required=False, help_text=_("Everyone in them now.")
    )
    can_edit = forms.BooleanField(label=_("They may edit it"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_colleagues(self.fields["users"], actor)
        unit = actor.business_unit_id
        departments = Department.objects.filter(business_unit_id=unit) if unit else Department.objects.none()
        cast(Any, self.fields["departments"]).queryset = departments.order_by("path")


class CustomerFilterForm(forms.Form):
    """The list's filter bar: any standard field, plus the custom fields added by the view."""

    q = forms.CharField(label=_("Name, pinyin, number or phone"), required=False)
    scene = forms.ChoiceField(label=_("Scene"), choices=list(SCENES.items()), required=False)
    status = forms.ChoiceField(label=_("Lifecycle"), choices=[("", _("Any")), *Lifecycle.choices], required=False)
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("Any")), *Level.choices], required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    owner = PersonChoiceField(User.objects.none(), label=_("Owner"), required=False, empty_label=_("Any"))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any")), *Customer.Kind.choices], required=False)
    partner = forms.ModelChoiceField(Customer.objects.none(), label=_("Channel partner"), required=False)
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=[("", _("Any")), (1, "★"), (2, "★★"), (3, "★★★")], coerce=int, required=False
    )
    province = forms.ChoiceField(label=_("Province"), required=False)
    tag = forms.CharField(label=_("Tag"), max_length=20, required=False)
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("updated", _("Last updated")), ("created", _("Newest")), ("name", _("Name")),
                 ("last_followup", _("Last follow-up")), ("expiry", _("Returning to the pool soonest"))],
    )  # fmt: skip

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # read when the drawer's fields are written or a filter names a value, not on every page of the list
        cast(Any, self.fields["industry"]).choices = lambda: [("", _("Any")), *dictionary_choices("industry")]
        cast(Any, self.fields["source"]).choices = lambda: [("", _("Any")), *dictionary_choices("customer_source")]
        cast(Any, self.fields["province"]).choices = lambda: [("", _("Any")), *region_choices("province", None)[1:]]
        from .facts import ordering_choices

        ordering_field = cast(Any, self.fields["ordering"])
        ordering_field.choices = [*ordering_field.choices, *ordering_choices()]
        if actor is not None:
            cast(Any, self.fields["partner"]).queryset = partners_to_filter_by(actor)
        if actor is None:
            del self.fields["owner"]
        else:
            offer_owners(self, actor, "customers")  # a salesperson sees only their own: nothing to choose


class MergeFindForm(forms.Form):
    """Step one of a merge: which customer goes into this one (the merge's rules are the service's)."""

    number = forms.CharField(
        label=_("Number of the customer to merge into this one"),
        max_length=30,
        help_text=_("It is deleted after the merge; its contacts and records move here."),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_number(self) -> Customer:
        number = self.cleaned_data["number"].strip().upper()
        other = Customer.objects.visible_to(self.actor).filter(number=number).first()
        if other is None:
            raise forms.ValidationError(_("No customer you can see has this number."))
        return other


class MergeChoiceForm(forms.Form):
    """Step two: per differing field, whose value the kept customer takes (``fields`` names them)."""

    def __init__(self, *args: Any, fields: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in fields:
            self.fields[name] = forms.ChoiceField(
                choices=[("keep", _("This customer's")), ("other", _("The other's"))],
                initial="keep",
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )

    def choices(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}


class ContactMoveForm(forms.Form):
    """A contact changes company: the new customer by its number."""

    number = forms.CharField(label=_("Customer number"), max_length=30)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_number(self) -> Customer:
        number = self.cleaned_data["number"].strip().upper()
        customer = Customer.objects.visible_to(self.actor).filter(number=number).first()
        if customer is None:
            raise forms.ValidationError(_("No customer you can see has this number."))
        return customer


def customer_ref_field(*, required: bool = True) -> forms.CharField:
    """The customer of a quote, contract, order or opportunity typed by number or exact name; with JavaScript,
    picked from the customers' search (name fragments, pinyin, phone) and filled in as the number."""
    picker = forms.TextInput(
        attrs={
            "data-customer-picker": reverse_lazy("customers:picker"),
            "data-none-label": _("No customer you can see matches this."),
            "autocomplete": "off",
        }
    )
    return forms.CharField(label=_("Customer (number or exact name)"), max_length=50, required=required, widget=picker)


def customer_by_ref(actor: User, text: str) -> Customer:
    """The customer the actor sees with this number or exact name (the field above's answer)."""
    found = Customer.objects.visible_to(actor).filter(Q(number=text) | Q(name=text)).first()
    if found is None:
        raise forms.ValidationError(_("No customer you can see has this number or name."))
    return found
