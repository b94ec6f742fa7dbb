"""Report, target and dashboard pages: thin — parse the filters, call one selector or service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.exports import export_audit, table_write
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import grants_of, has_perm, perm_required
from guanxi.core.replica import reads_replica
from guanxi.core.scope import Scope

from . import selectors, services
from .dashboards import AUDIENCES, CARDS, cards_available, cards_of
from .forms import AttainmentForm, ReportFilterForm, SavedViewForm, TargetGridForm
from .framework import GROUPS, Report, cell_records, company_today, report_get, reports_for, run
from .models import TargetKind
from .targets import attainment


def _report(request: AuthedRequest, name: str) -> Report:
    try:
        report = report_get(name)
    except LookupError:
        raise Http404 from None
    if not report.allowed(request.user):
        raise PermissionDenied
    return report


@perm_required("reports.view")
def index(request: AuthedRequest) -> HttpResponse:
    groups: dict[str, list[Report]] = {}
    for report in reports_for(request.user):
        groups.setdefault(str(GROUPS.get(str(report.group), report.group)), []).append(report)
    return render(request, "analytics/index.html", {"groups": groups})


@perm_required("reports.view")
@reads_replica
def report_page(request: AuthedRequest, name: str) -> HttpResponse:
    report = _report(request, name)
    form = ReportFilterForm(request.GET, report=report, actor=request.user)
    result = run(actor=request.user, report=report, filters=form.filters()) if form.is_valid() else None
    query = urlencode(form.filters().query(report)) if result else ""
    context = {
        "report": report,
        "filter_form": form,
        "result": result,
        "chart": result.chart() if result else None,
        "report_query": query,
        "saved_views": selectors.saved_views(actor=request.user, report=report.name),
        "save_form": SavedViewForm(initial={"query": query}),
        "can_export": has_perm(request.user, "reports.export"),
    }
    return render(request, "analytics/report.html", context)


@perm_required("reports.export")
@reads_replica
def report_export(request: AuthedRequest, name: str) -> HttpResponse:
    """The report's table as the reader sees it, to Excel (or CSV) through the shared writer."""
    report = _report(request, name)
    form = ReportFilterForm(request.GET, report=report, actor=request.user)
    if not form.is_valid():
        messages.error(request, _("Correct the filters first."))
        return redirect(reverse("analytics:report", args=[name]) + "?" + request.GET.urlencode())
    result = run(actor=request.user, report=report, filters=form.filters())
    table = selectors.result_table(result)
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content = table_write(table, file_format=file_format)
    export_audit(actor=request.user, table=table, rows=len(result.rows))
    kind = "text/csv" if file_format == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = (
        f'attachment; filename="{report.name}-{company_today().isoformat()}.{file_format}"'
    )
    return response


@perm_required("reports.view")
@reads_replica
def report_records(request: AuthedRequest, name: str) -> HttpResponse:
    """A cell's drill-down when the ordinary list cannot take every filter: the same records, listed."""
    report = _report(request, name)
    form = ReportFilterForm(request.GET, report=report, actor=request.user)
    if not form.is_valid():
        raise Http404
    rows = cell_records(actor=request.user, report=report, filters=form.filters(), cell=request.GET.get("cell", ""))
    if report.record_related:
        rows = rows.select_related(*report.record_related)
    page = Paginator(rows.order_by("-pk"), 50).get_page(request.GET.get("page"))
    back = reverse("analytics:report", args=[name]) + "?" + urlencode(form.filters().query(report))
    context = {"report": report, "page_obj": page, "back": back, "columns": selectors.record_columns(report)}
    context["lines"] = [selectors.record_line(report, record) for record in page.object_list]
    return render(request, "analytics/records.html", context)


@require_POST
@perm_required("reports.view")
def saved_view_create(request: AuthedRequest, name: str) -> HttpResponse:
    report = _report(request, name)
    form = SavedViewForm(request.POST)
    target = reverse("analytics:report", args=[name])
    if form.is_valid():
        try:
            view = services.saved_view_create(
                actor=request.user, report=report.name, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect(f"{target}?{form.cleaned_data['query']}")
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
        return redirect(f"{target}?{view.query}")
    messages.error(request, _("Give the view a name."))
    return redirect(target)


@require_POST
@login_required
def saved_view_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.saved_view_get(actor=request.user, pk=pk)
    services.saved_view_delete(actor=request.user, view=view)
    messages.success(request, _("View deleted."))
    return redirect("analytics:report", view.report)


# --- targets ------------------------------------------------------------------------------------------------


@perm_required("targets.view")
def targets_grid(request: AuthedRequest) -> HttpResponse:
    """A department's targets for a year, month by month, entered at once (SPEC §12.6)."""
    if not has_perm(request.user, "targets.configure"):
        return redirect("analytics:attainment")
    data = request.GET.copy() if request.method == "GET" else request.POST.copy()
    data.setdefault("year", str(company_today().year))
    data.setdefault("kind", TargetKind.AMOUNT)
    form = TargetGridForm(data, actor=request.user)
    if not form.is_valid():
        return render(request, "analytics/targets.html", {"form": form, "grid": None})
    year, kind, department = form.cleaned_data["year"], form.cleaned_data["kind"], form.cleaned_data["department"]
    if department is None and grants_of(request.user).scope("targets") not in (Scope.UNIT, Scope.ALL):
        department = request.user.department  # a department's manager: their own people
    query = urlencode({"year": year, "kind": kind, "department": department.pk if department else ""})
    errors: dict[str, list[str]] = {}
    submitted: dict[str, str] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is not None:  # the grid's Excel template, filled in: checked as if typed into the grid
                submitted = services.targets_cells_read(upload.read(), upload.name or "")
            else:
                submitted = {key: str(value) for key, value in request.POST.items() if services.CELL.match(key)}
            changed = services.targets_set(actor=request.user, year=year, kind=kind, cells=submitted)
        except ValidationError as error:
            errors = error.message_dict
        except DomainError as error:
            errors = {"__all__": [str(error.message)]}
        else:
            messages.success(request, _("Targets saved (%(count)s changed).") % {"count": changed})
            return redirect(f"{reverse('analytics:targets')}?{query}")
    grid = selectors.target_grid(actor=request.user, year=year, kind=kind, department=department, submitted=submitted)
    shown = {name for row in grid for name, _value in row.cells}
    general = errors.get("__all__", []) + [  # an uploaded row that is not in this grid
        f"{name}: {' '.join(found)}" for name, found in errors.items() if name != "__all__" and name not in shown
    ]
    return render(
        request,
        "analytics/targets.html",
        {
            "form": form,
            "grid": grid,
            "errors": errors,
            "general_errors": general,
            "grid_query": query,
            "months": range(1, 13),
            "kind": kind,
        },
        status=400 if errors else 200,
    )


@perm_required("targets.configure")
def targets_template(request: AuthedRequest) -> HttpResponse:
    """The grid as an Excel file to fill in and upload again: a row key, the name, the twelve months."""
    data = request.GET.copy()
    data.setdefault("year", str(company_today().year))
    data.setdefault("kind", TargetKind.AMOUNT)
    form = TargetGridForm(data, actor=request.user)
    if not form.is_valid():
        return redirect("analytics:targets")
    year, kind, department = form.cleaned_data["year"], form.cleaned_data["kind"], form.cleaned_data["department"]
    if department is None and grants_of(request.user).scope("targets") not in (Scope.UNIT, Scope.ALL):
        department = request.user.department
    grid = selectors.target_grid(actor=request.user, year=year, kind=kind, department=department)
    table = selectors.target_grid_table(grid, year=year, kind=kind)
    response = HttpResponse(
        table_write(table), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="targets-{year}-{kind}.xlsx"'
    return response


@perm_required("targets.view")
@reads_replica
def attainment_page(request: AuthedRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("year", str(company_today().year))
    data.setdefault("period", f"m{company_today().month}")
    form = AttainmentForm(data, actor=request.user)
    result = None
    if form.is_valid():
        result = attainment(
            actor=request.user,
            year=form.cleaned_data["year"],
            period=form.cleaned_data["period"] or "y",
            kind=form.cleaned_data["kind"] or TargetKind.AMOUNT,
            department=form.cleaned_data["department"],
        )
    context = {"form": form, "result": result, "can_configure": has_perm(request.user, "targets.configure")}
    return render(request, "analytics/attainment.html", context)


# --- dashboard ----------------------------------------------------------------------------------------------


@login_required
@reads_replica
def card(request: AuthedRequest, code: str) -> HttpResponse:
    """One dashboard card, loaded on its own by the home page (htmx)."""
    found = CARDS.get(code)
    if found is None or not found.available(request.user):
        raise Http404
    context = {"card": found, "data": found.data(request.user), "link": found.link(request.user)}
    return render(request, f"analytics/cards/{found.code}.html", context)


@login_required
def dashboard_settings(request: AuthedRequest) -> HttpResponse:
    available = cards_available(request.user)
    if request.method == "POST":
        try:
            services.dashboard_layout_set(
                actor=request.user, cards=request.POST.getlist("cards"), available=[card.code for card in available]
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Your dashboard is saved."))
            return redirect("core:home")
    chosen = cards_of(request.user)
    others = [card for card in available if card not in chosen]
    context = {"chosen": chosen, "others": others, "audiences": AUDIENCES}
    return render(request, "analytics/dashboard_settings.html", context)


def register() -> None:
    from guanxi.core import navigation

    section = gettext_lazy("Analytics")
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Reports"), "analytics:index", "chart-bar", 60, navigation.needs("reports.view"), section
        )
    )
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Sales targets"),
            "analytics:attainment",
            "target-arrow",
            61,
            navigation.needs("targets.view"),
            section,
        )
    )
