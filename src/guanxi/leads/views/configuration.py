"""Configuration pages of leads: the web forms (with their embed snippets) and the assignment rules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.regions.services import region_names

from .. import selectors, webforms
from ..forms import FormDefinitionForm, RuleForm
from ..models import AssignmentRule, LeadForm
from ..services import SOURCE_TYPE


@perm_required("leads.configure")
def form_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "leads/admin/forms.html", {"forms": selectors.lead_forms(actor=request.user)})


@perm_required("leads.configure")
def form_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    definition = get_visible_or_404(LeadForm.objects.all(), request.user, pk=pk) if pk else None
    form = FormDefinitionForm(request.POST or None, instance=definition, actor=request.user)
    if request.method == "POST" and form.is_valid():
        saved = attempt(
            form,
            None,
            lambda: webforms.leadform_save(actor=request.user, form=definition, data=form.definition()),
            {"fields": "fields_shown", "required": "fields_required"},
        )
        if saved:
            messages.success(request, _("The web form %(name)s was saved.") % {"name": saved})
            return redirect("leads:form_edit", saved.pk)
    context: dict[str, Any] = {"form": form, "definition": definition}
    if definition is not None:
        hosted = request.build_absolute_uri(reverse("leads:webform", args=[definition.key]))
        # the unhashed name, so that a pasted snippet keeps working after an upgrade
        script = request.build_absolute_uri("/" + settings.STATIC_URL.lstrip("/") + "guanxi/lead_embed.js")
        context["hosted_url"] = hosted
        context["iframe_snippet"] = (
            f'<iframe src="{hosted}" title="{definition.title}" width="100%" height="640" '
            'style="border:0" loading="lazy"></iframe>'
        )
        context["script_snippet"] = f'<script src="{script}" data-guanxi-form="{hosted}" async></script>'
    return render(request, "leads/admin/form_edit.html", context)


@perm_required("leads.configure")
def rule_list(request: AuthedRequest) -> HttpResponse:
    rules = list(selectors.assignment_rules(actor=request.user))
    sources = dictionary_labels(SOURCE_TYPE)
    provinces = region_names(code for rule in rules for code in rule.provinces)
    for rule in rules:  # labels, not codes: one query each for the whole page
        rule.source_labels = [sources.get(code, code) for code in rule.sources]  # type: ignore[attr-defined]
        rule.province_labels = [provinces.get(code, code) for code in rule.provinces]  # type: ignore[attr-defined]
    return render(request, "leads/admin/rules.html", {"rules": rules})


@perm_required("leads.configure")
def rule_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    rule = get_visible_or_404(AssignmentRule.objects.all(), request.user, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule, actor=request.user)
    if request.method == "POST" and form.is_valid():
        saved = attempt(form, None, lambda: webforms.rule_save(actor=request.user, rule=rule, data=form.rule_data()))
        if saved:
            messages.success(request, _("The rule %(name)s was saved.") % {"name": saved})
            return redirect("leads:rules")
    return render(request, "leads/admin/rule_edit.html", {"form": form, "rule": rule})
