"""Expense claim pages: the list (and finance's to-pay list), the form with its lines, a claim with its
approval, the customer 360 tab and the opportunity's cost panel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer
from guanxi.sales.models import Opportunity
from guanxi.workflows.selectors import history_of

from . import selectors, services
from .forms import ExpenseForm, LineFormSet, PayForm
from .models import CATEGORY_DICTIONARY, Expense, ExpenseLine, ExpenseStatus


@perm_required("expenses.view")
def expense_list(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    filters = {"status": status} if status in ExpenseStatus.values else {}
    rows = selectors.expense_list(actor=request.user, filters=filters)
    context = {
        "page_obj": CappedPaginator(rows, 25).get_page(request.GET.get("page")),
        "status": status,
        "statuses": ExpenseStatus.choices,
        "pays": has_perm(request.user, "expense_payments.edit"),
    }
    return render(request, "expenses/list.html", context)


def _sent(formset: Any) -> list[Any]:
    """The line forms whose lines go to the service, in its order (its errors name them ``lines.<n>.…``)."""
    return [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


def _lines(formset: Any) -> list[dict[str, Any]]:
    return [form.cleaned_data for form in _sent(formset)]


@perm_required("expenses.create")
def expense_create(request: AuthedRequest) -> HttpResponse:
    initial = {
        name: request.GET.get(name) for name in ("customer", "opportunity") if request.GET.get(name, "").isdigit()
    }
    form = ExpenseForm(request.POST or None, actor=request.user, initial=initial)
    formset = LineFormSet(request.POST or None, request.FILES or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        expense = attempt(
            form,
            None,
            lambda: services.expense_create(actor=request.user, data=form.cleaned_data, lines=_lines(formset)),
            lines=_sent(formset),
        )
        if expense:
            if request.POST.get("submit") == "1":
                attempt(None, request, lambda: services.expense_submit(actor=request.user, expense=expense))
            messages.success(request, _("Saved."))
            return redirect(expense.get_absolute_url())
    return render(request, "expenses/form.html", {"form": form, "formset": formset})


@perm_required("expenses.edit")
def expense_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    expense = get_visible_or_404(Expense.objects.all(), request.user, pk=pk)
    if not expense.is_editable or expense.owner_id != request.user.pk:
        raise PermissionDenied
    initial = {"title": expense.title, "customer": expense.customer, "opportunity": expense.opportunity,
               "version": expense.version}  # fmt: skip
    lines = [
        {"category": line.category, "spent_on": line.spent_on, "amount": line.amount, "note": line.note}
        for line in expense.lines.all()
    ]
    form = ExpenseForm(request.POST or None, actor=request.user, initial=initial)
    formset = LineFormSet(request.POST or None, request.FILES or None, prefix="lines", initial=lines)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version") or 0
        saved = attempt(form, None, lambda: services.expense_update(
            actor=request.user, expense=expense, version=version, data=data, lines=_lines(formset)),
            lines=_sent(formset))  # fmt: skip
        if saved:
            messages.success(request, _("Saved."))
            return redirect(saved.get_absolute_url())
    return render(request, "expenses/form.html", {"form": form, "formset": formset, "expense": expense})


@perm_required("expenses.view")
def expense_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    expense = get_visible_or_404(
        Expense.objects.select_related("owner", "customer", "opportunity", "paid_by"), request.user, pk=pk
    )
    labels = dictionary_labels(CATEGORY_DICTIONARY)
    lines = list(expense.lines.all())
    for line in lines:
        line.category_label = labels.get(line.category, line.category)
    context = {
        "expense": expense,
        "lines": lines,
        "approvals": history_of(record_type=services.EXPENSE_APPROVAL, object_id=expense.pk),
        "mine": expense.owner_id == request.user.pk,
        "may_pay": expense.status == ExpenseStatus.APPROVED and has_perm(request.user, "expense_payments.edit"),
        "pay_form": PayForm(),
    }
    return render(request, "expenses/detail.html", context)


@require_POST
@perm_required("expenses.edit")
def expense_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    expense = get_visible_or_404(Expense.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.expense_submit(actor=request.user, expense=expense)):
        messages.success(request, _("Submitted for approval."))
    return redirect(expense.get_absolute_url())


@require_POST
@perm_required("expenses.edit")
def expense_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    expense = get_visible_or_404(Expense.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.expense_withdraw(actor=request.user, expense=expense)):
        messages.success(request, _("Withdrawn."))
    return redirect(expense.get_absolute_url())


@require_POST
@perm_required("expense_payments.edit")
def expense_pay(request: AuthedRequest, pk: int) -> HttpResponse:
    expense = get_visible_or_404(Expense.objects.all(), request.user, pk=pk)
    form = PayForm(request.POST)
    reference = form.cleaned_data["reference"] if form.is_valid() else ""
    if attempt(None, request, lambda: services.expense_pay(actor=request.user, expense=expense, reference=reference)):
        messages.success(request, _("Marked paid."))
    return redirect(expense.get_absolute_url())


@require_POST
@perm_required("expenses.delete")
def expense_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    expense = get_visible_or_404(Expense.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.expense_delete(actor=request.user, expense=expense)) is not False:
        messages.success(request, _("Deleted."))
    return redirect("expenses:list")


@perm_required("expenses.view")
def receipt(request: AuthedRequest, pk: int) -> FileResponse:
    line = ExpenseLine.objects.filter(pk=pk).first()
    if line is None or not line.receipt:
        raise Http404
    get_visible_or_404(Expense.objects.all(), request.user, pk=line.expense_id)
    response = FileResponse(line.receipt.open("rb"), filename=line.receipt_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@perm_required("expenses.view")
def customer_tab(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    cost = selectors.cost_of(actor=request.user, customer_id=customer.pk)
    return render(
        request, "expenses/cost.html", {"cost": cost, "customer": customer, "new_query": f"customer={customer.pk}"}
    )


@perm_required("expenses.view")
def opportunity_panel(request: AuthedRequest, record_type: str, pk: int) -> HttpResponse:
    if record_type != "sales.opportunity":
        raise Http404
    opportunity = get_visible_or_404(Opportunity.objects.all(), request.user, pk=pk)
    cost = selectors.cost_of(actor=request.user, opportunity_id=opportunity.pk)
    query = f"customer={opportunity.customer_id}&opportunity={opportunity.pk}"
    return render(request, "expenses/cost.html", {"cost": cost, "new_query": query})


def register() -> None:
    from guanxi.core import navigation
    from guanxi.core.panels import Panel, register_panel
    from guanxi.customers.views import DetailTab, register_detail_tab

    navigation.register(
        navigation.NavItem(
            gettext_lazy("Expense claims"), "expenses:list", "receipt", order=83,
            section=gettext_lazy("Shared tools"), visible=navigation.needs("expenses.view"),
        )
    )  # fmt: skip
    register_detail_tab(DetailTab("expenses", gettext_lazy("Expenses"), "expenses.view"))
    register_panel(
        "sales.opportunity", Panel("expenses", gettext_lazy("Expenses"), "expenses:opportunity_panel", "expenses.view")
    )
