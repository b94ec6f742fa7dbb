"""The audit log's filters, shared by the admin page and the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.audit import labels_of
from guanxi.core.models import AuditEntry
from guanxi.core.people import user_model

from .selectors import record_type_choices


class AuditFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _day_start(day: date) -> datetime:
    """Midnight of a day in the user's time zone: a range over the indexed column, not a date cast."""
    return timezone.make_aware(datetime.combine(day, time.min))


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(
        queryset=lambda request: user_model().objects.order_by("display_name"), label=_("By")
    )
    action = django_filters.ChoiceFilter(choices=AuditEntry.Action.choices, label=_("Action"))
    object_type = django_filters.ChoiceFilter(
        choices=record_type_choices, method="filter_object_type", label=_("Record type")
    )
    date_from = django_filters.DateFilter(method="filter_from", label=_("From"), widget=_DATE)
    date_to = django_filters.DateFilter(method="filter_to", label=_("To"), widget=_DATE)
    q = django_filters.CharFilter(field_name="object_repr", lookup_expr="icontains", label=_("Record name"))

    class Meta:
        model = AuditEntry
        fields: list[str] = []
        form = AuditFilterForm

    def filter_object_type(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> QuerySet[AuditEntry]:
        return queryset.filter(object_type__in=labels_of(value))

    def filter_from(self, queryset: QuerySet[AuditEntry], name: str, value: date) -> QuerySet[AuditEntry]:
        return queryset.filter(at__gte=_day_start(value))

    def filter_to(self, queryset: QuerySet[AuditEntry], name: str, value: date) -> QuerySet[AuditEntry]:
        return queryset.filter(at__lt=_day_start(value + timedelta(days=1)))


class AuditApiFilter(AuditFilter):
    """The API adds ``?object=org.user:3``: the history of one record."""

    object = django_filters.CharFilter(
        method="filter_object",
        label=_("Record (type:id)"),
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*:[^\s:]{1,40}$",
                _("Name the record as type:id, for example org.user:3."),
            )
        ],
    )

    def filter_object(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> QuerySet[AuditEntry]:
        object_type, _sep, object_id = value.partition(":")
        return queryset.filter(object_type__in=labels_of(object_type), object_id=object_id)
