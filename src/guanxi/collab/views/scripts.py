"""The sales-script library: search by scenario, product, stage and words; vote; propose; curate. Also the
scripts for an opportunity's stage, shown on its page beside the follow-ups."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404

from ..documents.records import record_visible
from ..forms import ScriptForm
from ..scripts import selectors, services
from ..scripts.models import Scenario, Script


@perm_required("scripts.view")
def script_list(request: AuthedRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip() for name in ("q", "scenario", "product", "stage")}
    filters = {
        name: value for name, value in filters.items() if value and (name in ("q", "scenario") or value.isdigit())
    }
    rows = selectors.library(actor=request.user, filters=filters)
    form = ScriptForm(actor=request.user)
    context = {
        "page_obj": CappedPaginator(rows, 20).get_page(request.GET.get("page")),
        "filters": filters,
        "scenarios": Scenario.choices,
        "products": form.fields["product"].queryset,  # type: ignore[attr-defined]
        "stages": form.fields["stage"].queryset,  # type: ignore[attr-defined]
    }
    return render(request, "collab/scripts/list.html", context)


@perm_required("scripts.create")
def script_create(request: AuthedRequest) -> HttpResponse:
    form = ScriptForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        created = attempt(form, None, lambda: services.script_create(actor=request.user, data=form.cleaned_data))
        if created:
            messages.success(request, _("Saved."))
            return redirect("collab:scripts")
    return render(request, "collab/scripts/form.html", {"form": form})


@perm_required("scripts.view")  # then the rule: a manager (scripts.approve), or its author with scripts.edit
def script_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    script = get_visible_or_404(Script.objects.all(), request.user, pk=pk)
    if not services.may_edit(request.user, script):
        raise PermissionDenied
    initial = {name: getattr(script, name) for name in [*services.FIELDS, "featured", "version"]}
    form = ScriptForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version") or 0
        saved = attempt(
            form, None, lambda: services.script_update(actor=request.user, script=script, version=version, data=data)
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("collab:scripts")
    return render(request, "collab/scripts/form.html", {"form": form, "script": script})


@require_POST
@perm_required("scripts.view")
def script_vote(request: AuthedRequest, pk: int) -> HttpResponse:
    script = get_visible_or_404(Script.objects.all(), request.user, pk=pk)
    voted = attempt(
        None,
        request,
        lambda: services.script_vote(actor=request.user, script=script, useful=request.POST.get("useful") == "1"),
    )
    if request.htmx and voted:
        return render(request, "collab/scripts/votes.html", {"script": voted})
    return redirect(request.POST.get("next") or "collab:scripts")


@require_POST
@perm_required("scripts.approve")
def script_feature(request: AuthedRequest, pk: int) -> HttpResponse:
    script = get_visible_or_404(Script.objects.all(), request.user, pk=pk)
    attempt(
        None, request, lambda: services.script_feature(actor=request.user, script=script, featured=not script.featured)
    )
    return redirect("collab:scripts")


@require_POST
@perm_required("scripts.edit")
def script_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    script = get_visible_or_404(Script.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.script_delete(actor=request.user, script=script)) is not False:
        messages.success(request, _("Deleted."))
    return redirect("collab:scripts")


@perm_required("scripts.view")
def stage_scripts(request: AuthedRequest, record_type: str, pk: int) -> HttpResponse:
    """The scripts for the stage an opportunity is in: its page shows them beside its follow-ups."""
    if record_type != "sales.opportunity":
        raise Http404
    opportunity = record_visible(request.user, record_type, pk)
    if opportunity is None:
        raise Http404
    stage_id = getattr(opportunity, "stage_id", None)
    rows = selectors.for_stage(actor=request.user, stage_id=stage_id)
    return render(request, "collab/scripts/stage.html", {"scripts": rows, "stage_id": stage_id})
