"""Event pages: the form, the event with its registrations and the check-in at the door (a scanned QR code
opens the check-in page with the code filled in), the campaign page's events card; and the public
registration page with its confirmation and QR code (no sign-in)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.middleware import ip_of
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from ..campaigns.models import Campaign
from . import selectors, services
from .forms import CheckInForm, EventForm, RegisterForm
from .models import Event, Registration, RegistrationStatus


def campaign_panel(request: AuthedRequest, campaign: Campaign) -> tuple[str, dict[str, Any]]:
    may_edit = has_perm(request.user, "campaigns.edit") and campaign.is_open
    events = selectors.events_of(actor=request.user, campaign=campaign)
    return "marketing/events/panel.html", {"events": events, "campaign": campaign, "may_edit": may_edit}


@perm_required("campaigns.edit")
def event_create(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        event = attempt(form, None, lambda: services.event_create(actor=request.user, campaign=campaign, data=data))
        if event:
            flash.success(request, _("Saved."))
            return redirect(event.get_absolute_url())
    return render(request, "marketing/events/form.html", {"form": form, "campaign": campaign})


@perm_required("campaigns.edit")
def event_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    event = get_visible_or_404(Event.objects.select_related("campaign"), request.user, pk=pk)
    initial = {name: getattr(event, name) for name in services.FIELDS} | {"version": event.version}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version") or 0
        if attempt(
            form, None, lambda: services.event_update(actor=request.user, event=event, version=version, data=data)
        ):
            flash.success(request, _("Saved."))
            return redirect(event.get_absolute_url())
    return render(request, "marketing/events/form.html", {"form": form, "campaign": event.campaign, "event": event})


@perm_required("campaigns.view")
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = get_visible_or_404(Event.objects.select_related("campaign"), request.user, pk=pk)
    status, query = request.GET.get("status", ""), request.GET.get("q", "")
    rows = selectors.registrations(event=event, status=status, query=query)
    context = {
        "event": event,
        "counts": selectors.counts(event),
        "page_obj": CappedPaginator(rows, 25).get_page(request.GET.get("page")),
        "status": status,
        "q": query,
        "statuses": RegistrationStatus.choices,
        "check_in_form": CheckInForm(),
        "register_form": RegisterForm(),
        "may_edit": has_perm(request.user, "campaigns.edit"),
        "public_url": request.build_absolute_uri(f"/marketing/e/{event.key}/"),
    }
    return render(request, "marketing/events/detail.html", context)


@perm_required("campaigns.edit")
def check_in(request: AuthedRequest) -> HttpResponse:
    """The door: a scanned QR code opens this page with the code; checking in is a POST."""
    form = CheckInForm(request.POST or request.GET or None)
    done: Registration | None = None
    if request.method == "POST" and form.is_valid():
        done = attempt(
            form, None, lambda: services.registration_check_in(actor=request.user, code=form.cleaned_data["code"])
        )
        if done:
            flash.success(request, _("%(name)s is checked in.") % {"name": done.name})
            back = request.POST.get("event", "")
            if back.isdigit():
                return redirect("marketing:event", int(back))
            form = CheckInForm()
    pending = None
    if request.method == "GET" and form.is_bound and form.is_valid():
        code = form.cleaned_data["code"].strip()
        pending = Registration.objects.visible_to(request.user).select_related("event").filter(code=code).first()
    return render(request, "marketing/events/check_in.html", {"form": form, "done": done, "pending": pending})


@require_POST
@perm_required("campaigns.edit")
def registration_add(request: AuthedRequest, pk: int) -> HttpResponse:
    event = get_visible_or_404(Event.objects.all(), request.user, pk=pk)
    form = RegisterForm(request.POST)
    if form.is_valid():
        done = attempt(
            None, request, lambda: services.registration_create(actor=request.user, event=event, data=form.cleaned_data)
        )
        if done:
            flash.success(request, _("%(name)s is registered.") % {"name": done.name})
    return redirect(event.get_absolute_url())


@perm_required("campaigns.view")
def registration_qr(request: AuthedRequest, pk: int) -> HttpResponse:
    registration = get_visible_or_404(Registration.objects.select_related("event"), request.user, pk=pk)
    return HttpResponse(selectors.qr_svg(registration), content_type="image/svg+xml")


# --- public (no sign-in; the event's unguessable key) -------------------------------------------------------


def _public_event(key: str) -> Event:
    event = Event.objects.filter(key=key).select_related("campaign").first()
    if event is None:
        raise Http404
    return event


@csrf_exempt  # acts for nobody: floods and robots are stopped by the service (rate limit, stamp, honeypot)
def register(request: HttpRequest, key: str) -> HttpResponse:
    event = _public_event(key)
    form = RegisterForm(request.POST or None, initial={"token": services.form_token(event)})
    status = 200
    if request.method == "POST":
        form.is_valid()
        try:
            done = services.registration_submit(
                event=event, data=request.POST, token=request.POST.get("token", ""),
                honeypot=request.POST.get("website", ""), ip=ip_of(request),
            )  # fmt: skip
        except (DomainError, ValidationError) as error:
            status = 429 if getattr(error, "code", "") == "rate_limited" else 400
            if isinstance(error, DomainError):
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                for name, messages in error.message_dict.items():
                    for message in messages:
                        form.add_error(name if name in form.fields else None, message)
            if getattr(error, "code", "") == "form_expired":
                data = request.POST.copy()
                data["token"] = services.form_token(event)
                form.data = data
        else:
            if done is None:  # a robot: thanked, with nothing to show
                return render(request, "marketing/events/registered.html", {"event": event, "registration": None})
            return redirect("marketing:registered", event.key, done.code)
    return render(request, "marketing/events/register.html", {"event": event, "form": form}, status=status)


def registered(request: HttpRequest, key: str, code: str) -> HttpResponse:
    event = _public_event(key)
    registration = Registration.objects.filter(event=event, code=code).first()
    if registration is None:
        raise Http404
    context = {"event": event, "registration": registration, "qr": selectors.qr_svg(registration)}
    return render(request, "marketing/events/registered.html", context)


def register_panels() -> None:
    from ..campaigns.views import EXTRA_PANELS

    if campaign_panel not in EXTRA_PANELS:
        EXTRA_PANELS.append(campaign_panel)
