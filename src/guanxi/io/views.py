"""The import wizard (upload → map → check → import, the page polling the job) and the export jobs' pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from guanxi.core.errors import DomainError
from guanxi.core.http import AuthedRequest
from guanxi.core.scope import get_visible_or_404

from . import exports, services
from .forms import MappingForm, UploadForm
from .kinds import KINDS
from .models import ExportJob, ImportJob, JobStatus, RejectedRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_REJECTED = 50


def _file(content: bytes, name: str, kind: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def imports(request: AuthedRequest) -> HttpResponse:
    """Start an import: the record type and the file; below, the user's earlier imports."""
    form = UploadForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_upload(
                actor=request.user, kind=form.cleaned_data["kind"], file_name=upload.name, content=upload.read()
            )
        except DomainError as error:
            form.add_error("file" if error.field == "file" else None, str(error.message))
        else:
            return redirect("io:import", job.pk)
    jobs = ImportJob.objects.visible_to(request.user)[:20]
    kinds = [kind for kind in KINDS.values() if services.may_import(request.user, kind)]
    return render(request, "io/imports.html", {"form": form, "jobs": jobs, "kinds": kinds})


@login_required
def import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    form = MappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_configure(
                actor=request.user,
                job=job,
                mapping=form.mapping(),
                strategy=form.cleaned_data["strategy"],
                owner=form.cleaned_data.get("owner"),
                pool=form.cleaned_data.get("pool"),
                lead_pool=form.cleaned_data.get("lead_pool"),
            )
            if request.POST.get("go") == "import":
                services.import_start(actor=request.user, job=job)
            else:
                services.import_check(actor=request.user, job=job)
        except DomainError as error:
            form.add_error(None, str(error.message))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("io:import", job.pk)
    return render(request, "io/import.html", {"job": job, "form": form, **_progress_context(job)})


@login_required
def import_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress panel the page polls while the job runs; once finished it tells the page to reload."""
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    response = render(request, "io/import_progress.html", {"job": job, **_progress_context(job)})
    if not job.is_busy:
        response["HX-Refresh"] = "true"
    return response


def _progress_context(job: ImportJob) -> dict[str, object]:
    return {
        "rejected": RejectedRow.objects.filter(job=job)[:SHOWN_REJECTED],
        "kind": KINDS[job.kind],
        "may_start": job.status in (JobStatus.UPLOADED, JobStatus.PREVIEWED, JobStatus.FAILED),
    }


@login_required
def import_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    content = services.import_error_file(actor=request.user, job=job)
    return _file(content, f"rejected-rows-{job.pk}.xlsx")


@login_required
def import_template(request: AuthedRequest, kind: str) -> HttpResponse:
    chosen = services.kind_of(kind) if kind in KINDS else None
    if chosen is None or not services.may_import(request.user, chosen):
        return HttpResponse(status=404)
    return _file(
        services.import_template(kind=chosen, unit=request.user.business_unit_id),
        f"{kind}-{request.LANGUAGE_CODE}.xlsx",
    )


# --- exports ----------------------------------------------------------------------------------------------


@login_required
def export_start(request: AuthedRequest, name: str) -> HttpResponse:
    """A list's export too large to write while the user waits: queued, then shown with its progress."""
    try:
        job = exports.export_start(
            actor=request.user, name=name, query=request.GET, file_format=request.GET.get("format", "xlsx")
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("core:home")
    return redirect("io:export_job", job.pk)


@login_required
def export_job(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ExportJob.objects.all(), request.user, pk=pk)
    template = "io/export_progress.html" if request.htmx else "io/export.html"
    return render(request, template, {"job": job})


@login_required
def export_download(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ExportJob.objects.all(), request.user, pk=pk)
    try:
        content = exports.export_file(actor=request.user, job=job)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("io:export_job", job.pk)
    kind = "text/csv" if job.file_format == "csv" else XLSX
    return _file(content, f"{job.name}-{job.pk}.{job.file_format}", kind)


def register() -> None:
    from guanxi.core import navigation

    navigation.register(navigation.NavItem(gettext_lazy("Import"), "io:imports", "file-import", 90, _may_import_any))


def _may_import_any(request: object) -> bool:
    user = getattr(request, "user", None)
    return any(services.may_import(user, kind) for kind in KINDS.values())  # type: ignore[arg-type]
