"""Competitors and the pipeline editor (SPEC §6.2, §6.6): thin views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from .. import selectors, services
from ..forms import CompetitorForm, PipelineForm, StageFormSet
from ..models import Opportunity, Pipeline, Stage


@perm_required("competitors.view")
def competitor_list(request: AuthedRequest) -> HttpResponse:
    rows = list(selectors.competitors_visible(actor=request.user)[:500])
    records = selectors.competitor_records(actor=request.user, competitors=rows)
    for row in rows:
        row.record = records[row.pk]  # type: ignore[attr-defined]
    return render(request, "sales/competitors.html", {"competitors": rows})


@perm_required("competitors.view")
def competitor_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    competitor = get_object_or_404(selectors.competitors_visible(actor=request.user), pk=pk)
    record = selectors.competitor_records(actor=request.user, competitors=[competitor])[competitor.pk]
    opportunities = (
        Opportunity.objects.visible_to(request.user)
        .filter(competitor_links__competitor=competitor)
        .select_related("customer", "stage", "owner")
        .order_by("-updated_at", "-pk")[:50]
    )
    context = {"competitor": competitor, "record": record, "opportunities": opportunities}
    return render(request, "sales/competitor_detail.html", context)


@perm_required("competitors.view")
def competitor_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    competitor = get_object_or_404(selectors.competitors_visible(actor=request.user), pk=pk) if pk else None
    if not has_perm(request.user, "competitors.edit" if competitor else "competitors.create"):
        raise PermissionDenied
    form = CompetitorForm(
        request.POST or None, instance=competitor, initial={"version": getattr(competitor, "version", None)}
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data.get(name) or "" for name in services.COMPETITOR_FIELDS}
        if competitor is None:
            saved = attempt(form, None, lambda: services.competitor_create(actor=request.user, data=data))
        else:
            version = form.cleaned_data.get("version") or competitor.version
            saved = attempt(
                form,
                None,
                lambda: services.competitor_update(
                    actor=request.user, competitor=competitor, version=version, data=data
                ),
            )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("sales:competitor", saved.pk)
    return render(request, "sales/competitor_form.html", {"form": form, "competitor": competitor})


@perm_required("pipelines.view")
def pipeline_list(request: AuthedRequest) -> HttpResponse:
    pipelines = Pipeline.objects.visible_to(request.user).prefetch_related("stages").order_by("sort_order", "pk")
    return render(request, "sales/pipelines.html", {"pipelines": pipelines})


@perm_required("pipelines.configure")
def pipeline_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    """The admin editor: a pipeline's name and its stages (order, probability, requirements, approval)."""
    pipeline = get_visible_or_404(Pipeline.objects.all(), request.user, pk=pk) if pk else None
    stages = Stage.objects.filter(pipeline=pipeline).order_by("sort_order", "pk") if pipeline else Stage.objects.none()
    form = PipelineForm(request.POST or None, instance=pipeline)
    formset = StageFormSet(request.POST or None, queryset=stages, prefix="stages")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = []
        delete = []
        for stage_form in formset.forms:
            data = stage_form.cleaned_data
            if not data or (not data.get("name") and not stage_form.instance.pk):
                continue
            if data.get("DELETE"):
                if stage_form.instance.pk:
                    delete.append(stage_form.instance)
                continue
            values = {name: data.get(name) for name in services.STAGE_FIELDS}
            rows.append((stage_form.instance if stage_form.instance.pk else None, values))
        rows.sort(key=lambda row: row[1].get("sort_order") or 0)
        values = {name: form.cleaned_data.get(name) for name in services.PIPELINE_FIELDS}
        saved = attempt(
            form,
            None,
            lambda: services.pipeline_save(
                actor=request.user, pipeline=pipeline, data=values, stages=rows, delete=delete
            ),
            {"stages": "__all__"},
        )
        if saved:
            messages.success(request, _("Pipeline %(name)s saved.") % {"name": saved.name})
            return redirect("sales:pipelines")
    return render(request, "sales/pipeline_form.html", {"form": form, "formset": formset, "pipeline": pipeline})
