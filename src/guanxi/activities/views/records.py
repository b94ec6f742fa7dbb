"""Follow-up and plan pages: thin — parse, call one selector or service, render (SPEC §4.1–4.3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_readable_or_404, get_visible_or_404, rule_for
from guanxi.core.uploads import stored_file_response
from guanxi.customers.models import Customer

from .. import plan_templates, selectors, services
from ..forms import ApplyTemplateForm, CancelForm, CommentForm, FollowUpForm, PlanForm, RescheduleForm
from ..models import Plan
from ..related import reference as related_reference
from ..related import related_choices

TIMELINE_PAGE = 20


def _customer(request: AuthedRequest, pk: Any) -> Customer | None:
    if not pk:
        return None
    return get_visible_or_404(Customer.objects.all(), request.user, pk=pk)


def _customer_tab(customer: Customer) -> str:
    return f"{customer.get_absolute_url()}?tab=followups"


def _related(request: AuthedRequest, reference: str | None) -> models.Model | None:
    """``app_label.model:pk`` (e.g. ``sales.opportunity:7``) → that record, through its own scope gate; 404
    for a model not read through the gate, a missing row or one out of scope."""
    if not reference:
        return None
    try:
        label, pk = reference.split(":")
        app_label, model_name = label.split(".")
        model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
        assert model is not None
        rule_for(model)
        return get_visible_or_404(model._default_manager.all(), request.user, pk=pk)
    except (ValueError, AssertionError, LookupError, TypeError, ContentType.DoesNotExist):
        raise Http404 from None


@dataclass
class About:
    """What a follow-up or plan page is about: a customer, another record (an opportunity, a lead), or both."""

    customer: Customer | None
    related: models.Model | None

    @property
    def query(self) -> str:
        if self.related is not None:
            return f"related={self.reference}"
        return f"customer={self.customer.pk}" if self.customer else ""

    @property
    def reference(self) -> str:
        return "" if self.related is None else related_reference(self.related)

    @property
    def back_url(self) -> str:
        if self.related is not None and hasattr(self.related, "get_absolute_url"):
            return str(self.related.get_absolute_url())
        return _customer_tab(self.customer) if self.customer else reverse("activities:agenda")

    @property
    def label(self) -> str:
        return str(self.related if self.related is not None else self.customer)


def _about(request: AuthedRequest, source: Any) -> About:
    customer = _customer(request, source.get("customer"))
    related = _related(request, source.get("related"))
    if related is not None and customer is None:
        # An opportunity (or any record with a customer) is about its customer too, when the actor sees it.
        customer_id = getattr(related, "customer_id", None)
        if customer_id:
            customer = Customer.objects.visible_to(request.user).filter(pk=customer_id).first()
    if customer is None and related is None:
        raise Http404
    return About(customer, related)


# --- the customer's tab -------------------------------------------------------------------------------


@perm_required("activities.view")
def customer_followups(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 360 page's follow-up tab: open plans, then the timeline, newest first, a page at a time."""
    customer = get_readable_or_404(Customer.objects.all(), request.user, pk=pk)  # as the 360 page: pools too
    timeline = selectors.followups_of_customer(actor=request.user, customer=customer)
    page = CappedPaginator(timeline, TIMELINE_PAGE).get_page(request.GET.get("page"))
    plans = selectors.plans_of_customer(actor=request.user, customer=customer)
    context = {
        "customer": customer,
        "page_obj": page,
        "open_plans": list(plans.filter(status=Plan.Status.OPEN)[:20]),
        "now": timezone.now(),
        "may_record": has_perm(request.user, "activities.create"),
        "apply_form": ApplyTemplateForm(unit_id=customer.business_unit_id),
        "overdue_for_level": selectors.is_overdue_for_level(customer, at=timezone.now()),
    }
    return render(request, "activities/customer_tab.html", context)


# --- follow-ups ---------------------------------------------------------------------------------------


@perm_required("activities.create")
def followup_create(request: AuthedRequest) -> HttpResponse:
    """Record a follow-up on a customer (``?customer=``), another record (``?related=sales.opportunity:7``),
    or fulfilling a plan (``?plan=``)."""
    source = request.POST if request.method == "POST" else request.GET
    plan = None
    if source.get("plan"):
        plan = get_visible_or_404(Plan.objects.select_related("customer"), request.user, pk=source.get("plan"))
        about = About(plan.customer, plan.related)
    else:
        about = _about(request, source)
    customer = about.customer
    last_plan = (
        plan is not None
        and not services.open_plans_of(customer=customer, related=about.related).exclude(pk=plan.pk).exists()
    )
    # Started from a customer (its page sends ``customer``): the follow-up may be about one of its open
    # opportunities, and the customer is where the user goes back to.
    from_customer = customer if plan is None and source.get("customer") else None
    form = FollowUpForm(
        request.POST or None,
        request.FILES or None,
        customer=customer,
        plan=plan,
        related_choices=related_choices(actor=request.user, customer=from_customer) if from_customer else None,
        assignees=_assignees(request),
        initial={"related": about.reference, "next_owner": request.user.pk},
    )
    if not form.is_bound and last_plan:
        form.initial["next_contact_at"] = selectors.next_plan_proposal(customer=customer, at=timezone.now())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        followup = attempt(
            form,
            None,
            lambda: _record(request, form, about, plan),
            {"files": "attachments", "latitude": "location_address"},
        )
        if followup is not None:
            messages.success(request, _("The follow-up was recorded."))
            if plan is not None:
                if data.get("next_contact_at") and data.get("add_to_calendar"):
                    return redirect(about.back_url)
                if not services.open_plans_of(customer=customer, related=about.related).exists():
                    messages.info(request, _("That was the last open plan: plan the next one."))
                    return redirect(f"{reverse('activities:plan_create')}?{about.query}&next=1")
                return redirect("activities:agenda")
            return redirect(_customer_tab(from_customer) if from_customer else about.back_url)
    context = {"form": form, "about": about, "customer": customer, "plan": plan, "last_plan": last_plan}
    return render(request, "activities/followup_form.html", context)


def _assignees(request: AuthedRequest) -> Any:
    """Whom the actor may plan for: a picker only when they may plan for others."""
    return selectors.people_in_scope(actor=request.user) if has_perm(request.user, "activities.assign") else None


def _record(request: AuthedRequest, form: FollowUpForm, about: About, plan: Plan | None) -> Any:
    data = form.cleaned_data
    return services.followup_create(
        actor=request.user,
        customer=about.customer,
        related=about.related,
        contact=data.get("contact"),
        channel=data["channel"],
        occurred_at=data["occurred_at"],
        content=data["content"],
        feedback=data.get("feedback") or "",
        next_step=data.get("next_step") or "",
        location=form.location(),
        files=data.get("attachments") or [],
        plan=plan,
        next_contact_at=data.get("next_contact_at"),
        add_to_calendar=bool(data.get("add_to_calendar")),
        next_owner=data.get("next_owner"),
    )


@perm_required("activities.view")
def related_followups(request: AuthedRequest, reference: str) -> HttpResponse:
    """The follow-ups tab of another record (an opportunity, a lead): its open plans and its timeline,
    for the other modules' pages to load with htmx (``activities:related_followups``)."""
    related = _related(request, reference)
    assert related is not None
    about = _about(request, {"related": reference})
    timeline = selectors.followups_of_related(actor=request.user, related=related)
    page = CappedPaginator(timeline, TIMELINE_PAGE).get_page(request.GET.get("page"))
    context = {
        "about": about,
        "page_obj": page,
        "open_plans": list(services.open_plans_of(related=related).select_related("customer", "owner")[:20]),
        "now": timezone.now(),
        "may_record": has_perm(request.user, "activities.create"),
        "tab_url": reverse("activities:related_followups", args=[reference]),
    }
    return render(request, "activities/related_tab.html", context)


@perm_required("activities.view")
def followup_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    followup = selectors.followup_for_detail(actor=request.user, pk=pk)
    form = CommentForm(request.POST or None)
    may_comment = has_perm(request.user, "activities.approve")
    if request.method == "POST":
        if not may_comment:
            raise PermissionDenied
        if form.is_valid():
            done = attempt(
                form,
                None,
                lambda: services.followup_comment_add(
                    actor=request.user, followup=followup, text=form.cleaned_data["text"]
                ),
            )
            if done:
                messages.success(request, _("Your comment was sent to %(who)s.") % {"who": followup.owner})
                return redirect(followup)
    context = {"followup": followup, "form": form, "may_comment": may_comment}
    return render(request, "activities/followup_detail.html", context)


@perm_required("activities.view")
def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    """A follow-up's file, only for someone who may open the follow-up (404 otherwise, like a missing one)."""
    return stored_file_response(request, selectors.attachment_for_download(actor=request.user, pk=pk))


# --- plans --------------------------------------------------------------------------------------------


@perm_required("activities.view")
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_detail(actor=request.user, pk=pk)
    context = {
        "plan": plan,
        "overdue": plan.is_overdue(),
        "reschedule_form": RescheduleForm(initial={"due_at": timezone.localtime(plan.due_at), "version": plan.version}),
        "cancel_form": CancelForm(),
    }
    return render(request, "activities/plan_detail.html", context)


@perm_required("activities.create")
def plan_create(request: AuthedRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    about = _about(request, source)
    customer = about.customer
    assignees = _assignees(request)
    proposing = source.get("next") == "1"
    default_owner = customer.owner_id if customer and customer.owner_id else request.user.pk
    initial: dict[str, Any] = {"owner": default_owner}
    if proposing:
        initial |= {
            "subject": _("Follow up"),
            "due_at": selectors.next_plan_proposal(customer=customer, at=timezone.now()),
        }
    form = PlanForm(request.POST or None, customer=customer, assignees=assignees, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = attempt(
            form,
            None,
            lambda: services.plan_create(
                actor=request.user,
                subject=data["subject"],
                kind=data["kind"],
                due_at=data["due_at"],
                customer=customer,
                related=about.related,
                contact=data.get("contact"),
                owner=data.get("owner"),
                script=data.get("script") or "",
                origin=Plan.Origin.NEXT if proposing else Plan.Origin.MANUAL,
            ),
        )
        if plan:
            messages.success(request, _("The plan was added."))
            return redirect(about.back_url)
    context = {"form": form, "about": about, "customer": customer, "proposing": proposing}
    return render(request, "activities/plan_form.html", context)


def _plan_for_action(request: AuthedRequest, pk: int) -> Plan:
    return get_visible_or_404(Plan.objects.select_related("customer", "owner"), request.user, pk=pk)


def _back(request: AuthedRequest, plan: Plan) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(plan)


@require_POST
@perm_required("activities.edit")
def plan_complete(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = _plan_for_action(request, pk)
    if attempt(None, request, lambda: services.plan_complete(actor=request.user, plan=plan)):
        messages.success(request, _("The plan is done."))
        about = About(plan.customer, plan.related)
        if not services.open_plans_of(customer=about.customer, related=about.related).exists():
            messages.info(request, _("That was the last open plan: plan the next one."))
            return redirect(f"{reverse('activities:plan_create')}?{about.query}&next=1")
    return _back(request, plan)


@require_POST
@perm_required("activities.edit")
def plan_reschedule(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = _plan_for_action(request, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(request, plan)
    done = attempt(
        None,
        request,
        lambda: services.plan_reschedule(
            actor=request.user, plan=plan, due_at=form.cleaned_data["due_at"], version=form.cleaned_data["version"]
        ),
    )
    if done:
        messages.success(request, _("The plan was moved."))
    return _back(request, plan)


@require_POST
@perm_required("activities.edit")
def plan_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = _plan_for_action(request, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if attempt(None, request, lambda: services.plan_cancel(actor=request.user, plan=plan, reason=reason)):
        messages.success(request, _("The plan was cancelled."))
    return _back(request, plan)


@require_POST
@perm_required("activities.create")
def template_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    form = ApplyTemplateForm(request.POST, unit_id=customer.business_unit_id)
    if form.is_valid():
        plans = attempt(
            None,
            request,
            lambda: plan_templates.plan_template_apply(
                actor=request.user, template=form.cleaned_data["template"], customer=customer
            ),
        )
        if plans is not None:
            messages.success(request, _("%(count)d plans were added.") % {"count": len(plans)})
    return redirect(_customer_tab(customer))
