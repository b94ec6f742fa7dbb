"""The region picker's one endpoint: the <option>s of a city or county select (htmx)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guanxi.core.http import AuthedRequest

from .forms import region_choices
from .services import FIELDS


@login_required
@require_GET
def region_options(request: AuthedRequest) -> HttpResponse:
    """``?name=city&parent=440000``: a placeholder and the regions under ``parent`` (none for an unknown
    code); ``name`` says which select asks, for its placeholder."""
    name = request.GET.get("name", "")
    if name not in FIELDS:
        return HttpResponseBadRequest("name must be province, city or county")
    parent = request.GET.get("parent", "").strip()[:12] or None
    context = {"choices": region_choices(name, parent)}
    return render(request, "customers/region_picker.html#options", context)
