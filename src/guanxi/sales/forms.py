"""Forms of the sales pages: they parse input; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.custom_forms import add_custom_fields, custom_values_from
from guanxi.core.config.dictionary import dictionary_choices
from guanxi.customers.forms import customer_by_ref, customer_ref_field
from guanxi.customers.models import Contact, Customer
from guanxi.org.forms import PeopleChoiceField, PersonChoiceField, offer_colleagues, offer_owners
from guanxi.org.models import User

from . import selectors
from .models import Competitor, Opportunity, Pipeline, Stage, Status
from .products.forms import product_picker
from .products.models import Product
from .selectors import CLOSED, REPORT_FILTERS
from .services import REQUIRABLE_FIELDS


def stage_choices(actor: User, *, open_only: bool = True) -> list[tuple[str, list[tuple[int, str]]]]:
    """Stages grouped by pipeline, for a select."""
    groups = []
    for pipeline in selectors.pipelines_visible(actor=actor).prefetch_related("stages"):
        stages = [stage for stage in pipeline.stages.all() if stage.is_active and (stage.is_open or not open_only)]
        groups.append(
            (pipeline.shown_name, [(stage.pk, f"{stage.shown_name} ({stage.probability}%)") for stage in stages])
        )
    return groups


class OpportunityForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    customer_ref = customer_ref_field(required=False)
    pipeline = forms.ModelChoiceField(Pipeline.objects.none(), label=_("Pipeline"), required=False)
    stage = forms.TypedChoiceField(label=_("Stage"), coerce=int, empty_value=None, required=False)
    probability = forms.IntegerField(
        label=_("Probability (%)"), min_value=0, max_value=100, required=False,
        help_text=_("Empty: the stage's default probability."),
    )  # fmt: skip
    owner = PersonChoiceField(User.objects.none(), label=_("Owner"), required=False)
    competitors = forms.ModelMultipleChoiceField(Competitor.objects.none(), label=_("Competitors"), required=False)
    collaborators = PeopleChoiceField(User.objects.none(), label=_("Collaborators"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)

    class Meta:
        model = Opportunity
        fields = ["name", "contact", "amount", "expected_close_date", "source", "need", "next_step"]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    field_order = [
        "customer_ref", "name", "pipeline", "stage", "contact", "amount", "probability", "expected_close_date",
        "source", "owner", "competitors", "collaborators", "need", "next_step",
    ]  # fmt: skip

    def __init__(self, *args: Any, actor: User, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.customer = customer or (self.instance.customer if self.instance.pk else None)
        editing = self.instance.pk is not None
        unit = (self.instance if editing else self.customer or actor).business_unit_id
        add_custom_fields(self, Opportunity, unit, self.instance if editing else None)
        fields = cast(dict[str, Any], self.fields)
        fields["amount"].required = False
        fields["source"].choices = [
            ("", "---------"),
            *dictionary_choices("customer_source", include=[self.instance.source]),
        ]
        fields["competitors"].queryset = selectors.competitors_visible(actor=actor)
        offer_colleagues(fields["collaborators"], actor)
        contacts = Contact.objects.filter(customer=self.customer) if self.customer else Contact.objects.none()
        fields["contact"].queryset = contacts
        fields["contact"].required = False
        if editing:
            for name in ("customer_ref", "pipeline", "stage", "owner", "probability"):
                del fields[name]
            self.initial.setdefault("version", self.instance.version)
            self.initial["competitors"] = list(self.instance.competitors.values_list("pk", flat=True))
            self.initial["collaborators"] = list(self.instance.collaborators.values_list("pk", flat=True))
            fields["contact"].required = False
            return
        if self.customer is not None:
            del fields["customer_ref"]
        else:
            fields["customer_ref"].required = True
        fields["pipeline"].queryset = selectors.pipelines_visible(actor=actor)
        fields["pipeline"].empty_label = _("The default pipeline")
        self.initial["amount"] = None  # empty: the total of the product lines
        fields["stage"].choices = [("", _("First stage of the pipeline")), *stage_choices(actor)]
        offer_owners(self, actor, "opportunities")

    def clean_customer_ref(self) -> str:
        text = self.cleaned_data.get("customer_ref", "").strip()
        if not text:
            return text
        self.customer = customer_by_ref(self.actor, text)
        return text

    def clean_amount(self) -> Any:
        amount = self.cleaned_data.get("amount")
        return 0 if amount is None else amount  # empty: the lines' total, or nothing yet

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stage_pk = data.get("stage")
        if stage_pk:
            stage = Stage.objects.filter(pk=stage_pk).select_related("pipeline").first()
            if stage is None:
                self.add_error("stage", _("Choose a stage."))
            else:
                data["stage"] = stage
                data["pipeline"] = stage.pipeline
        if data.get("contact") and self.customer and data["contact"].customer_id != self.customer.pk:
            self.add_error("contact", _("Choose a contact of this customer."))
        return data

    def custom_data(self) -> dict[str, Any]:
        return custom_values_from(self)

    def opportunity_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ["name", "contact", "amount", "expected_close_date", "source", "need", "next_step"]
        values = {name: data.get(name) for name in names if name in self.fields}
        if values.get("amount") is None:
            values["amount"] = 0
        for name in ("source", "need", "next_step"):
            values[name] = values.get(name) or ""
        for name in ("pipeline", "stage", "owner", "probability"):
            if data.get(name) not in (None, ""):
                values[name] = data[name]
        return values


class LineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=12, decimal_places=2, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    unit_price = forms.DecimalField(label=_("Unit price"), min_value=0, max_digits=14, decimal_places=2, required=False)

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor is not None:
            product_picker(self, "product", actor)


LineFormSet = forms.formset_factory(LineForm, extra=3, max_num=50)


def lines_from(formset: Any) -> list[dict[str, Any]]:
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", {}) or {}
        if (data.get("description") or "").strip() or data.get("product"):
            rows.append(
                {
                    "product": data.get("product"),
                    "description": data.get("description") or "",
                    "quantity": data.get("quantity") if data.get("quantity") is not None else 1,
                    "unit": data.get("unit") or "",
                    "unit_price": data.get("unit_price"),  # none: the product's list price, or 0
                }
            )
    return rows


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(Stage.objects.none(), label=_("Move to stage"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stages = Stage.objects.filter(pipeline_id=opportunity.pipeline_id, kind=Stage.Kind.OPEN, is_active=True)
        cast(Any, self.fields["stage"]).queryset = stages.order_by("sort_order", "pk")
        self.fields["stage"].initial = opportunity.stage_id


class WinForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Final amount"), min_value=0, max_digits=16, decimal_places=2, required=False,
        help_text=_("Empty: keep the current amount."),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LoseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Loss reason"))
    competitor = forms.ModelChoiceField(Competitor.objects.none(), label=_("Winning competitor"), required=False)
    note = forms.CharField(label=_("Details"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["reason"]).choices = [("", "---------"), *dictionary_choices("loss_reason")]
        cast(Any, self.fields["competitor"]).queryset = selectors.competitors_visible(actor=actor)


class ReopenForm(forms.Form):
    note = forms.CharField(label=_("Why is it reopened?"), max_length=300, required=False)


class DecideForm(forms.Form):
    approve = forms.BooleanField(required=False)
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)


class OpportunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, number or customer"), required=False)
    scene = forms.ChoiceField(
        label=_("Scene"),
        required=False,
        choices=[
            ("", _("All I can see")),
            ("mine", _("Mine")),
            ("collaborating", _("I collaborate on")),
            ("pending", _("Stage moves waiting for approval")),
        ],
    )
    pipeline = forms.ModelChoiceField(Pipeline.objects.none(), label=_("Pipeline"), required=False)
    stage = forms.ModelChoiceField(Stage.objects.none(), label=_("Stage"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", "---------"), *Status.choices, (CLOSED, _("Closed (won or lost)"))],
    )
    owner = PersonChoiceField(User.objects.none(), label=_("Owner"), required=False, empty_label=_("Any"))
    close_from = forms.DateField(
        label=_("Closing from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    close_to = forms.DateField(label=_("Closing until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount_min = forms.DecimalField(label=_("Amount at least"), required=False, min_value=0)
    # what a report's drill-down hands over (SPEC §12): the period, the source, why and to whom it was lost
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    closed_from = forms.DateField(
        label=_("Closed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    closed_to = forms.DateField(label=_("Closed to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(label=_("Source"), required=False)
    loss_reason = forms.ChoiceField(label=_("Loss reason"), required=False)
    competitor = forms.ModelChoiceField(Competitor.objects.none(), label=_("Winning competitor"), required=False)
    ordering = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(selectors.ORDERING_LABELS.items()))

    def __init__(self, *args: Any, actor: User, board: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, Any], self.fields)
        pipelines = selectors.pipelines_visible(actor=actor)
        fields["pipeline"].queryset = pipelines
        fields["stage"].queryset = Stage.objects.filter(pipeline__in=pipelines).select_related("pipeline")
        fields["stage"].label_from_instance = lambda stage: f"{stage.pipeline.shown_name} · {stage.shown_name}"
        offer_owners(self, actor, "opportunities")
        if board:  # the board shows one pipeline's open stages as columns
            for name in ("stage", "status", "ordering", *REPORT_FILTERS):
                del fields[name]
            fields["pipeline"].empty_label = None
        else:
            fields["source"].choices = lambda: [("", "---------"), *dictionary_choices("customer_source")]
            fields["loss_reason"].choices = lambda: [("", "---------"), *dictionary_choices("loss_reason")]
            fields["competitor"].queryset = Competitor.objects.visible_to(actor)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {name: data.get(name) for name in selectors.FILTERS if data.get(name) not in (None, "")}


class CompetitorForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Competitor
        fields = ["name", "website", "price_level", "strengths", "weaknesses", "remarks"]
        widgets = {
            "strengths": forms.Textarea(attrs={"rows": 3}),
            "weaknesses": forms.Textarea(attrs={"rows": 3}),
            "remarks": forms.Textarea(attrs={"rows": 2}),
        }


class ShownNameMixin(forms.ModelForm):
    """The edit form shows a shipped name as the lists do, in the reader's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["name"] = self.instance.shown_name


class PipelineForm(ShownNameMixin):
    class Meta:
        model = Pipeline
        fields = ["name", "code", "is_default", "is_active", "sort_order"]


class StageForm(ShownNameMixin):
    required_fields = forms.MultipleChoiceField(
        label=_("Required to enter"),
        choices=list(REQUIRABLE_FIELDS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = Stage
        fields = ["name", "code", "kind", "probability", "required_fields", "needs_approval", "is_active", "sort_order"]


StageFormSet = forms.modelformset_factory(Stage, form=StageForm, extra=1, can_delete=True)
