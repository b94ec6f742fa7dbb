from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import ACTIONS, MODULES, perm_required
from guanxi.core.scope import get_visible_or_404

from .. import selectors, services
from ..forms import RoleForm
from ..models import Role


@perm_required("roles.view")
def role_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "org/roles/list.html", {"roles": selectors.role_list(actor=request.user)})


@perm_required("roles.view")
def role_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    role = get_visible_or_404(Role.objects.all(), request.user, pk=pk) if pk else None
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if role:
            role.refresh_from_db()
        saved = attempt(form, request, lambda: services.role_save(actor=request.user, role=role, **data))
        if saved:
            messages.success(request, _("Role %(name)s was saved.") % {"name": saved})
            return redirect("org:roles")
    checked = set(form["permissions"].value() or [])
    matrix = [
        (
            module,
            [(action, f"{module.code}.{action}" if action in module.actions else None) for action in ACTIONS],
        )
        for module in MODULES.values()
        if module.kind != "personal"  # held by everyone, never granted by a role
    ]
    context = {"form": form, "role": role, "matrix": matrix, "actions": ACTIONS, "checked": checked}
    return render(request, "org/roles/form.html", context)


@require_POST
@perm_required("roles.delete")
def role_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    role = get_visible_or_404(Role.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.role_delete(actor=request.user, role=role)):
        messages.success(request, _("Role %(name)s was deleted.") % {"name": role})
    return redirect("org:roles")
