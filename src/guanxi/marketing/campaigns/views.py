"""Campaign pages: the list with its totals, the form, and the campaign page (results under both
attribution models with a chart, costs, audience, members, responses)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.config.dictionary import dictionary_choices, dictionary_labels
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from . import selectors, services
from .forms import CampaignForm, CostForm, MembersAddForm, SourceForm, StatusForm
from .models import TYPE_DICTIONARY, AudienceSource, Campaign, CampaignCost, CampaignMember, CampaignStatus

EXTRA_PANELS: list[Any] = []  # (request, campaign) → (template, context): the messages and events areas add theirs


def _model(request: AuthedRequest) -> str:
    return "last" if request.GET.get("model") == "last" else "first"


@perm_required("campaigns.view")
def campaign_list(request: AuthedRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip() for name in ("status", "kind", "q", "year")}
    if not filters["year"].isdigit():
        filters["year"] = ""
    model = _model(request)
    rows = selectors.campaign_list(actor=request.user, filters=filters)
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    results = selectors.list_results(rows, model)
    selectors.label_rows(list(page.object_list), model, results)
    context = {
        "page_obj": page,
        "filters": filters,
        "model": model,
        "totals": selectors.list_totals(rows, results),
        "statuses": CampaignStatus.choices,
        "kinds": dictionary_choices(TYPE_DICTIONARY),
    }
    return render(request, "marketing/campaigns/list.html", context)


@perm_required("campaigns.create")
def campaign_create(request: AuthedRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        campaign = attempt(form, None, lambda: services.campaign_create(actor=request.user, data=data))
        if campaign:
            flash.success(request, _("Saved."))
            return redirect(campaign.get_absolute_url())
    return render(request, "marketing/campaigns/form.html", {"form": form})


@perm_required("campaigns.edit")
def campaign_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    initial = {name: getattr(campaign, name) for name in services.FIELDS} | {"version": campaign.version}
    form = CampaignForm(request.POST or None, actor=request.user, initial=initial, current_kind=campaign.kind)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version") or 0
        saved = attempt(
            form,
            None,
            lambda: services.campaign_update(actor=request.user, campaign=campaign, version=version, data=data),
        )
        if saved:
            flash.success(request, _("Saved."))
            return redirect(saved.get_absolute_url())
    return render(request, "marketing/campaigns/form.html", {"form": form, "campaign": campaign})


@perm_required("campaigns.view")
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.select_related("owner", "web_form"), request.user, pk=pk)
    campaign.kind_label = dictionary_labels(TYPE_DICTIONARY).get(campaign.kind, campaign.kind)
    may_edit = has_perm(request.user, "campaigns.edit") and campaign.is_open
    find = request.GET.get("find", "").strip()[:50]
    members = CappedPaginator(campaign.members.select_related("source").order_by("pk"), 20).get_page(
        request.GET.get("members")
    )
    context = {
        "campaign": campaign,
        "report": selectors.campaign_report(actor=request.user, campaign=campaign),
        "costs": list(campaign.costs.all()),
        "sources": list(campaign.sources.all()),
        "members_page": members,
        "may_edit": may_edit,
        "find": find,
        "candidates": selectors.member_candidates(actor=request.user, campaign=campaign, query=find)
        if may_edit and find
        else [],
        "cost_form": CostForm(prefix="cost"),
        "source_form": SourceForm(actor=request.user, prefix="source"),
        "members_form": MembersAddForm(prefix="members"),
        "panels": [panel(request, campaign) for panel in EXTRA_PANELS],
    }
    return render(request, "marketing/campaigns/detail.html", context)


@require_POST
@perm_required("campaigns.edit")
def campaign_launch(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    done = attempt(None, request, lambda: services.campaign_launch(actor=request.user, campaign=campaign))
    if done:
        flash.success(request, _("Launched with %(count)d members.") % {"count": done["members"]})
    return redirect(campaign.get_absolute_url())


@require_POST
@perm_required("campaigns.edit")
def campaign_status(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        status = form.cleaned_data["status"]
        if attempt(None, request, lambda: services.campaign_set_status(actor=request.user, campaign=campaign,
                                                                          status=status)):  # fmt: skip
            flash.success(request, _("Saved."))
    return redirect(campaign.get_absolute_url())


@require_POST
@perm_required("campaigns.delete")
def campaign_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.campaign_delete(actor=request.user, campaign=campaign) or True):
        flash.success(request, _("Deleted."))
        return redirect("marketing:campaigns")
    return redirect(campaign.get_absolute_url())


@require_POST
@perm_required("campaigns.edit")
def cost_add(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    form = CostForm(request.POST, prefix="cost")
    if form.is_valid():
        if attempt(None, request, lambda: services.campaign_cost_add(actor=request.user, campaign=campaign,
                                                                        data=form.cleaned_data)):  # fmt: skip
            flash.success(request, _("Saved."))
    else:
        flash.error(
            request,
            " ".join(
                f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
            ),
        )
    return redirect(campaign.get_absolute_url() + "#costs")


@require_POST
@perm_required("campaigns.edit")
def cost_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    cost = get_visible_or_404(CampaignCost.objects.select_related("campaign"), request.user, pk=pk)
    attempt(None, request, lambda: services.campaign_cost_delete(actor=request.user, cost=cost))
    return redirect(cost.campaign.get_absolute_url() + "#costs")


@require_POST
@perm_required("campaigns.edit")
def source_add(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    form = SourceForm(request.POST, actor=request.user, prefix="source")
    if form.is_valid():
        data = form.cleaned_data
        if attempt(None, request, lambda: services.campaign_source_add(
            actor=request.user, campaign=campaign, kind=data["kind"], label=data["label"], query=data["query"] or ""
        )):  # fmt: skip
            flash.success(request, _("Saved."))
    return redirect(campaign.get_absolute_url() + "#audience")


@require_POST
@perm_required("campaigns.edit")
def source_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    source = get_visible_or_404(AudienceSource.objects.select_related("campaign"), request.user, pk=pk)
    attempt(None, request, lambda: services.campaign_source_remove(actor=request.user, source=source))
    return redirect(source.campaign.get_absolute_url() + "#audience")


@require_POST
@perm_required("campaigns.edit")
def members_add(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    form = MembersAddForm(request.POST, prefix="members")
    if form.is_valid():
        data = form.cleaned_data
        done = attempt(None, request, lambda: services.campaign_members_add(
            actor=request.user, campaign=campaign, kind=data["kind"], ids=data["ids"]))  # fmt: skip
        if done:
            _members_added(request, done)
    else:
        flash.error(request, " ".join(" ".join(str(e) for e in errors) for errors in form.errors.values()))
    return redirect(campaign.get_absolute_url() + "#members")


def _members_added(request: AuthedRequest, done: dict[str, int]) -> None:
    flash.success(
        request,
        _("%(added)d added, %(already)d already members, %(opted_out)d skipped (opted out), %(missing)d not found.")
        % {"added": done["added"], "already": done["already"], "opted_out": done["opted_out"],
           "missing": done["not_found"]},
    )  # fmt: skip


@perm_required("campaigns.edit")
def members_find(request: AuthedRequest, pk: int) -> HttpResponse:
    """The member picker's results for the words typed (the campaign page's search box, as you type)."""
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    find = request.GET.get("find", "").strip()[:50]
    candidates = selectors.member_candidates(actor=request.user, campaign=campaign, query=find) if find else []
    context = {"campaign": campaign, "find": find, "candidates": candidates}
    return render(request, "marketing/campaigns/picker.html", context)


@require_POST
@perm_required("campaigns.edit")
def members_pick(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    picks = request.POST.getlist("pick")
    done = attempt(None, request, lambda: services.campaign_members_pick(
        actor=request.user, campaign=campaign, picks=picks))  # fmt: skip
    if done:
        _members_added(request, done)
    return redirect(campaign.get_absolute_url() + "#members")


@require_POST
@perm_required("campaigns.edit")
def member_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_visible_or_404(CampaignMember.objects.select_related("campaign"), request.user, pk=pk)
    attempt(None, request, lambda: services.campaign_member_remove(actor=request.user, member=member))
    return redirect(member.campaign.get_absolute_url() + "#members")


def register() -> None:
    from guanxi.core import navigation

    navigation.register(
        navigation.NavItem(
            gettext_lazy("Campaigns"), "marketing:campaigns", "speakerphone", 18, navigation.needs("campaigns.view")
        )
    )
