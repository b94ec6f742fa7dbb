from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.activities.models import Channel as FollowUpChannel
from guanxi.core.config.custom_forms import add_custom_fields, custom_values_from
from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.permissions import has_perm
from guanxi.customers.models import Customer
from guanxi.customers.partners import partners_of_unit, partners_to_filter_by
from guanxi.customers.regions.forms import RegionFieldsMixin, region_choices
from guanxi.org.forms import PersonChoiceField, offer_owners, offer_people
from guanxi.org.models import Department, User
from guanxi.org.selectors import people_in_scope

from .models import AssignmentRule, Channel, Lead, LeadForm, LeadPool, LeadStatus
from .selectors import SCENES
from .services import LEAD_FIELDS, SOURCE_TYPE
from .webforms import HONEYPOT, PUBLIC_FIELDS

ENTRY_FIELDS = [name for name in LEAD_FIELDS if name not in ("province", "city", "county")]


def _sources(current: str = "") -> list[tuple[str, str]]:
    return [("", "---------"), *dictionary_choices(SOURCE_TYPE, include=[current])]


def _offer_assignees(field: forms.Field, actor: User) -> None:
    """Whom the actor may give a lead to: the active people of their leads scope (the service checks it too),
    so a manager's picker lists their team, not the whole company."""
    people = people_in_scope(actor, "leads")
    offer_people(field, people if people is not None else User.objects.filter(pk=actor.pk), "leads")


class LeadEntryForm(RegionFieldsMixin, forms.ModelForm):
    """A lead entered or edited by hand; the rules are checked by the services."""

    region_required_level = 1  # a lead may know only the province
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    owner = PersonChoiceField(
        User.objects.none(),
        label=_("Owner"),
        required=False,
        empty_label=_("Assign by the rules"),
        help_text=_("Empty: the assignment rules choose."),
    )

    class Meta:
        model = Lead
        fields = ENTRY_FIELDS
        widgets = {"need": forms.Textarea(attrs={"rows": 3}), "remarks": forms.Textarea(attrs={"rows": 2})}

    field_order = [
        "name", "company", "position", "mobile", "phone", "email", "wechat", "qq", "source", "campaign",
        "product_line", "partner", "province", "city", "county", "address", "need", "remarks", "owner",
    ]  # fmt: skip

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"] = forms.ChoiceField(
            choices=_sources(getattr(self.instance, "source", "")), required=False, label=_("Source")
        )
        lines = dictionary_choices("product_line", include=[getattr(self.instance, "product_line", "")])
        self.fields["product_line"] = forms.ChoiceField(
            choices=[("", "---------"), *lines], required=False, label=_("Product line")
        )
        self.fields["name"].required = True
        unit_id = self.instance.business_unit_id if self.instance.pk else actor.business_unit_id
        partner_field = cast(Any, self.fields["partner"])
        partner_field.queryset = partners_of_unit(unit_id)
        partner_field.label = _("Brought by channel partner")
        if self.instance.pk or not has_perm(actor, "leads.assign"):
            del self.fields["owner"]  # a salesperson's lead is their own; owners change through "Assign"
        else:
            _offer_assignees(self.fields["owner"], actor)
            self.fields["owner"].initial = actor.pk
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        unit = self.instance.business_unit_id if self.instance.pk else actor.business_unit_id
        add_custom_fields(self, Lead, unit, self.instance if self.instance.pk else None)

    def _post_clean(self) -> None:
        """The model is validated by the service (one place for the rules), not by the form."""

    def lead_data(self) -> dict[str, Any]:
        names = [*ENTRY_FIELDS, *self.region_field_names]
        data = {name: self.cleaned_data.get(name) or "" for name in names if name in self.cleaned_data}
        data["partner"] = self.cleaned_data.get("partner")
        return data

    def custom_data(self) -> dict[str, Any]:
        return custom_values_from(self)


class LeadFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, company, phone, e-mail or number"), required=False)
    scene = forms.ChoiceField(label=_("Scene"), choices=list(SCENES.items()), required=False)
    status = forms.ChoiceField(label=_("Lead status"), choices=[("", _("Any")), *LeadStatus.choices], required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    channel = forms.ChoiceField(
        label=pgettext_lazy("lead intake", "Channel"), choices=[("", _("Any")), *Channel.choices], required=False
    )
    owner = PersonChoiceField(User.objects.none(), label=_("Owner"), required=False, empty_label=_("Any"))
    province = forms.ChoiceField(label=_("Province"), required=False)
    form = forms.ModelChoiceField(LeadForm.objects.none(), label=_("Web form"), required=False)
    partner = forms.ModelChoiceField(Customer.objects.none(), label=_("Channel partner"), required=False)
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("updated", _("Last updated")), ("created", _("Newest")),
                 ("last_followup", _("Longest without follow-up")), ("name", _("Name"))],
    )  # fmt: skip

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["source"]).choices = lambda: [("", _("Any")), *dictionary_choices(SOURCE_TYPE)]
        cast(Any, self.fields["province"]).choices = lambda: [("", _("Any")), *region_choices("province", None)[1:]]
        cast(Any, self.fields["partner"]).queryset = partners_to_filter_by(actor)
        offer_owners(self, actor, "leads")
        forms_seen = LeadForm.objects.visible_to(actor)
        if forms_seen.exists():
            cast(Any, self.fields["form"]).queryset = forms_seen
        else:
            del self.fields["form"]


class FollowUpForm(forms.Form):
    """A follow-up recorded on a lead (the activities app keeps it)."""

    channel = forms.ChoiceField(label=_("Channel"), choices=FollowUpChannel.choices, initial=FollowUpChannel.PHONE)
    occurred_at = forms.DateTimeField(
        label=_("When"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    content = forms.CharField(label=_("What was discussed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    owner = PersonChoiceField(
        User.objects.none(), label=_("New owner"), required=False, empty_label=_("Assign by the rules")
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer_assignees(self.fields["owner"], actor)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Lead status"),
        choices=[(code, label) for code, label in LeadStatus.choices if code != LeadStatus.CONVERTED],
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False, help_text=_("Required for invalid."))


class ConvertForm(RegionFieldsMixin, forms.Form):
    """Convert: a new customer (its fields start from the lead) or an existing one by its number; and
    optionally an opportunity."""

    TARGETS = [("new", _("A new customer")), ("existing", _("An existing customer"))]
    target = forms.ChoiceField(
        label=_("Convert into"),
        choices=TARGETS,
        initial="new",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    customer_name = forms.CharField(label=_("Customer name"), max_length=50, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(code, label) for code, label in Customer.Kind.choices if code != Customer.Kind.PARTNER],
        required=False,
    )
    existing_number = forms.CharField(
        label=_("Existing customer's number"), max_length=30, required=False, help_text=_("e.g. KH202611220001")
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=50, required=False)
    contact_mobile = forms.CharField(label=_("Contact mobile"), max_length=20, required=False)
    with_opportunity = forms.BooleanField(label=_("Also open an opportunity"), required=False)
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=100, required=False)
    opportunity_amount = forms.DecimalField(
        label=_("Expected amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    opportunity_close = forms.DateField(
        label=_("Expected close date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = [
        "target", "existing_number", "customer_name", "kind", "province", "city", "county", "contact_name",
        "contact_mobile", "with_opportunity", "opportunity_name", "opportunity_amount", "opportunity_close",
    ]  # fmt: skip

    def __init__(self, *args: Any, actor: User, lead: Lead, opportunities: bool, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "customer_name": lead.company or lead.name,
                "kind": Customer.Kind.COMPANY if lead.company else Customer.Kind.INDIVIDUAL,
                "province": lead.province,
                "city": lead.city,
                "county": lead.county,
                "contact_name": lead.name,
                "contact_mobile": lead.mobile,
                "existing_number": lead.matched_customer.number if lead.matched_customer else "",
                "opportunity_name": lead.need[:100] or str(lead),
            },
        )
        super().__init__(*args, **kwargs)
        self.actor = actor
        if not opportunities:
            for name in ("with_opportunity", "opportunity_name", "opportunity_amount", "opportunity_close"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target") == "existing":
            for name in self.region_field_names:  # the existing customer keeps its own region
                self.errors.pop(name, None)
            number = (data.get("existing_number") or "").strip().upper()
            customer = Customer.objects.visible_to(self.actor).filter(number=number).first() if number else None
            if customer is None:
                self.add_error("existing_number", _("No customer you can see has this number."))
            data["existing"] = customer
        elif not (data.get("customer_name") or "").strip():
            self.add_error("customer_name", _("This field is required."))
        if data.get("with_opportunity") and not (data.get("opportunity_name") or "").strip():
            self.add_error("opportunity_name", _("Name the opportunity."))
        return data

    def customer_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data.get("customer_name", "").strip(), "kind": data.get("kind") or "company",
                **{name: data.get(name) or "" for name in self.region_field_names}}  # fmt: skip

    def contact_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data.get("contact_name", "").strip(), "mobile": data.get("contact_mobile", "").strip()}

    def opportunity_data(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("with_opportunity"):
            return None
        values = {"name": data["opportunity_name"].strip(), "expected_close_date": data.get("opportunity_close")}
        if data.get("opportunity_amount") is not None:
            values["amount"] = data["opportunity_amount"]
        return values


# --- administration ---------------------------------------------------------------------------------------


class FormDefinitionForm(forms.ModelForm):
    """A web-to-lead form's settings."""

    fields_shown = forms.MultipleChoiceField(
        label=_("Fields shown"),
        choices=list(PUBLIC_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        initial=["name", "company", "mobile", "email", "need"],
    )
    fields_required = forms.MultipleChoiceField(
        label=_("Required fields"),
        choices=list(PUBLIC_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        initial=["name", "mobile"],
    )

    class Meta:
        model = LeadForm
        fields = ["name", "title", "intro", "source", "campaign", "department", "rule", "thank_you",
                  "allowed_sites", "is_active"]  # fmt: skip
        widgets = {"intro": forms.Textarea(attrs={"rows": 3}), "thank_you": forms.Textarea(attrs={"rows": 3}),
                   "allowed_sites": forms.Textarea(attrs={"rows": 2})}  # fmt: skip

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"] = forms.ChoiceField(
            choices=_sources(self.instance.source), required=False, label=_("Source")
        )
        unit = self.instance.business_unit_id if self.instance.pk else actor.business_unit_id
        cast(Any, self.fields["department"]).queryset = Department.objects.filter(business_unit_id=unit)
        cast(Any, self.fields["rule"]).queryset = AssignmentRule.objects.filter(business_unit_id=unit)
        if self.instance.pk:
            self.fields["fields_shown"].initial = self.instance.fields
            self.fields["fields_required"].initial = self.instance.required

    def _post_clean(self) -> None:
        """Validated by the service."""

    def definition(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["fields"] = self.cleaned_data.get("fields_shown") or []
        data["required"] = self.cleaned_data.get("fields_required") or []
        for name in ("intro", "source", "campaign", "allowed_sites", "thank_you"):
            data[name] = data.get(name) or ""
        return data


class RuleForm(forms.ModelForm):
    sources = forms.MultipleChoiceField(label=_("Sources"), required=False, help_text=_("Empty: any source."))
    provinces = forms.MultipleChoiceField(label=_("Provinces"), required=False, help_text=_("Empty: any region."))

    class Meta:
        model = AssignmentRule
        fields = ["name", "priority", "is_active", "sources", "provinces", "kind", "department", "user"]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["sources"]).choices = dictionary_choices(SOURCE_TYPE, include=self.instance.sources or [])
        cast(Any, self.fields["provinces"]).choices = region_choices("province", None)[1:]
        unit = self.instance.business_unit_id if self.instance.pk else actor.business_unit_id
        cast(Any, self.fields["department"]).queryset = Department.objects.filter(business_unit_id=unit)
        cast(Any, self.fields["user"]).queryset = User.objects.filter(
            department__business_unit_id=unit, status=User.Status.ACTIVE
        )

    def _post_clean(self) -> None:
        """Validated by the service."""

    def rule_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class WebLeadForm(forms.Form):
    """What a visitor fills in: the fields the administrator chose, and the honeypot."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, definition: LeadForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in definition.fields:
            required = name in definition.required
            if name == "need":
                field: forms.Field = forms.CharField(
                    max_length=1000, required=required, widget=forms.Textarea(attrs={"rows": 4})
                )
            elif name == "province":
                field = forms.ChoiceField(choices=region_choices("province", None), required=required)
            elif name == "email":
                field = forms.EmailField(max_length=254, required=required)
            else:
                field = forms.CharField(max_length=200 if name == "address" else 50, required=required)
            field.label = PUBLIC_FIELDS[name]
            self.fields[name] = field
        # People never see this field (it is moved off-screen by the style sheet); robots fill it in.
        self.fields[HONEYPOT] = forms.CharField(
            required=False,
            label=_("Leave this empty"),
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )


# --- lead pools (线索池) ------------------------------------------------------------------------------------


class LeadPoolForm(forms.ModelForm):
    class Meta:
        model = LeadPool
        fields = ["name", "department", "is_failed", "reclaim_days", "line_rules"]
        help_texts = {
            "reclaim_days": _("Empty: the unit's parameter. 0: never."),
            "line_rules": _('Days by product line code, e.g. {"printer": 5}; the most specific applies.'),
        }

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = actor.business_unit_id
        departments = Department.objects.filter(business_unit_id=unit) if unit else Department.objects.none()
        cast(Any, self.fields["department"]).queryset = departments.order_by("path")
        cast(Any, self.fields["department"]).empty_label = _("Whole business unit")

    def _post_clean(self) -> None:
        pass  # the service validates and saves

    def pool_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class LeadReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    pool = forms.ModelChoiceField(LeadPool.objects.none(), label=_("Lead pool"), required=False)

    def __init__(self, *args: Any, actor: User, lead: Lead, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .pools.rules import default_pool, pools_visible

        field = cast(Any, self.fields["pool"])
        field.queryset = pools_visible(actor).select_related("department").order_by("is_failed", "department__path")
        chosen = lead.pool or default_pool(lead.business_unit_id, lead.department)
        field.empty_label = _("Where it came from: %(pool)s") % {"pool": chosen} if chosen else None
        field.required = chosen is None


class LeadPoolActionForm(forms.Form):
    """The pool page's bulk bar: claim, or (a manager) assign to a colleague or move to another pool."""

    action = forms.ChoiceField(choices=[("claim", _("Claim")), ("assign", _("Assign")), ("move", _("Move"))])
    owner = PersonChoiceField(User.objects.none(), label=_("New owner"), required=False)
    target = forms.ModelChoiceField(LeadPool.objects.none(), label=_("To the pool"), required=False)

    def __init__(self, *args: Any, actor: User, pool: LeadPool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .pools.rules import pools_visible

        _offer_assignees(self.fields["owner"], actor)
        targets = pools_visible(actor).filter(business_unit_id=actor.business_unit_id)
        if pool is not None:
            targets = targets.exclude(pk=pool.pk)
        cast(Any, self.fields["target"]).queryset = targets.order_by("is_failed", "pk")
