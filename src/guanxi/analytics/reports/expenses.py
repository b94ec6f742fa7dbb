"""Expense analysis (SPEC §14.7, §12): the lines of the claims submitted, approved or paid, by category,
claimant, customer or month of spending; a cell drills down to the lines and their claims."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer
from guanxi.expenses.models import CATEGORY_DICTIONARY, ExpenseLine, ExpenseStatus
from guanxi.org.models import User

from ..framework import Dimension, ExtraFilter, Measure, Report, register_report
from . import labels

COUNTED = (ExpenseStatus.PENDING, ExpenseStatus.APPROVED, ExpenseStatus.PAID)


def _claimed(rows: QuerySet[Any]) -> QuerySet[Any]:
    """Lines of live claims past the draft (a rejected claim spent nothing the company owes)."""
    rows = rows.filter(expense__deleted_at__isnull=True, expense__status__in=COUNTED)
    return rows.annotate(spent_month=TruncMonth("spent_on"))


def _status_field(actor: User) -> forms.ChoiceField:
    choices = [("", _("Submitted, approved or paid")), *((code, ExpenseStatus(code).label) for code in COUNTED)]
    return forms.ChoiceField(choices=choices, label=_("Claim status"), required=False)


STATUS = ExtraFilter("claim_status", _status_field, lambda rows, value: rows.filter(expense__status=value))


def _customers(keys: list[Any]) -> dict[Any, str]:
    return dict(Customer.all_objects.filter(pk__in=keys).values_list("pk", "name"))


def _months(keys: list[Any]) -> dict[Any, str]:
    return {key: key.strftime("%Y-%m") for key in sorted(keys)}


def _claimant(line: ExpenseLine) -> Any:
    return line.expense.owner


EXPENSES = Report(
    name="expenses",
    title=_("Expense analysis"),
    description=_(
        "The spending on claims submitted, approved or paid, by the day it was spent: by category, claimant, "
        "customer or month."
    ),
    model=ExpenseLine,
    module="expenses",
    period_field="spent_on",
    default_period="year",
    base=_claimed,
    dimensions=(
        Dimension("category", _("Category"), "category", labels.dictionary(CATEGORY_DICTIONARY)),
        Dimension("owner", _("Claimant"), "expense__owner", labels.people),
        Dimension("customer", _("Customer"), "expense__customer", _customers),
        Dimension("month", _("Month"), "spent_month", _months, complete=True),
    ),
    measures=(
        Measure("amount", _("Amount"), Sum("amount"), kind="money"),
        Measure("lines", _("Expense lines"), Count("pk")),
        Measure("claims", _("Claims"), Count("expense", distinct=True)),
    ),
    group="expenses",
    chart="bar",
    chart_measures=("amount",),
    extra_filters=(STATUS,),
    order=90,
    record_related=("expense", "expense__owner", "expense__customer"),
    record_columns=(
        (_("Date"), lambda line: line.spent_on),
        (_("Category"), lambda line: labels.dictionary(CATEGORY_DICTIONARY)([line.category])[line.category]),
        (_("Amount"), lambda line: line.amount),
        (_("Claimant"), _claimant),
        (_("Customer"), lambda line: line.expense.customer or "—"),
        (_("Claim status"), lambda line: line.expense.get_status_display()),
    ),
)


def register() -> None:
    register_report(EXPENSES)
