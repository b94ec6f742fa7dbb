"""Pages of sign-in security (SPEC §1.5): the two-factor sign-in step, the user's own security page, and
the administrators' login log, online users, inactivity report and password reset."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.forms import show_error
from guanxi.core.http import AuthedRequest
from guanxi.core.middleware import ip_of
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from .. import security, selectors, two_factor
from ..forms import (
    InactivityFilterForm,
    LoginLogFilterForm,
    PasswordResetForm,
    SignInCodeForm,
    TwoFactorDisableForm,
    TwoFactorEnableForm,
)
from ..models import User, UserSession

PENDING = "signin_pending"  # session key: the user who passed the password step, awaiting their code
PENDING_SECONDS = 5 * 60
SETUP_SECRET = "two_factor_setup_secret"  # session key: the secret shown until the user confirms it
PAGE_SIZE = 50


def _agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Signing in --------------------------------------------------------------------------------------


def signin_pending_start(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """The password was right and the user has two-factor sign-in: remember who, not signed in yet."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "next": next_url,
        "since": time.time(),
    }
    return redirect("org:signin_code")


@sensitive_post_parameters("code")
@never_cache
def signin_code(request: HttpRequest) -> HttpResponse:
    """Sign-in step two: the code from the authenticator app. Only now is the session signed in."""
    pending = request.session.get(PENDING)
    user = User.objects.filter(pk=pending["user"]).first() if pending else None
    if pending is None or user is None or time.time() - pending["since"] > PENDING_SECONDS:
        if pending is not None:
            del request.session[PENDING]
            messages.info(request, _("That took too long. Please sign in again."))
        return redirect("org:login")
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            security.signin_check_code(
                user=user, code=form.cleaned_data["code"], ip=ip_of(request), user_agent=_agent(request)
            )
        except security.SignInRefused as error:
            form.add_error("code", str(error.message))
            if error.code != "two_factor_failed":  # locked or frozen: start again from the password
                del request.session[PENDING]
        else:
            del request.session[PENDING]
            login(request, user, backend=pending["backend"])
            security.signin_succeeded(user=user, ip=ip_of(request), user_agent=_agent(request))
            return HttpResponseRedirect(pending["next"] or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "org/security/signin_code.html", {"form": form})


# --- The user's own security page ------------------------------------------------------------------


@sensitive_post_parameters("code")
@login_required
def security_page(request: AuthedRequest) -> HttpResponse:
    """Two-factor sign-in (turn on with a code, off with the password) and the user's sessions."""
    user = request.user
    enabled = two_factor.is_enabled(user)
    enable_form = TwoFactorEnableForm(request.POST or None)
    if not enabled and request.method == "POST" and enable_form.is_valid():
        secret = request.session.get(SETUP_SECRET, "")
        try:
            two_factor.two_factor_enable(user=user, secret=secret, code=enable_form.cleaned_data["code"])
        except DomainError as error:
            show_error(enable_form, error)
        else:
            del request.session[SETUP_SECRET]
            messages.success(request, _("Two-factor sign-in is on. You will be asked for a code when you sign in."))
            return redirect("org:security")
    context: dict[str, Any] = {
        "enabled": enabled,
        "required": two_factor.is_required(user),
        "enable_form": enable_form,
        "disable_form": TwoFactorDisableForm(),
        "sessions": UserSession.objects.filter(user=user).order_by("-last_seen_at")[:20],
        "current_session": request.session.session_key,
    }
    if not enabled:
        secret = request.session.setdefault(SETUP_SECRET, two_factor.new_secret())
        uri = two_factor.provisioning_uri(user=user, secret=secret)
        # The SVG is drawn by our own code from our own data, hence safe to embed.
        context |= {"secret": secret, "qr_svg": mark_safe(two_factor.qr_svg(uri))}
    return render(request, "org/security/security.html", context)


@sensitive_post_parameters("password")
@login_required
@require_POST
def two_factor_disable(request: AuthedRequest) -> HttpResponse:
    form = TwoFactorDisableForm(request.POST)
    if form.is_valid():
        try:
            two_factor.two_factor_disable(user=request.user, password=form.cleaned_data["password"])
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Two-factor sign-in is off."))
    else:
        messages.error(request, _("Enter your password to turn two-factor sign-in off."))
    return redirect("org:security")


@login_required
@require_POST
def my_session_end(request: AuthedRequest, pk: int) -> HttpResponse:
    session = UserSession.objects.filter(user=request.user, pk=pk).first()
    if session is None:
        return redirect("org:security")
    security.session_end_own(user=request.user, session=session)
    messages.success(request, _("That session was signed out."))
    return redirect("org:security")


# --- Administrators' pages ---------------------------------------------------------------------------


@perm_required("org.view")
def login_log(request: AuthedRequest) -> HttpResponse:
    form = LoginLogFilterForm(request.GET)
    form.is_valid()  # a bad filter is marked on its field; the valid ones still apply
    filters = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
    attempts = selectors.login_log(actor=request.user, **filters)
    return render(request, "org/security/login_log.html", {"filter_form": form, "page_obj": _page(request, attempts)})


@perm_required("org.view")
def online_users(request: AuthedRequest) -> HttpResponse:
    sessions = selectors.online_sessions(actor=request.user)
    context = {
        "page_obj": _page(request, sessions),
        "can_end": has_perm(request.user, "org.edit"),
        "current_session": request.session.session_key,
    }
    return render(request, "org/security/online_users.html", context)


@perm_required("org.edit")
@require_POST
def session_end(request: AuthedRequest, pk: int) -> HttpResponse:
    """Force logout (强制下线): the session's very next request is signed out."""
    session = get_visible_or_404(UserSession.objects.all(), request.user, pk=pk)
    security.session_force_end(actor=request.user, session=session)
    messages.success(request, _("%(user)s was signed out.") % {"user": session.user})
    return redirect("org:online_users")


@perm_required("org.view")
def inactive_users(request: AuthedRequest) -> HttpResponse:
    form = InactivityFilterForm(request.GET)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 14
    users = selectors.inactive_users(actor=request.user, days=days)
    context = {"filter_form": form, "page_obj": _page(request, users), "days": days}
    return render(request, "org/security/inactive_users.html", context)


@sensitive_post_parameters("new_password1", "new_password2")
@perm_required("org.edit")
def user_password_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(User.objects.get_queryset(), request.user, pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            security.user_reset_password(
                actor=request.user, user=person, new_password=form.cleaned_data["new_password1"]
            )
        except (DomainError, ValidationError) as error:
            show_error(form, error)
        else:
            messages.success(request, _("The password of %(user)s was reset.") % {"user": person})
            if person.is_active:
                return redirect("org:user_detail", pk=person.pk)
            return redirect("org:user_password_reset", pk=person.pk)
    return render(request, "org/security/password_reset.html", {"form": form, "person": person})
