"""Follow-up and plan pages: thin — parse, call one selector or service, render (SPEC §4)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import perm_required

from . import selectors


@perm_required("activities.view")
def followup_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    followup = selectors.followup_for_detail(actor=request.user, pk=pk)
    return render(request, "activities/followup_detail.html", {"followup": followup})


@perm_required("activities.view")
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_detail(actor=request.user, pk=pk)
    return render(request, "activities/plan_detail.html", {"plan": plan})
