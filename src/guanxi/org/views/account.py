from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.forms import show_error
from guanxi.core.http import AuthedRequest
from guanxi.core.middleware import ip_of

from .. import security, services, two_factor
from ..forms import LoginForm, PasswordChangeForm, ProfileForm
from ..models import User
from ..selectors import directory, find_people, people_among
from . import security as security_views


class LoginView(auth_views.LoginView):
    """Sign-in step one. The form checks the lockout and the password and logs the attempt; a user with
    two-factor sign-in then goes to the code step, still signed out."""

    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.pop("site_name", None)  # Django's is the host name; the shell's is the product's
        return context

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if two_factor.is_enabled(user):
            return security_views.signin_pending_start(self.request, user, self.get_success_url())
        response = super().form_valid(form)
        security.signin_succeeded(
            user=user, ip=ip_of(self.request), user_agent=self.request.META.get("HTTP_USER_AGENT", "")
        )
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if isinstance(request.user, User):
            security.signout_record(user=request.user, session_key=request.session.session_key)
        return super().post(request, *args, **kwargs)


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            show_error(form, error)
        else:
            messages.success(request, _("Your profile was saved."))
            response = redirect("org:profile")
            _remember_language(response, user.language)
            return response
    return render(request, "org/profile.html", {"form": form})


@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except (DomainError, ValidationError) as error:
            show_error(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect("core:home")
    return render(request, "org/password.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language: saved on the user when signed in, and in a cookie for the sign-in page."""
    language = request.POST.get("language", "")
    if language not in User.Language.values:
        language = ""
    if isinstance(request.user, User):
        services.user_set_language(user=request.user, language=language)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    _remember_language(response, language)
    return response


def _remember_language(response: HttpResponse, language: str) -> None:
    if language:
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)


@login_required
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(directory(actor=request.user), pk=pk)
    return render(
        request,
        "org/user_detail.html",
        {"person": person, "reports": directory(actor=request.user).filter(manager=person)},
    )


@login_required
def people_pick(request: AuthedRequest) -> JsonResponse:
    """Tom Select's options for a person menu too large to list (``PersonSelect``): the people the typed text
    finds among the same people the menu offers."""
    query = request.GET.get("q", "").strip()
    people = people_among(actor=request.user, among=request.GET.get("among", ""))
    found = find_people(people, query, limit=20) if query else []
    return JsonResponse({"results": [{"value": pk, "text": name, "detail": dept} for pk, name, dept in found]})
