"""Call centre pages: the agent's pop-up (polled by every open page), the call log and one call, starting a
ticket or a lead from a call, click-to-call, and the unit's settings (the PBX connection, the extensions).

The pop-up polls a cheap endpoint every second instead of holding a Server-Sent Events stream open: the web
server runs a few gunicorn threads per process, and a stream per open tab would take one each for as long
as the tab stays open, where a poll takes a thread for a millisecond (docs/decisions.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit, User

from . import selectors, services
from .forms import CallFilterForm, DialForm, ExtensionForm, PbxConnectionForm
from .models import Call, PbxConnection

# --- the pop-up ---------------------------------------------------------------------------------------


@login_required
def pop(request: AuthedRequest) -> HttpResponse:
    """The agent's pop-up, polled about once a second by every open page: 204 (nothing to change) while the
    page shows what is current, else the pop-up of their latest call (or an empty one)."""
    call = selectors.pop_call(actor=request.user) if has_perm(request.user, "calls.view") else None
    key = selectors.pop_key(call)
    if request.GET.get("shown") == key:
        return HttpResponse(status=204)
    return render(request, "calls/pop.html", _pop_context(request, call, key))


def _pop_context(request: AuthedRequest, call: Call | None, key: str) -> dict[str, Any]:
    context: dict[str, Any] = {"call": call, "key": key}
    if call is not None:
        _number, matches = selectors.phone_lookup(actor=request.user, number=call.number, key=call.number_key)
        context |= {
            "matches": selectors.with_open_work(actor=request.user, matches=matches),
            "may_ticket": has_perm(request.user, "service.create"),
            "may_followup": has_perm(request.user, "activities.create"),
            "may_lead": has_perm(request.user, "leads.create"),
        }
    return context


@require_POST
@perm_required("calls.view")
def dismiss(request: AuthedRequest, pk: int) -> HttpResponse:
    call = get_visible_or_404(Call.objects.all(), request.user, pk=pk)
    attempt(None, request, lambda: services.call_dismiss(actor=request.user, call=call))
    if request.htmx:
        return render(request, "calls/pop.html", {"call": None, "key": "none"})
    return redirect(request.POST.get("next") or "calls:list")


# --- the call log -------------------------------------------------------------------------------------


def _agents(request: AuthedRequest) -> Any:
    ids = selectors.call_list(actor=request.user).exclude(agent=None).values("agent").distinct()[:500]
    return User.objects.filter(pk__in=ids).order_by("display_name")


@perm_required("calls.view")
def call_list(request: AuthedRequest) -> HttpResponse:
    form = CallFilterForm(request.GET or None, agents=_agents(request))
    rows = selectors.call_list(actor=request.user, filters=form.filters())
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter_form": form,
        "page_obj": CappedPaginator(rows, 25).get_page(request.GET.get("page")),
        "query_string": query.urlencode(),
        "may_configure": has_perm(request.user, "call_settings.view"),
    }
    return render(request, "calls/list.html", context)


@perm_required("calls.view")
def call_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    call = get_visible_or_404(
        Call.objects.select_related("agent", "customer", "contact", "ticket"), request.user, pk=pk
    )
    _number, matches = selectors.phone_lookup(actor=request.user, number=call.number, key=call.number_key)
    context = {
        "call": call,
        "events": call.events.all(),
        "matches": selectors.with_open_work(actor=request.user, matches=matches),
        "may_take": call.agent_id is None and has_perm(request.user, "calls.create"),
        "may_ticket": has_perm(request.user, "service.create"),
        "may_followup": has_perm(request.user, "activities.create"),
        "may_lead": has_perm(request.user, "leads.create"),
    }
    return render(request, "calls/detail.html", context)


@require_POST
@perm_required("calls.create")
def take(request: AuthedRequest, pk: int) -> HttpResponse:
    call = get_visible_or_404(Call.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.call_take(actor=request.user, call=call)):
        messages.success(request, _("The call is yours now."))
    return redirect("calls:detail", pk)


# --- from a call: a ticket, a lead --------------------------------------------------------------------


@perm_required("service.create")
def ticket_from_call(request: AuthedRequest, pk: int) -> HttpResponse:
    """The service's ticket form, filled from the call (the customer, the contact, the phone channel); the
    ticket created names the call."""
    from guanxi.service import services as tickets
    from guanxi.service.forms import TicketForm

    call = get_visible_or_404(Call.objects.select_related("customer", "contact"), request.user, pk=pk)
    customer = _customer_of(request, call)
    initial: dict[str, Any] = {
        "customer": customer,
        "channel": "phone_in" if call.direction == "inbound" else "phone_out",
    }
    if call.contact is not None and customer is not None and call.contact.customer_id == customer.pk:
        initial["contact"] = call.contact
    initial["description"] = _("Call from %(number)s at %(time)s.") % {
        "number": call.number,
        "time": timezone.localtime(call.started_at).strftime("%Y-%m-%d %H:%M"),
    }
    form = TicketForm(
        request.POST or None, request.FILES or None, actor=request.user, initial=initial, customer=customer
    )
    if request.method == "POST" and form.is_valid():

        def create() -> Any:
            ticket = tickets.ticket_create(
                actor=request.user,
                customer=form.cleaned_data["customer"],
                contact=form.cleaned_data.get("contact"),
                data=form.ticket_data(),
                files=form.cleaned_data.get("attachments") or [],
            )
            services.call_ticket_link(actor=request.user, call=call, ticket=ticket)
            return ticket

        ticket = attempt(form, None, create, {"files": "attachments"})
        if ticket:
            messages.success(request, _("Ticket %(number)s was registered.") % {"number": ticket.number})
            return redirect(ticket.get_absolute_url())
    return render(request, "service/form.html", {"form": form})


def _customer_of(request: AuthedRequest, call: Call) -> Customer | None:
    wanted = request.GET.get("customer") or (call.customer_id and str(call.customer_id))
    if not wanted or not str(wanted).isdigit():
        return None
    return get_visible_or_404(Customer.objects.all(), request.user, pk=wanted)


@perm_required("leads.create")
def lead_from_call(request: AuthedRequest, pk: int) -> HttpResponse:
    """A new lead for a caller nobody knows: the leads' own form, the number filled in (a mobile as the mobile)."""
    from urllib.parse import urlencode

    from guanxi.customers.keys import BadPhone, normalise_phone

    call = get_visible_or_404(Call.objects.all(), request.user, pk=pk)
    number = call.number_key or call.number
    try:
        normalise_phone(number, mobile=True)
        field = "mobile"
    except BadPhone:
        field = "phone"
    return redirect(f"{reverse('leads:create')}?{urlencode({field: number})}")


# --- click-to-call ------------------------------------------------------------------------------------


@require_POST
@login_required
def dial(request: AuthedRequest) -> HttpResponse:
    """Click-to-call from a phone number on a page: JSON for the page's script, a toast and back otherwise."""
    form = DialForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        error = _("Give a phone number.")
        return JsonResponse({"ok": False, "message": error}, status=400) if wants_json else _back(request, error)
    try:
        call = services.call_dial(actor=request.user, number=form.cleaned_data["number"])
    except DomainError as refusal:
        if wants_json:
            return JsonResponse({"ok": False, "message": str(refusal.message)}, status=refusal.status)
        return _back(request, str(refusal.message))
    text = _("Calling %(number)s: pick up your phone when it rings.") % {"number": call.number}
    if wants_json:
        return JsonResponse({"ok": True, "message": text, "call": call.pk})
    messages.success(request, text)
    return redirect(request.POST.get("next") or "calls:list")


def _back(request: AuthedRequest, error: str) -> HttpResponse:
    messages.error(request, error)
    return redirect(request.POST.get("next") or "core:home")


# --- settings: the PBX connection and the extensions ---------------------------------------------------


def _unit(request: AuthedRequest) -> BusinessUnit:
    """The unit whose settings are shown: the actor's, or (with the all-units scope) ``?unit=``."""
    from guanxi.core.permissions import grants_of
    from guanxi.core.scope import Scope

    wanted = request.GET.get("unit") or request.POST.get("unit")
    if wanted and grants_of(request.user).scope_of("call_settings.view") == Scope.ALL:
        unit = BusinessUnit.objects.filter(pk=wanted if str(wanted).isdigit() else 0).first()
        if unit is None:
            raise Http404
        return unit
    if request.user.business_unit_id is None:
        raise PermissionDenied
    return BusinessUnit.objects.get(pk=request.user.business_unit_id)


@perm_required("call_settings.view")
def call_settings(request: AuthedRequest) -> HttpResponse:
    unit = _unit(request)
    connection = PbxConnection.objects.visible_to(request.user).filter(business_unit=unit).first()
    may_edit = has_perm(request.user, "call_settings.edit")
    initial = {"dial_url": connection.dial_url, "area_code": connection.area_code} if connection else {}
    form = PbxConnectionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            saved = attempt(
                form,
                None,
                lambda: services.pbx_connection_save(
                    actor=request.user,
                    unit=unit,
                    dial_url=data["dial_url"],
                    key=data["key"],
                    area_code=data["area_code"],
                ),
            )
            if saved:
                messages.success(request, _("The PBX connection was saved."))
                return redirect(f"{reverse('calls:settings')}?unit={unit.pk}")
    extensions = {row.user_id: row.number for row in selectors.unit_extensions(actor=request.user, unit_id=unit.pk)}
    people = User.objects.filter(department__business_unit=unit, status=User.Status.ACTIVE).order_by("display_name")
    page = CappedPaginator(people, 50).get_page(request.GET.get("page"))
    rows = [(person, extensions.get(person.pk, "")) for person in page.object_list]
    context = {
        "unit": unit,
        "connection": connection,
        "form": form,
        "may_edit": may_edit,
        "rows": rows,
        "page_obj": page,
        "query_string": f"unit={unit.pk}",
    }
    return render(request, "calls/settings.html", context)


@require_POST
@perm_required("call_settings.edit")
def extension_save(request: AuthedRequest) -> HttpResponse:
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give an extension of 2 to 8 digits."))
        return redirect("calls:settings")
    person = get_visible_or_404(User.objects.all(), request.user, pk=form.cleaned_data["user"])
    number = form.cleaned_data["number"]
    done = attempt(
        None, request, lambda: services.extension_set(actor=request.user, user=person, number=number) or True
    )
    if done:
        messages.success(request, _("%(name)s's extension was saved.") % {"name": person.display_name})
    return redirect(f"{reverse('calls:settings')}?unit={person.business_unit_id or ''}")


def register() -> None:
    from guanxi.core import navigation, shell

    navigation.register(
        navigation.NavItem(
            gettext_lazy("Calls"), "calls:list", "phone-call", 42, navigation.needs("calls.view"),
            badge=lambda request: selectors.queue_today(actor=request.user),  # type: ignore[arg-type]
        )
    )  # fmt: skip
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Call centre"), "calls:settings", "phone-call", order=986,
            section=gettext_lazy("Administration"), visible=navigation.needs("call_settings.view"),
        )
    )  # fmt: skip
    shell.register(
        shell.ShellPart(
            "calls/pop_slot.html",
            lambda request: has_perm(request.user, "calls.view") and selectors.has_extension(request.user),
        )
    )
