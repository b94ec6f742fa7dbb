"""Money forms: they parse; the services check and decide. Amounts are read as text and handed to the
service as ``Decimal``, so a third decimal place is refused by the rule, not rounded by the widget."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from guanxi.core.money import money_text

from .models import InvoiceKind, PaymentPlan, ReceiptMethod


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AmountField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Amount"))
        super().__init__(max_digits=16, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "step": "0.01"})


class PlanForm(forms.Form):
    due_on = forms.DateField(label=_("Due date"), widget=DateInput())
    amount = AmountField()
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class GenerateForm(forms.Form):
    first_due = forms.DateField(label=_("First due date"), widget=DateInput())
    every_months = forms.IntegerField(label=_("Every … months"), min_value=0, max_value=24, initial=1)
    count = forms.IntegerField(
        label=_("Instalments"), min_value=1, max_value=60, initial=3,
        help_text=_("Used when the payment terms name no percentages that make 100%."),
    )  # fmt: skip


def _plan_label(plan: PaymentPlan) -> str:
    return f"#{plan.number} · {plan.due_on:%Y-%m-%d} · {money_text(plan.outstanding)}"


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label=_("Date received"), widget=DateInput())
    amount = AmountField()
    method = forms.ChoiceField(label=_("Method"), choices=ReceiptMethod.choices)
    account = forms.CharField(label=_("Receiving account"), max_length=100, required=False)
    payer = forms.CharField(label=_("Payer"), max_length=100, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    chosen_plans = forms.ModelMultipleChoiceField(
        label=_("Allocate to"), queryset=PaymentPlan.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("None chosen: the oldest open instalments first."),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, plans: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["chosen_plans"]
        field.queryset = plans if plans is not None else PaymentPlan.objects.none()  # type: ignore[attr-defined]
        field.label_from_instance = _plan_label  # type: ignore[attr-defined]

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["chosen_plans"] = [plan.pk for plan in data.get("chosen_plans") or []]
        data.pop("version", None)
        return data


class ReceiptEditForm(ReceiptForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class DecideForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class InvoiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Invoice type"), choices=InvoiceKind.choices)
    title = forms.CharField(label=_("Invoice title"), max_length=100)
    tax_number = forms.CharField(label=_("Tax number"), max_length=30, required=False)
    address_phone = forms.CharField(label=_("Address and telephone"), max_length=200, required=False)
    bank_account = forms.CharField(label=_("Bank and account"), max_length=150, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class InvoiceLineForm(forms.Form):
    description = forms.CharField(label=_("Goods or services"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, required=False)
    tax_rate = forms.DecimalField(label=_("Tax rate (%)"), max_digits=5, decimal_places=2, required=False, initial=13)
    amount = AmountField(label=_("Amount incl. tax"), required=False)


InvoiceLineFormSet = formset_factory(InvoiceLineForm, extra=3, max_num=30)


class IssueForm(forms.Form):
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=40)
    issued_on = forms.DateField(label=_("Invoice date"), widget=DateInput(), required=False)


class DeliveryForm(forms.Form):
    shipped_on = forms.DateField(label=_("Shipping date"), widget=DateInput())
    carrier = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60, required=False)
    receiver = forms.CharField(label=_("Receiver"), max_length=100, required=False)
    address = forms.CharField(label=_("Delivery address"), max_length=200, required=False)


class ReceiveForm(forms.Form):
    received_on = forms.DateField(label=_("Date received"), widget=DateInput(), required=False)
    receiver = forms.CharField(label=_("Receiver"), max_length=100, required=False)


class ReportForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=DateInput(), required=False)
    by = forms.ChoiceField(label=_("Per"), choices=[("customer", _("Customer")), ("record", _("Contract or order"))],
                           required=False)  # fmt: skip
    q = forms.CharField(label=_("Customer or number"), max_length=100, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
