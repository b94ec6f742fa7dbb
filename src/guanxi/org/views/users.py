from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.auditlog.selectors import record_history
from guanxi.core.config.custom_forms import add_custom_filters, custom_cells, custom_filter_apply, custom_values_from
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404

from .. import selectors, services
from ..forms import LeaveForm, UserFilterForm, UserForm
from ..models import User
from .common import paginate


@perm_required("org.view")
def user_list(request: AuthedRequest) -> HttpResponse:
    filter_form = UserFilterForm(request.GET or None, actor=request.user)
    add_custom_filters(filter_form, User, request.user.business_unit_id)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    users = custom_filter_apply(
        selectors.user_list(actor=request.user, filters=filters), User, request.user.business_unit_id, filters
    )
    page = paginate(request, users)
    columns = custom_cells(
        User, request.user.business_unit_id, list(page.object_list)
    )  # fills the page's result cache, which the template reuses
    return render(request, "org/users/list.html", {"filter_form": filter_form, "page_obj": page, "columns": columns})


@perm_required("org.view")
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(User.objects.select_related("department", "manager"), request.user, pk=pk)
    return render(
        request,
        "org/users/detail.html",
        {
            "person": person,
            "roles": person.roles.all(),
            "owned": services.handover_summary(user=person),
            "history": record_history(actor=request.user, obj=person),
        },
    )


@perm_required("org.create")
def user_create(request: AuthedRequest) -> HttpResponse:
    form = UserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = _user_data(form)
        roles = list(data.pop("roles", []))
        user = attempt(form, request, lambda: services.user_create(actor=request.user, roles=roles, **data))
        if user:
            messages.success(request, _("%(name)s was added.") % {"name": user})
            return redirect("org:user_admin", user.pk)
    return render(request, "org/users/form.html", {"form": form})


@perm_required("org.edit")
def user_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(User.objects.all(), request.user, pk=pk)
    form = UserForm(request.POST or None, instance=person, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = _user_data(form)
        roles = list(data.pop("roles")) if "roles" in data else None
        person.refresh_from_db()  # the form wrote onto the instance; the service compares before/after
        if attempt(form, request, lambda: services.user_update(actor=request.user, user=person, roles=roles, **data)):
            messages.success(request, _("Saved."))
            return redirect("org:user_admin", person.pk)
    return render(request, "org/users/form.html", {"form": form, "person": person})


@require_POST
@perm_required("org.edit")
def user_freeze(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(User.objects.all(), request.user, pk=pk)
    if request.POST.get("unfreeze"):
        if attempt(None, request, lambda: services.user_unfreeze(actor=request.user, user=person)):
            messages.success(request, _("%(name)s can sign in again.") % {"name": person})
    elif attempt(None, request, lambda: services.user_freeze(actor=request.user, user=person)):
        messages.success(request, _("%(name)s is frozen and was signed out.") % {"name": person})
    return redirect("org:user_admin", person.pk)


@perm_required("org.assign")
def user_leave(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(User.objects.all(), request.user, pk=pk)
    form = LeaveForm(request.POST or None, actor=request.user, leaving=person)
    if request.method == "POST" and form.is_valid():
        done = attempt(
            form,
            request,
            lambda: services.user_leave(
                actor=request.user,
                user=person,
                successor=form.cleaned_data["successor"],
                customers_to_pool=form.cleaned_data.get("customers_to_pool", False),
            ),
        )
        if done:
            messages.success(request, _("%(name)s has left; everything was handed over.") % {"name": person})
            return redirect("org:user_admin", person.pk)
    context = {"form": form, "person": person, "owned": services.handover_summary(user=person)}
    return render(request, "org/users/leave.html", context)


def _user_data(form: UserForm) -> dict[str, Any]:
    """The form's own fields plus the custom-field values under ``custom`` (cleaned by the service)."""
    data = {name: value for name, value in form.cleaned_data.items() if not name.startswith("custom.")}
    data["custom"] = custom_values_from(form)
    return data
