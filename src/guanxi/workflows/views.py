"""The approval pages: the inbox (待我审批), one request with its decision, and the flows' settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.config.units import config_may_change
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404

from . import selectors, services
from .forms import DecisionForm, FlowForm, StepFormSet
from .models import ApprovalRequest
from .registry import record_type_get, record_types


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    mine = request.GET.get("tab") == "mine"
    rows = selectors.submitted_by(actor=request.user) if mine else selectors.inbox(actor=request.user)
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    return render(request, "workflows/inbox.html", {"page_obj": page, "mine": mine})


@login_required
def approval_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    approval = get_visible_or_404(
        selectors.with_tasks(ApprovalRequest.objects.select_related("submitter")), request.user, pk=pk
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if "withdraw" in request.POST:
            done = attempt(None, request, lambda: services.approval_withdraw(actor=request.user, request=approval))
            if done:
                messages.success(request, _("The request was withdrawn."))
            return redirect("workflows:approval", pk=pk)
        if form.is_valid():
            approve = "approve" in request.POST
            done = attempt(
                form,
                request,
                lambda: services.approval_decide(
                    actor=request.user, request=approval, approve=approve, comment=form.cleaned_data["comment"]
                ),
            )
            if done:
                messages.success(request, _("Approved.") if approve else _("Rejected."))
                return redirect("workflows:inbox")
    kind = record_type_get(approval.record_type)
    return render(
        request,
        "workflows/approval.html",
        {
            "approval": approval,
            "form": form,
            "record_label": kind.label,
            "record_url": kind.url(approval.object_id),
            "may_decide": selectors.may_decide(actor=request.user, request=approval),
            "may_withdraw": selectors.may_withdraw(actor=request.user, request=approval),
        },
    )


@perm_required("approval_flows.view")
def flow_list(request: AuthedRequest) -> HttpResponse:
    unit_id = request.user.business_unit_id
    flows = selectors.flows_of_unit(actor=request.user, unit_id=unit_id)
    rows = [(kind, flows.get(kind.code)) for kind in record_types()]
    return render(request, "workflows/flows.html", {"rows": rows})


@perm_required("approval_flows.view")
def flow_edit(request: AuthedRequest, record_type: str) -> HttpResponse:
    try:
        kind = record_type_get(record_type)
    except LookupError:
        raise Http404 from None
    unit = request.user.department.business_unit if request.user.department else None
    if unit is None:
        raise Http404
    flow = selectors.flows_of_unit(actor=request.user, unit_id=unit.pk).get(record_type)
    initial: list[dict[str, Any]] = [
        {
            "position": step.position,
            "kind": step.kind,
            "role": step.role,
            "levels": step.levels,
            "user": step.user,
            "min_amount": step.min_amount,
        }
        for step in (flow.steps.all() if flow else [])
    ]
    form = FlowForm(
        request.POST or None,
        initial={"is_active": flow.is_active if flow else True, "version": flow.version if flow else None},
    )
    steps = StepFormSet(request.POST or None, initial=initial, prefix="steps", form_kwargs={"unit_id": unit.pk})
    may_change = config_may_change(actor=request.user, code="approval_flows.configure", unit_id=unit.pk)
    if request.method == "POST" and may_change and form.is_valid() and steps.is_valid():
        ordered = sorted(
            (step.cleaned_data for step in steps if step.cleaned_data and not step.cleaned_data.get("DELETE")),
            key=lambda data: data["position"],
        )
        saved = attempt(
            form,
            request,
            lambda: services.approval_flow_save(
                actor=request.user,
                unit=unit,
                record_type=record_type,
                steps=ordered,
                is_active=form.cleaned_data["is_active"],
                version=form.cleaned_data["version"],
            ),
        )
        if saved:
            messages.success(request, _("The approval flow was saved."))
            return redirect("workflows:flows")
    return render(
        request,
        "workflows/flow_form.html",
        {"kind": kind, "flow": flow, "form": form, "steps": steps, "may_change": may_change},
    )
