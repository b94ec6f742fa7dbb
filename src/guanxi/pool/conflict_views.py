"""The managers' conflict inbox (SPEC §3.4): open cases with both sides' evidence, and the decision."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from . import conflicts
from .models import ConflictCase


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=ConflictCase.Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Add evidence"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("When you registered or visited the customer, what you sent them: for the manager."),
    )  # fmt: skip


STATUSES = {"open": gettext_lazy("Open"), "decided": gettext_lazy("Decided")}


@perm_required("pool.view")
def conflict_inbox(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    status = status if status in STATUSES else "open"
    cases = conflicts.conflict_inbox(actor=request.user, status=status)
    page = CappedPaginator(cases, 25).get_page(request.GET.get("page"))
    return render(request, "pool/conflicts/inbox.html", {"page_obj": page, "status": status, "statuses": STATUSES})


@perm_required("pool.view")
def conflict_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_visible_or_404(
        ConflictCase.objects.select_related("customer", "holder", "claimant", "decided_by"), request.user, pk=pk
    )
    may_decide = case.status == ConflictCase.Status.OPEN and has_perm(request.user, "pool.approve")
    form = DecideForm(request.POST or None) if may_decide else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form,
            None,
            lambda: conflicts.conflict_decide(
                actor=request.user, case=case, decision=data["decision"], note=data["note"]
            ),
        )
        if done:
            messages.success(
                request, _("The conflict is decided: %(decision)s.") % {"decision": done.get_decision_display()}
            )
            return redirect("pool:conflicts")
    context = {
        "case": case,
        "form": form,
        "evidence": conflicts.evidence(case),
        "attempted": conflicts.attempted_shown(actor=request.user, case=case),
        "may_withdraw": conflicts.may_withdraw(request.user, case),
        "evidence_form": EvidenceForm(),
    }
    return render(request, "pool/conflicts/detail.html", context)


def _case(request: AuthedRequest, pk: int) -> ConflictCase:
    return get_visible_or_404(ConflictCase.objects.select_related("customer"), request.user, pk=pk)


@require_POST
@perm_required("pool.view")
def conflict_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if attempt(None, request, lambda: conflicts.conflict_withdraw(actor=request.user, case=case)):
        messages.success(
            request, _("You withdrew the claim; %(name)s stays with its holder.") % {"name": case.customer}
        )
    return redirect("pool:conflict", case.pk)


@require_POST
@perm_required("pool.view")
def conflict_evidence_add(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = EvidenceForm(request.POST)
    if form.is_valid() and attempt(
        form,
        None,
        lambda: conflicts.conflict_evidence_add(actor=request.user, case=case, text=form.cleaned_data["text"]),
    ):
        messages.success(request, _("Your evidence was added to the case."))
        return redirect("pool:conflict", case.pk)
    context = {
        "case": case,
        "form": None,
        "evidence": conflicts.evidence(case),
        "attempted": conflicts.attempted_shown(actor=request.user, case=case),
        "may_withdraw": conflicts.may_withdraw(request.user, case),
        "evidence_form": form,
    }
    return render(request, "pool/conflicts/detail.html", context, status=400)
