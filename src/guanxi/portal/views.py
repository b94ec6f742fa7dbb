"""The portal's pages (``/portal/``) for a partner's people, and the Portal tab of a partner's 360 page for
the company's own. Thin: parse, call one service or selector (through the gate), render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.middleware import ip_of
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404, partner_of
from guanxi.customers.models import Customer
from guanxi.org import security
from guanxi.org.views.account import LoginView, LogoutView
from guanxi.service.models import Ticket, TicketStatus

from . import selectors, services
from .forms import (
    AcceptForm,
    CustomerRegistrationForm,
    InvitationForm,
    LeadRegistrationForm,
    PasswordForm,
    TicketForm,
    TicketReplyForm,
)
from .models import Invitation, Outcome, PartnerMember, Registration

PER_PAGE = 20


def partner_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A portal page: signed-in partners' people only; others sign in at the portal, staff go home."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        if partner_of(request.user) is None:
            return redirect("core:home")
        request.portal_member = services.member_of(request.user)  # type: ignore[attr-defined]  # the layout's
        return view(request, *args, **kwargs)

    return wrapped


def _page(request: HttpRequest, rows: Any) -> Any:
    return CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def _member(request: AuthedRequest) -> Any:
    return request.portal_member  # type: ignore[attr-defined]


# --- signing in ------------------------------------------------------------------------------------------------


class PortalLoginView(LoginView):
    """The staff's sign-in (lockout, login log) in the portal's clothes, landing on the portal."""

    template_name = "portal/login.html"

    def get_default_redirect_url(self) -> str:
        return reverse("portal:home")


class PortalLogoutView(LogoutView):
    def get_success_url(self) -> str:
        return reverse("portal:login")


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link: choose a username and a password, then you are signed in."""
    try:
        invitation = services.invitation_open(token)
    except DomainError as error:
        return render(request, "portal/accept_refused.html", {"message": error.message}, status=410)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = attempt(
            form,
            request,
            lambda: services.invitation_accept(token=token, username=data["username"], password=data["password"]),
        )
        if user is not None:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            security.signin_succeeded(user=user, ip=ip_of(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("portal:home")
    return render(request, "portal/accept.html", {"form": form, "invitation": invitation})


@partner_page
def password(request: AuthedRequest) -> HttpResponse:
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(
            form,
            request,
            lambda: (
                services.partner_password_change(
                    user=request.user, old_password=data["old_password"], new_password=data["new_password"]
                )
                or True
            ),
        )
        if done:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("portal:home")
    return render(request, "portal/password.html", {"form": form})


# --- the partner's pages ---------------------------------------------------------------------------------------


@partner_page
def home(request: AuthedRequest) -> HttpResponse:
    member = _member(request)
    context = {
        "member": member,
        "figures": selectors.dashboard(actor=request.user),
        "recent": [
            (row, selectors.registration_status(row)) for row in selectors.registrations(actor=request.user)[:5]
        ],
    }
    return render(request, "portal/home.html", context)


@partner_page
def registration_list(request: AuthedRequest) -> HttpResponse:
    page = _page(request, selectors.registrations(actor=request.user))
    rows = [(row, selectors.registration_status(row)) for row in page]
    return render(request, "portal/registrations.html", {"page_obj": page, "rows": rows})


def _registered(request: AuthedRequest, registration: Registration) -> HttpResponse:
    if registration.outcome == Outcome.ACCEPTED:
        messages.success(request, _("Thank you: %(name)s is registered for you.") % {"name": registration.name})
    elif registration.outcome == Outcome.IN_REVIEW:
        messages.info(
            request,
            _("Thank you. %(name)s is already known to us, so our channel team will review your registration; "
              "the decision will show here.") % {"name": registration.name},
        )  # fmt: skip
    else:
        messages.warning(
            request,
            _("%(name)s is already registered with us and cannot be registered again.") % {"name": registration.name},
        )
    return redirect("portal:registrations")


@partner_page
def register_customer(request: AuthedRequest) -> HttpResponse:
    form = CustomerRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registration = attempt(
            form,
            request,
            lambda: services.registration_submit_customer(
                actor=request.user, data=form.customer_data(), contact=form.contact_data()
            ),
            aliases={"contact_mobile": "contact_mobile", "mobile": "contact_mobile", "email": "contact_email"},
        )
        if registration is not None:
            return _registered(request, registration)
    return render(request, "portal/register.html", {"form": form, "kind": "customer"})


@partner_page
def register_lead(request: AuthedRequest) -> HttpResponse:
    form = LeadRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registration = attempt(
            form, request, lambda: services.registration_submit_lead(actor=request.user, data=form.cleaned_data)
        )
        if registration is not None:
            return _registered(request, registration)
    return render(request, "portal/register.html", {"form": form, "kind": "lead"})


@partner_page
def customer_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    page = _page(request, selectors.customers(actor=request.user, q=q))
    return render(request, "portal/customers.html", {"page_obj": page, "q": q})


@partner_page
def customer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    context = {
        "customer": customer,
        "contracts": selectors.contracts(actor=request.user, customer=customer)[:20],
        "orders": selectors.orders(actor=request.user, customer=customer)[:20],
        "deliveries": selectors.deliveries(actor=request.user, customer=customer)[:20],
        "tickets": selectors.tickets(actor=request.user, customer=customer)[:20],
    }
    return render(request, "portal/customer.html", context)


@partner_page
def lead_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    page = _page(request, selectors.leads(actor=request.user, q=q))
    return render(request, "portal/leads.html", {"page_obj": page, "q": q})


@partner_page
def order_list(request: AuthedRequest) -> HttpResponse:
    page = _page(request, selectors.orders(actor=request.user))
    return render(request, "portal/orders.html", {"page_obj": page})


@partner_page
def delivery_list(request: AuthedRequest) -> HttpResponse:
    page = _page(request, selectors.deliveries(actor=request.user))
    return render(request, "portal/deliveries.html", {"page_obj": page})


@partner_page
def ticket_list(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = _page(request, selectors.tickets(actor=request.user, status=status))
    return render(request, "portal/tickets.html", {"page_obj": page, "status": status})


@partner_page
def ticket_new(request: AuthedRequest) -> HttpResponse:
    customers = selectors.customers(actor=request.user)
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else None
    form = TicketForm(request.POST or None, customers=customers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ticket = attempt(
            form,
            request,
            lambda: services.partner_ticket_open(actor=request.user, customer=data["customer"], data=data),
        )
        if ticket is not None:
            messages.success(request, _("Ticket %(number)s was opened.") % {"number": ticket.number})
            return redirect("portal:ticket", pk=ticket.pk)
    return render(request, "portal/ticket_form.html", {"form": form})


@partner_page
def ticket_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = get_visible_or_404(Ticket.objects.select_related("customer"), request.user, pk=pk)
    return _ticket_page(request, ticket, TicketReplyForm())


def _ticket_page(request: AuthedRequest, ticket: Ticket, form: TicketReplyForm) -> HttpResponse:
    context = {
        "ticket": ticket,
        "steps": selectors.ticket_steps(actor=request.user, ticket=ticket),
        "form": form if ticket.status != TicketStatus.ARCHIVED else None,
    }
    return render(request, "portal/ticket.html", context)


@partner_page
@require_POST
def ticket_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = get_visible_or_404(Ticket.objects.select_related("customer"), request.user, pk=pk)
    form = TicketReplyForm(request.POST)
    if form.is_valid():
        text = form.cleaned_data["text"]
        if attempt(form, request, lambda: services.partner_ticket_reply(actor=request.user, ticket=ticket, text=text)):
            messages.success(request, _("Your reply was sent."))
            return redirect(f"{reverse('portal:ticket', args=[ticket.pk])}#replies")
    return _ticket_page(request, ticket, form)


# --- the Portal tab of a partner's 360 page (the company's own people) ---------------------------------------


def _partner(request: AuthedRequest, pk: int) -> Customer:
    partner = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    if not selectors.is_partner(partner):
        raise Http404
    return partner


def _tab_context(request: AuthedRequest, partner: Customer) -> dict[str, Any]:
    return {
        "customer": partner,
        "members": selectors.partner_members(actor=request.user, partner=partner),
        "invitations": selectors.partner_invitations(actor=request.user, partner=partner),
        "form": InvitationForm(partner=partner),
        "may_invite": has_perm(request.user, "portal.create"),
        "may_revoke": has_perm(request.user, "portal.edit"),
    }


@perm_required("portal.view")
def partner_tab(request: AuthedRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk)
    return render(request, "portal/partner_tab.html", _tab_context(request, partner))


@require_POST
@perm_required("portal.create")
def invite(request: AuthedRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk)
    form = InvitationForm(request.POST, partner=partner)
    if form.is_valid():
        data = form.cleaned_data
        sent = attempt(
            None,
            request,
            lambda: services.invitation_send(
                actor=request.user, partner=partner, name=data["name"], email=data["email"], contact=data["contact"]
            ),
        )
        if sent is not None:
            messages.success(request, _("The invitation was sent to %(email)s.") % {"email": sent[0].email})
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect(f"{reverse('customers:detail', args=[partner.pk])}?tab=portal")


@require_POST
@perm_required("portal.edit")
def invitation_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    invitation = get_visible_or_404(Invitation.objects.select_related("partner"), request.user, pk=pk)
    if attempt(None, request, lambda: services.invitation_revoke(actor=request.user, invitation=invitation) or True):
        messages.success(request, _("The invitation was revoked."))
    return redirect(f"{reverse('customers:detail', args=[invitation.partner_id])}?tab=portal")


def _member_status(request: AuthedRequest, pk: int, *, active: bool) -> HttpResponse:
    member = get_visible_or_404(PartnerMember.objects.select_related("user", "partner"), request.user, pk=pk)
    change = services.partner_member_reactivate if active else services.partner_member_deactivate
    if attempt(None, request, lambda: change(actor=request.user, member=member)):
        if active:
            messages.success(request, _("%(name)s may use the portal again.") % {"name": member.user})
        else:
            messages.success(request, _("%(name)s can no longer use the portal.") % {"name": member.user})
    return redirect(f"{reverse('customers:detail', args=[member.partner_id])}?tab=portal")


@require_POST
@perm_required("portal.edit")
def member_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    return _member_status(request, pk, active=False)


@require_POST
@perm_required("portal.edit")
def member_reactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    return _member_status(request, pk, active=True)


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.customers.views import DetailTab, register_detail_tab

    register_detail_tab(DetailTab("portal", gettext_lazy("Portal"), "portal.view", shown=selectors.is_partner))
