"""The customer list's own features (SPEC §2.4): stars, saved filters, chosen columns, bulk actions and
the restore page. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.forms import show_error
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from .. import bulk, exports, preferences, services
from ..forms import ShareForm, TransferForm
from ..models import Customer, SavedFilter
from . import rows
from .forms import ColumnsForm, ConfirmForm, SaveFilterForm, TagForm

# Bulk action → (permission, button label); the order of the toolbar.
BULK_ACTIONS: dict[str, tuple[str, str | Promise]] = {
    "transfer": ("customers.assign", gettext_lazy("Transfer")),
    "share": ("customers.edit", gettext_lazy("Share")),
    "tag": ("customers.edit", gettext_lazy("Add a tag")),
    "export": ("customers.export", gettext_lazy("Export")),
    "delete": ("customers.delete", gettext_lazy("Delete")),
}
# The actions the apps above add (the pool's return), registered in their ready(): code → (form, run).
BULK_HANDLERS: dict[str, tuple[Callable[[Any], forms.Form], Callable[..., bulk.BulkResult]]] = {}


def register_bulk_action(
    code: str,
    permission: str,
    label: str | Promise,
    *,
    form: Callable[[Any], forms.Form],
    run: Callable[..., bulk.BulkResult],
    after: str,
) -> None:
    """Add an action to the toolbar, after the action ``after``: ``form(data)`` asks for its input and
    ``run(actor=, ids=, data=)`` does it with the form's cleaned data."""
    actions = list(BULK_ACTIONS.items())
    actions.insert([name for name, _entry in actions].index(after) + 1, (code, (permission, label)))
    BULK_ACTIONS.clear()
    BULK_ACTIONS.update(actions)
    BULK_HANDLERS[code] = (form, run)


def _back(request: AuthedRequest) -> str:
    """Where to return after an action: the list URL the form came from, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("customers:list")


def list_context(request: AuthedRequest, page: Any) -> dict[str, Any]:
    """What the list page adds for its own features; a fixed number of queries whatever the page size."""
    actor = request.user
    rows = list(page.object_list)
    page.object_list = rows
    columns = preferences.column_cells(preferences.chosen_columns(actor), rows, actor.business_unit_id)
    starred = preferences.starred_ids(actor, [row.pk for row in rows])
    for row in rows:
        row.starred = row.pk in starred
    query = preferences.filter_query(request.GET)
    return {
        "columns": columns,
        "saved_filters": preferences.saved_filters(actor),
        "current_query": query,
        "save_filter_form": SaveFilterForm(initial={"query": query}),
        "bulk_actions": [(code, label) for code, (perm, label) in BULK_ACTIONS.items() if has_perm(actor, perm)],
        "can_restore": bulk.can_restore(actor),
        "list_url": request.get_full_path(),
    }


# --- key customers -------------------------------------------------------------------------------------


@require_POST
@perm_required("customers.view")
def customer_star(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    starred = preferences.customer_star_toggle(actor=request.user, customer=customer)
    if request.htmx:
        return HttpResponse(rows.star_form(customer.pk, starred=starred, csrf_token=get_token(request)))
    return redirect(_back(request) if request.POST.get("next") else customer.get_absolute_url())


# --- saved filters -------------------------------------------------------------------------------------


@perm_required("customers.view")
def saved_filter_create(request: AuthedRequest) -> HttpResponse:
    form = SaveFilterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["query"]
        try:
            saved = preferences.saved_filter_create(actor=request.user, name=form.cleaned_data["name"], query=query)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Filter %(name)s was saved.") % {"name": saved})
            return redirect(f"{reverse('customers:list')}?{saved.query_string}")
    return render(request, "customers/list/save_filter.html", {"form": form})


@require_POST
@perm_required("customers.view")
def saved_filter_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    preferences.saved_filter_delete(actor=request.user, saved_filter=saved)
    messages.success(request, _("Filter %(name)s was deleted.") % {"name": saved})
    return redirect("customers:list")


# --- chosen columns ------------------------------------------------------------------------------------


@perm_required("customers.view")
def list_columns(request: AuthedRequest) -> HttpResponse:
    initial = {"columns": preferences.chosen_columns(request.user)}
    form = ColumnsForm(request.POST or None, initial=initial, unit=request.user.business_unit_id)
    if request.method == "POST" and form.is_valid():
        try:
            preferences.list_columns_set(actor=request.user, columns=form.cleaned_data["columns"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Your columns were saved."))
            return redirect(_back(request))
    return render(request, "customers/list/columns.html", {"form": form, "next": _back(request)})


# --- bulk actions --------------------------------------------------------------------------------------


def _form_for(action: str, request: AuthedRequest, data: Any) -> forms.Form:
    if action == "transfer":
        return TransferForm(data, actor=request.user)
    if action == "share":
        return ShareForm(data, actor=request.user)
    if action == "tag":
        return TagForm(data)
    if action in BULK_HANDLERS:
        return BULK_HANDLERS[action][0](data)
    return ConfirmForm(data)


def _run(action: str, request: AuthedRequest, ids: list[str], data: dict[str, Any]) -> bulk.BulkResult:
    actor = request.user
    if action == "transfer":
        return bulk.customers_bulk_transfer(actor=actor, ids=ids, owner=data["owner"], note=data["note"])
    if action == "share":
        return bulk.customers_bulk_share(actor=actor, ids=ids, users=list(data["users"]), can_edit=data["can_edit"])
    if action == "tag":
        return bulk.customers_bulk_tag(actor=actor, ids=ids, tag=data["tag"])
    if action in BULK_HANDLERS:
        return BULK_HANDLERS[action][1](actor=actor, ids=ids, data=data)
    return bulk.customers_bulk_delete(actor=actor, ids=ids)


def _report(request: AuthedRequest, result: bulk.BulkResult) -> None:
    messages.success(
        request,
        ngettext("%(count)d customer was updated.", "%(count)d customers were updated.", result.done)
        % {"count": result.done},
    )
    if result.ignored:
        messages.warning(
            request,
            ngettext(
                "%(count)d selected customer is outside your data scope and was left out.",
                "%(count)d selected customers are outside your data scope and were left out.",
                result.ignored,
            )
            % {"count": result.ignored},
        )


@require_POST
@perm_required("customers.view")
def customer_bulk(request: AuthedRequest) -> HttpResponse:
    """The list posts the selected ids and an action; transfer, share, tag and delete ask for their input
    (or a confirmation) on a page of their own, export answers the file at once."""
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        return HttpResponseBadRequest()
    if not has_perm(request.user, BULK_ACTIONS[action][0]):
        raise PermissionDenied
    ids = request.POST.getlist("ids")
    if not ids:
        messages.error(request, _("Select at least one customer."))
        return redirect(_back(request))
    if len(set(ids)) > bulk.MAX_SELECTION:
        messages.error(request, _("Select at most %(max)d customers at a time.") % {"max": bulk.MAX_SELECTION})
        return redirect(_back(request))
    if action == "export":
        return _export(request, ids)
    confirmed = "confirm" in request.POST
    form = _form_for(action, request, request.POST if confirmed else None)
    if confirmed and form.is_valid():
        try:
            result = _run(action, request, ids, form.cleaned_data)
        except (DomainError, ValidationError) as error:
            show_error(form, error)
        else:
            _report(request, result)
            return redirect(_back(request))
    context = {
        "form": form,
        "action": action,
        "title": BULK_ACTIONS[action][1],
        "ids": ids,
        "next": _back(request),
        "danger": action == "delete",
    }
    return render(request, "customers/list/bulk.html", context)


def _export(request: AuthedRequest, ids: list[str]) -> HttpResponse:
    """The selection, as the list shows it (its columns, masking and order)."""
    query = QueryDict(mutable=True)
    query.setlist("ids", ids)
    try:
        content, _count = exports.customers_export(actor=request.user, query=query)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(_back(request))
    return exports.download(content, "xlsx")


# --- restoring deleted customers -----------------------------------------------------------------------


@perm_required("customers.delete")
def deleted_list(request: AuthedRequest) -> HttpResponse:
    if not bulk.can_restore(request.user):
        raise PermissionDenied
    from guanxi.core.paginator import CappedPaginator

    page = CappedPaginator(bulk.deleted_customers(actor=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "customers/list/deleted.html", {"page_obj": page})


@require_POST
@perm_required("customers.delete")
def customer_restore(request: AuthedRequest, pk: int) -> HttpResponse:
    if not bulk.can_restore(request.user):
        raise PermissionDenied
    customer = get_object_or_404(bulk.deleted_customers(actor=request.user), pk=pk)
    try:
        services.customer_restore(actor=request.user, customer=customer)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("customers:deleted")
    messages.success(request, _("Customer %(name)s was restored.") % {"name": customer})
    return redirect(customer.get_absolute_url())
