"""The audit-log viewer (admin, ``audit.view``) and the History tab's "load more"."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import render

from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404, rule_for

from .filters import AuditFilter
from .presentation import present_entries
from .selectors import audit_entries, model_of, record_history

PAGE_SIZE = 50


@perm_required("audit.view")
def audit_list(request: AuthedRequest) -> HttpResponse:
    entries = audit_entries(actor=request.user).select_related("actor")
    filters = AuditFilter(request.GET or None, queryset=entries)
    rows = filters.qs if not filters.is_bound or filters.is_valid() else entries.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = present_entries(actor=request.user, entries=page.object_list)
    return render(request, "core/audit/list.html", {"page_obj": page, "entries": shown, "filter_form": filters.form})


@login_required
def history(request: AuthedRequest, object_type: str, object_id: str) -> HttpResponse:
    """A record's history, one page at a time: a fragment for htmx, a page of its own without it.
    The record comes through the gate first, so an unseen record's history answers 404."""
    model = model_of(object_type)
    if model is None or not _scoped(model):
        raise Http404
    records: Any = model._default_manager.all()  # a ScopedQuerySet: _scoped() checked it
    obj: models.Model = get_visible_or_404(records, request.user, pk=object_id)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    context = {"history": record_history(actor=request.user, obj=obj, page=page), "record": obj}
    if request.htmx:
        return render(request, "core/partials/history.html#entries", context)
    return render(request, "core/audit/history.html", context)


def _scoped(model: type[models.Model]) -> bool:
    try:
        rule_for(model)
    except LookupError:
        return False
    return hasattr(model._default_manager.all(), "visible_to")
