"""Document pages: the folder tree and a folder's contents, search, a document with its versions (upload a
new one, restore an older one), in-browser preview of images and PDFs, a folder's access, the bin, and the
files of a record shown on its page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required

from ..documents import selectors, services
from ..documents.access import level_of, manages_all
from ..documents.models import DocumentVersion, Level
from ..documents.records import KINDS, record_visible
from ..forms import FolderForm, GrantForm, MoveFolderForm, UploadForm, VersionForm

# A search counts its matches up to here ("more than 1,000"): a common fragment matches a fifth of the library,
# and counting fifty thousand of them cost more than the rest of the page; a longer query narrows it.
SEARCH_CAP = 1_000


@perm_required("documents.view")
def document_home(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context = {
        "folders": selectors.top_folders(actor=request.user),
        "q": query,
        "results": CappedPaginator(selectors.search(actor=request.user, query=query), 50, cap=SEARCH_CAP).get_page(
            request.GET.get("page")
        )
        if query
        else None,
        "may_create_root": manages_all(request.user) and has_perm(request.user, "documents.create"),
    }
    return render(request, "collab/documents/home.html", context)


@perm_required("documents.view")
def folder_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    folder = selectors.folder_get(actor=request.user, pk=pk)
    level = level_of(request.user, folder)
    documents = selectors.folder_documents(actor=request.user, folder=folder)
    context = {
        "folder": folder,
        "level": level,
        "may_edit": level >= Level.EDIT and has_perm(request.user, "documents.edit"),
        "may_manage": level >= Level.MANAGE and has_perm(request.user, "documents.edit"),
        "ancestors": selectors.folders(actor=request.user).filter(pk__in=_ancestor_ids(folder)).order_by("path"),
        "children": selectors.children(actor=request.user, folder=folder),
        "page_obj": CappedPaginator(documents, 50).get_page(request.GET.get("page")),
        "upload_form": UploadForm(),
    }
    return render(request, "collab/documents/folder.html", context)


def _ancestor_ids(folder: object) -> list[int]:
    path = str(getattr(folder, "path", ""))
    return [int(part) for part in path.strip("/").split("/")[:-1] if part]


@perm_required("documents.create")
def folder_create(request: AuthedRequest) -> HttpResponse:
    parent = (
        selectors.folder_get(actor=request.user, pk=int(request.GET["parent"])) if request.GET.get("parent") else None
    )
    form = FolderForm(request.POST or None, initial={"inherit": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        folder = attempt(form, None, lambda: services.folder_create(
            actor=request.user, name=data["name"], parent=parent, inherit=data["inherit"]))  # fmt: skip
        if folder:
            return redirect(folder.get_absolute_url())
    return render(request, "collab/documents/folder_form.html", {"form": form, "parent": parent})


@perm_required("documents.edit")
def folder_move(request: AuthedRequest, pk: int) -> HttpResponse:
    folder = selectors.folder_get(actor=request.user, pk=pk)
    targets = selectors.folders(actor=request.user, level=Level.EDIT).exclude(pk=folder.pk).order_by("path")
    form = MoveFolderForm(request.POST or None, folders=targets)
    if request.method == "POST" and form.is_valid():
        moved = attempt(
            form,
            None,
            lambda: services.folder_move(actor=request.user, folder=folder, parent=form.cleaned_data["parent"]),
        )
        if moved:
            messages.success(request, _("Saved."))
            return redirect(moved.get_absolute_url())
    return render(request, "collab/documents/folder_move.html", {"form": form, "folder": folder})


@perm_required("documents.edit")
def folder_access(request: AuthedRequest, pk: int) -> HttpResponse:
    folder = selectors.folder_get(actor=request.user, pk=pk)
    if level_of(request.user, folder) < Level.MANAGE:
        raise PermissionDenied
    grants = list(folder.grants.select_related("user", "department", "role"))
    form = GrantForm(request.POST or None, unit=folder.business_unit_id)
    if request.method == "POST":
        action = request.POST.get("action")
        current = [{"level": g.level, "user": g.user, "department": g.department, "role": g.role} for g in grants]
        inherit = folder.inherit
        if action == "remove":
            current = [row for index, row in enumerate(current) if str(index) != request.POST.get("index")]
        elif action == "inherit":
            inherit = request.POST.get("inherit") == "on"
        elif form.is_valid():
            current.append(dict(form.cleaned_data))
        else:
            return render(request, "collab/documents/access.html", {"folder": folder, "grants": grants, "form": form})
        saved = attempt(
            form,
            None,
            lambda: services.folder_access_set(actor=request.user, folder=folder, inherit=inherit, grants=current),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("collab:folder_access", pk=folder.pk)
    return render(request, "collab/documents/access.html", {"folder": folder, "grants": grants, "form": form})


@require_POST
@perm_required("documents.create")
def document_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    folder = selectors.folder_get(actor=request.user, pk=pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        document = attempt(None, request, lambda: services.document_upload(
            actor=request.user, folder=folder, upload=data["file"], name=data["name"], tags=data["tags"]))  # fmt: skip
        if document:
            messages.success(request, _("Uploaded."))
            return redirect(document.get_absolute_url())
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect(folder.get_absolute_url())


@perm_required("documents.view")
def document_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    record = record_visible(request.user, document.record_type, document.record_id) if document.record_type else None
    context = {
        "document": document,
        "versions": selectors.versions(document),
        "may_edit": selectors.may_edit(request.user, document),
        "version_form": VersionForm(),
        "record": record,
        "record_kind": KINDS.get(document.record_type),
    }
    return render(request, "collab/documents/detail.html", context)


@require_POST
@perm_required("documents.edit")
def document_version_add(request: AuthedRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        added = attempt(None, request, lambda: services.document_version_add(
            actor=request.user, document=document, upload=data["file"], note=data["note"]))  # fmt: skip
        if added:
            messages.success(request, _("Version %(number)d uploaded.") % {"number": added.number})
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect(document.get_absolute_url())


@require_POST
@perm_required("documents.edit")
def document_version_restore(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    version = DocumentVersion.objects.filter(document=document, number=number).first()
    if version is None:
        raise Http404
    restored = attempt(
        None, request, lambda: services.document_version_restore(actor=request.user, document=document, version=version)
    )
    if restored:
        messages.success(
            request, _("Version %(old)d restored as version %(new)d.") % {"old": number, "new": restored.number}
        )
    return redirect(document.get_absolute_url())


@perm_required("documents.view")
def document_file(request: AuthedRequest, pk: int, number: int | None = None) -> FileResponse:
    """The file of the current (or a given) version; ``?inline=1`` shows an image or a PDF in the browser."""
    document = selectors.document_get(actor=request.user, pk=pk)
    version = document.current if number is None else document.versions.filter(number=number).first()
    if version is None:
        raise Http404
    inline = request.GET.get("inline") == "1" and (
        version.content_type.startswith("image/") or version.content_type == "application/pdf"
    )
    response = FileResponse(
        version.file.open("rb"), as_attachment=not inline, filename=version.file_name, content_type=version.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    if inline:  # nothing in the file may run scripts or load anything; a PDF opens in the browser's viewer
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'"
        )
    return response


@perm_required("documents.view")
def document_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    if not document.content_type.startswith("image/"):
        raise Http404
    return render(request, "collab/documents/preview.html", {"document": document})


@require_POST
@perm_required("documents.edit")
def document_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    if attempt(None, request, lambda: services.document_delete(actor=request.user, document=document)) is not False:
        messages.success(request, _("Deleted. You can restore it from the bin."))
    return redirect(document.folder.get_absolute_url())


@perm_required("documents.edit")
def document_bin(request: AuthedRequest) -> HttpResponse:
    rows = CappedPaginator(selectors.deleted_documents(actor=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "collab/documents/bin.html", {"page_obj": rows})


@require_POST
@perm_required("documents.edit")
def document_restore(request: AuthedRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk, deleted=True)
    restored = attempt(None, request, lambda: services.document_restore(actor=request.user, document=document))
    if restored:
        messages.success(request, _("Restored."))
        return redirect(restored.get_absolute_url())
    return redirect("collab:document_bin")


@perm_required("documents.view")
def record_documents(request: AuthedRequest, record_type: str, pk: int) -> HttpResponse:
    """A record's files, loaded into its page (the customer's tab, an opportunity's or a ticket's panel)."""
    record = record_visible(request.user, record_type, pk)
    if record is None:
        raise Http404
    if request.method == "POST":
        if not has_perm(request.user, "documents.create"):
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            attempt(None, request, lambda: services.record_document_upload(
                actor=request.user, record_type=record_type, record_id=str(pk), upload=form.cleaned_data["file"],
                tags=form.cleaned_data["tags"]))  # fmt: skip
        return redirect(f"{record.get_absolute_url()}{'?tab=documents' if record_type == 'customers.customer' else ''}")  # type: ignore[attr-defined]
    rows = list(selectors.record_documents(actor=request.user, record_type=record_type, record_id=pk)[:50])
    context = {"documents": rows, "record_type": record_type, "record": record, "upload_form": UploadForm()}
    return render(request, "collab/documents/record.html", context)
