"""The credit pages: the panel on the quote and order forms and pages (rating, limit, outstanding, available),
the 360 page's Credit tab (the reasons in words, the overrides and their history, the override form)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer
from guanxi.sales.orders.models import Order
from guanxi.sales.quotes.models import Quote

from . import selectors, services
from .forms import OverrideForm, RemoveForm
from .models import CreditOverride

RECORDS = {"customers.customer": Customer, "sales.order": Order, "sales.quote": Quote}


@perm_required("credit.view")
def credit_panel(request: AuthedRequest, label: str, pk: int) -> HttpResponse:
    """The customer's credit beside a quote or an order (or its form): loaded on its own."""
    model = RECORDS.get(label)
    if model is None:
        raise Http404
    record = get_visible_or_404(model.objects.all(), request.user, pk=pk)
    customer_id = record.pk if isinstance(record, Customer) else record.customer_id
    context = {"credit": selectors.credit_shown(customer_id), "customer_id": customer_id, "record": record}
    return render(request, "finance/credit/panel.html", context)


@perm_required("credit.view")
def credit_tab(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    return render(request, "finance/credit/tab.html", _tab_context(request, customer, OverrideForm()))


def _tab_context(request: AuthedRequest, customer: Customer, form: OverrideForm) -> dict[str, object]:
    return {
        "customer": customer,
        "credit": selectors.credit_shown(customer.pk),
        "history": list(selectors.overrides(request.user, {"customer": customer.pk})[:20]),
        "can_override": has_perm(request.user, services.OVERRIDE),
        "form": form,
        "remove_form": RemoveForm(),
    }


@require_POST
@perm_required("credit.approve")
def override_set(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form, None,
            lambda: services.credit_override_set(
                actor=request.user, customer=customer, rating=data["rating"], limit=data["limit"], note=data["note"]
            ),
        )  # fmt: skip
        if done is not None:
            messages.success(request, _("The credit override is in force."))
            return redirect(f"{customer.get_absolute_url()}?tab=credit")
    context = _tab_context(request, customer, form)
    return render(request, "finance/credit/page.html", context, status=400)


@require_POST
@perm_required("credit.approve")
def override_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    override = get_visible_or_404(CreditOverride.objects.all(), request.user, pk=pk)
    form = RemoveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if attempt(None, request, lambda: services.credit_override_remove(actor=request.user, override=override,
                                                                       note=note)) is not None:  # fmt: skip
        messages.success(request, _("The override was removed: the computed rating and limit apply again."))
    return redirect(f"{override.customer.get_absolute_url()}?tab=credit")


def register() -> None:
    from guanxi.core.panels import Panel, register_panel
    from guanxi.customers.facts import Fact, register_fact
    from guanxi.customers.views import DetailTab, register_detail_tab

    register_detail_tab(DetailTab("credit", gettext_lazy("Credit"), "credit.view"))
    for label in RECORDS:
        register_panel(label, Panel("credit", gettext_lazy("Customer credit"), "finance:credit_panel", "credit.view"))
    register_fact(Fact("credit", gettext_lazy("Credit"), selectors.fact_values, display=selectors.fact_display))
