"""The report filter bar (the same parameters on the page, in a drill-down and in the API), the saved-view,
targets-grid and dashboard-layout forms. They parse; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.permissions import grants_of
from guanxi.core.scope import Scope
from guanxi.org.forms import PersonChoiceField, offer_owners
from guanxi.org.models import BusinessUnit, Department, User
from guanxi.org.selectors import departments_in_scope

from .framework import Filters, Period, Report, default_period
from .models import TargetKind

COMPARE = [
    ("", _("No comparison")),
    ("previous", _("The period before")),
    ("year", _("The same period a year earlier")),
]


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    compare = forms.ChoiceField(label=_("Compare with"), choices=COMPARE, required=False)
    by = forms.ChoiceField(label=_("Group by"), required=False)
    unit = forms.ModelChoiceField(BusinessUnit.objects.none(), label=_("Business unit"), required=False)
    department = forms.ModelChoiceField(Department.objects.none(), label=_("Department"), required=False)
    owner = PersonChoiceField(User.objects.none(), label=_("Owner"), required=False)

    def __init__(self, data: Any, *, report: Report, actor: User) -> None:
        self.report = report
        self.actor = actor
        data = data.copy() if data is not None else {}
        period = default_period(report.default_period)
        if "date_from" not in data and "date_to" not in data and period is not None:
            data["date_from"], data["date_to"] = period.start.isoformat(), period.end.isoformat()
        super().__init__(data)
        fields = cast(dict[str, Any], self.fields)
        fields["by"].choices = [(dimension.code, dimension.label) for dimension in report.dimensions]
        if grants_of(actor).scope(report.module) == Scope.ALL:
            fields["unit"].queryset = BusinessUnit.objects.order_by("pk")
        else:
            del fields["unit"]
        departments = departments_in_scope(actor, report.module)
        if departments is None:
            del fields["department"]
        else:
            fields["department"].queryset = departments
        offer_owners(self, actor, report.module)
        if report.period_field is None:
            for name in ("date_from", "date_to", "compare"):
                del fields[name]
        for extra in report.extra_filters:
            fields[extra.code] = extra.form_field(actor)
            if extra.initial is not None and not data.get(extra.code):
                initial = extra.initial(actor)
                if initial is not None:
                    cast(Any, self.data)[extra.code] = str(getattr(initial, "pk", initial))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        elif start and end and (end - start).days > 3660:
            self.add_error("date_to", _("A period is at most ten years."))
        elif bool(start) != bool(end):
            self.add_error("date_to" if start else "date_from", _("Give both ends of the period, or neither."))
        if data.get("compare") and not (start and end):
            self.add_error("compare", _("A comparison needs a period."))
        return data

    def filters(self) -> Filters:
        """The filters (call after ``is_valid``)."""
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        period = Period(start, end) if start and end and self.report.period_field else None
        extra = {e.code: data.get(e.code) for e in self.report.extra_filters if data.get(e.code) not in (None, "")}
        return Filters(
            period=period,
            compare=data.get("compare") or "",
            by=data.get("by") or self.report.dimensions[0].code,
            unit=data.get("unit"),
            department=data.get("department"),
            owner=data.get("owner"),
            extra=extra,
        )


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=50)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)


class TargetGridForm(forms.Form):
    """Which grid to open: a year, a department (empty: the unit's own row and its departments) and a kind."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    department = forms.ModelChoiceField(Department.objects.none(), label=_("Department"), required=False)
    kind = forms.ChoiceField(label=_("Measured in"), choices=TargetKind.choices)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = departments_in_scope(actor, "targets")
        cast(Any, self.fields["department"]).queryset = (
            departments if departments is not None else Department.objects.none()
        )


class AttainmentForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("Period"), required=False)
    kind = forms.ChoiceField(label=_("Measured in"), choices=TargetKind.choices, required=False)
    department = forms.ModelChoiceField(Department.objects.none(), label=_("Department"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        months = [(f"m{month}", _("Month %(month)s") % {"month": month}) for month in range(1, 13)]
        quarters = [(f"q{quarter}", _("Quarter %(quarter)s") % {"quarter": quarter}) for quarter in range(1, 5)]
        cast(Any, self.fields["period"]).choices = [("y", _("Whole year")), *quarters, *months]
        departments = departments_in_scope(actor, "targets")
        cast(Any, self.fields["department"]).queryset = (
            departments if departments is not None else Department.objects.none()
        )
