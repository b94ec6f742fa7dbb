from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404

from .. import selectors, services
from ..forms import DepartmentForm, DepartmentMoveForm, TeamForm, UnitForm
from ..models import BusinessUnit, Department, Team


@perm_required("org.view")
def department_list(request: AuthedRequest) -> HttpResponse:
    departments = selectors.department_tree(actor=request.user)
    units = BusinessUnit.objects.visible_to(request.user)
    return render(request, "org/departments/list.html", {"departments": departments, "units": units})


@perm_required("org.create")
def department_create(request: AuthedRequest) -> HttpResponse:
    initial = {"parent": request.GET.get("parent")}
    form = DepartmentForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = data.get("business_unit") or BusinessUnit.objects.first()
        created = attempt(
            form,
            request,
            lambda: services.department_create(
                actor=request.user,
                name=data["name"],
                parent=data["parent"],
                business_unit=unit,
                lead=data["lead"],
                sort_order=data["sort_order"],
            ),
        )
        if created:
            messages.success(request, _("Department %(name)s was added.") % {"name": created})
            return redirect("org:departments")
    return render(request, "org/departments/form.html", {"form": form})


@perm_required("org.edit")
def department_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    department = get_visible_or_404(Department.objects.all(), request.user, pk=pk)
    form = DepartmentForm(request.POST or None, instance=department, actor=request.user)
    move_form = DepartmentMoveForm(actor=request.user, initial={"parent": department.parent_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        department.refresh_from_db()
        saved = attempt(
            form,
            request,
            lambda: services.department_update(
                actor=request.user,
                department=department,
                name=data["name"],
                lead=data["lead"],
                sort_order=data["sort_order"],
            ),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("org:departments")
    context = {"form": form, "move_form": move_form, "department": department}
    return render(request, "org/departments/form.html", context)


@require_POST
@perm_required("org.edit")
def department_move(request: AuthedRequest, pk: int) -> HttpResponse:
    department = get_visible_or_404(Department.objects.all(), request.user, pk=pk)
    move_form = DepartmentMoveForm(request.POST, actor=request.user)
    if move_form.is_valid():
        parent = move_form.cleaned_data["parent"]
        if attempt(
            move_form,
            request,
            lambda: services.department_move(actor=request.user, department=department, parent=parent),
        ):
            messages.success(request, _("Department %(name)s was moved.") % {"name": department})
            return redirect("org:departments")
    form = DepartmentForm(instance=department, actor=request.user)
    context = {"form": form, "move_form": move_form, "department": department}
    return render(request, "org/departments/form.html", context, status=400)


@require_POST
@perm_required("org.delete")
def department_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    department = get_visible_or_404(Department.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.department_delete(actor=request.user, department=department)):
        messages.success(request, _("Department %(name)s was deleted.") % {"name": department})
    return redirect("org:departments")


@perm_required("org.view")
def team_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "org/teams/list.html", {"teams": selectors.team_list(actor=request.user)})


@perm_required("org.view")
def team_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    team = get_visible_or_404(Team.objects.all(), request.user, pk=pk) if pk else None
    form = TeamForm(request.POST or None, instance=team, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if team:
            team.refresh_from_db()
        saved = attempt(
            form,
            request,
            lambda: services.team_save(
                actor=request.user,
                team=team,
                name=data["name"],
                lead=data["lead"],
                members=list(data["members"]),
            ),
        )
        if saved:
            messages.success(request, _("Team %(name)s was saved.") % {"name": saved})
            return redirect("org:teams")
    return render(request, "org/teams/form.html", {"form": form, "team": team})


@require_POST
@perm_required("org.delete")
def team_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    team = get_visible_or_404(Team.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.team_delete(actor=request.user, team=team)):
        messages.success(request, _("Team %(name)s was deleted.") % {"name": team})
    return redirect("org:teams")


@perm_required("org.view")
def unit_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "org/units/list.html", {"units": BusinessUnit.objects.visible_to(request.user)})


@perm_required("org.view")
def unit_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    unit = get_visible_or_404(BusinessUnit.objects.all(), request.user, pk=pk) if pk else None
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        name, code = form.cleaned_data["name"], form.cleaned_data["code"]
        if unit:
            unit.refresh_from_db()
            call = lambda: services.unit_update(actor=request.user, unit=unit, name=name, code=code)  # noqa: E731
        else:
            call = lambda: services.unit_create(actor=request.user, name=name, code=code)  # noqa: E731
        if attempt(form, request, call):
            messages.success(request, _("Saved."))
            return redirect("org:units")
    return render(request, "org/units/form.html", {"form": form, "unit": unit})
