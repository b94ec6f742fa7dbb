"""The public web-to-lead pages (SPEC §5.2): no sign-in, no session, embeddable in another site's page.

They take cross-site posts without a CSRF token: CSRF protects a signed-in user's authority, and these
pages act for nobody. Spam and floods are stopped by ``webforms.webform_submit`` instead."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from guanxi.core.errors import DomainError
from guanxi.core.middleware import ip_of

from ..forms import WebLeadForm
from ..models import LeadForm
from ..webforms import HONEYPOT, webform_submit, webform_token


def _definition(key: str) -> LeadForm:
    definition = LeadForm.objects.filter(key=key).first()
    if definition is None or not definition.is_active:
        raise Http404
    return definition


def _embeddable(response: HttpResponse, definition: LeadForm) -> HttpResponse:
    """May be framed by the sites the administrator listed (any site when none is listed)."""
    sites = definition.allowed_sites.split() or ["*"]
    response._csp_replace = {"frame-ancestors": sites}  # type: ignore[attr-defined]
    return response


@csrf_exempt
@xframe_options_exempt
def webform(request: HttpRequest, key: str) -> HttpResponse:
    definition = _definition(key)
    form = WebLeadForm(request.POST or None, definition=definition, initial={"token": webform_token(definition)})
    status = 200
    if request.method == "POST":
        form.is_valid()  # field messages for the shape of the input; the service decides
        try:
            webform_submit(
                form=definition,
                data=request.POST,
                token=request.POST.get("token", ""),
                honeypot=request.POST.get(HONEYPOT, ""),
                ip=ip_of(request),
            )
        except (DomainError, ValidationError) as error:
            status = getattr(error, "status", 400)
            if getattr(error, "code", "") == "form_expired":  # a fresh stamp, so that sending again works
                data = request.POST.copy()
                data["token"] = webform_token(definition)
                form.data = data
            _show(form, error)
        else:
            return redirect("leads:webform_thanks", definition.key)
    response = render(request, "leads/public/form.html", {"form": form, "definition": definition}, status=status)
    return _embeddable(response, definition)


@xframe_options_exempt
def webform_thanks(request: HttpRequest, key: str) -> HttpResponse:
    definition = _definition(key)
    response = render(request, "leads/public/thanks.html", {"definition": definition})
    return _embeddable(response, definition)


def _show(form: WebLeadForm, error: DomainError | ValidationError) -> None:
    """The service's messages on their fields, without repeating what the form already said."""
    if isinstance(error, DomainError):
        pairs = [(error.field if error.field in form.fields else None, str(error.message))]
    else:
        pairs = [
            (name if name in form.fields else None, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    for name, message in pairs:
        if message not in form.errors.get(name or "__all__", []):
            form.add_error(name, message)
