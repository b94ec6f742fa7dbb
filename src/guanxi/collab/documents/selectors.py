"""Reads of folders and documents, each through the unit's gate and the folders' access (``access``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import User

from .access import folder_filter, level_of, manages_all
from .models import Document, DocumentVersion, Folder, Level
from .records import record_visible


def folders(*, actor: User, level: int = Level.VIEW) -> ScopedQuerySet[Folder]:
    return Folder.objects.visible_to(actor).filter(folder_filter(actor, level))


def folder_get(*, actor: User, pk: int) -> Folder:
    folder = folders(actor=actor).filter(pk=pk).first()
    if folder is None:
        raise Http404
    return folder


def children(*, actor: User, folder: Folder | None) -> QuerySet[Folder]:
    rows = folders(actor=actor)
    return rows.filter(parent=folder) if folder is not None else rows.filter(parent__isnull=True)


def top_folders(*, actor: User) -> list[Folder]:
    """The folders the actor reaches whose parent they do not: the roots of what they see."""
    rows = list(folders(actor=actor).order_by("path"))
    seen = {row.pk for row in rows}
    return [row for row in rows if row.parent_id not in seen]


def documents(*, actor: User) -> ScopedQuerySet[Document]:
    """The documents of the folders the actor may view. The folders are looked up first (a few hundred ids):
    the planner then knows how many rows the folder condition keeps, where the folders' OR of path prefixes
    inside the join looked like one folder and made it probe the search index once per folder."""
    rows = Document.objects.visible_to(actor)
    if not manages_all(actor):
        rows = rows.filter(folder_id__in=list(folders(actor=actor).values_list("pk", flat=True)))
    return rows.select_related("owner", "current")


def folder_documents(*, actor: User, folder: Folder) -> QuerySet[Document]:
    """A folder's documents, by name: the folder was opened through ``folder_get``, so its access is settled."""
    rows = Document.objects.visible_to(actor).filter(folder=folder).select_related("owner", "current")
    return rows.order_by("name", "pk")


def search(*, actor: User, query: str) -> QuerySet[Document]:
    """Documents by a fragment of their name or tags, among those the actor may see."""
    rows = documents(actor=actor)
    for term in query.lower().split()[:5]:
        rows = rows.filter(search_text__contains=term)
    return rows.order_by("name", "pk")


def record_documents(*, actor: User, record_type: str, record_id: int | str) -> QuerySet[Document]:
    """A record's files, for whoever sees the record (the caller checked that through the record's gate)."""
    return (
        Document.objects.visible_to(actor)
        .filter(record_type=record_type, record_id=str(record_id))
        .select_related("owner", "current")
        .order_by("-updated_at")
    )


def document_get(*, actor: User, pk: int, deleted: bool = False) -> Document:
    """One document: in a folder the actor may see, or belonging to a record they see."""
    manager = Document.all_objects if deleted else Document.objects
    document = (
        manager.visible_to(actor)
        .filter(pk=pk, deleted_at__isnull=not deleted)
        .select_related("folder", "owner", "current")
        .first()
    )
    if document is None:
        raise Http404
    if level_of(actor, document.folder) >= Level.VIEW:
        return document
    if document.record_type and record_visible(actor, document.record_type, document.record_id) is not None:
        return document
    raise Http404


def may_edit(actor: User, document: Document) -> bool:
    from guanxi.core.permissions import has_perm

    if not has_perm(actor, "documents.edit"):
        return False
    if level_of(actor, document.folder) >= Level.EDIT:
        return True
    return bool(document.record_type) and record_visible(actor, document.record_type, document.record_id) is not None


def versions(document: Document) -> QuerySet[DocumentVersion]:
    return document.versions.select_related("uploaded_by").order_by("-number")


def deleted_documents(*, actor: User) -> QuerySet[Document]:
    return (
        Document.all_objects.visible_to(actor)
        .filter(deleted_at__isnull=False)
        .filter(folder_filter(actor, Level.EDIT, prefix="folder__"))
        .select_related("folder")
        .order_by("-deleted_at")
    )
