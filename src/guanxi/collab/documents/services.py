"""Every write on folders and documents (SPEC §14.5): folder access inherited down the tree, moves that
cannot make a loop, uploads checked by size and content, versions added and restored, soft delete with
restore. Each runs in one transaction and checks everything before it writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.org.models import Department, Role, User

from ..files import Checked, check_upload
from .access import level_of, manages_all
from .models import Document, DocumentVersion, Folder, FolderGrant, Level
from .records import KINDS, record_visible


def _need(actor: User, folder: Folder, level: int) -> None:
    if not Folder.objects.visible_to(actor).filter(pk=folder.pk).exists() or level_of(actor, folder) < level:
        raise NotPermitted(_("You do not have this access to the folder."))


def _clean_name(name: str, field: str = "name") -> str:
    name = " ".join(str(name or "").split())[:100]
    if not name or "/" in name:
        raise DomainError(_("Enter a name without '/'."), field=field)
    return name


@transaction.atomic
def folder_create(*, actor: User, name: str, parent: Folder | None = None, inherit: bool = True) -> Folder:
    """A folder under ``parent`` (edit access there), or at the top (document administrators only). Its
    creator may manage it."""
    require_perm(actor, "documents.create")
    name = _clean_name(name)
    if parent is None:
        if not manages_all(actor):
            raise NotPermitted(_("Only document administrators create top-level folders."))
        unit = actor.business_unit_id
        if unit is None:
            raise NotPermitted(_("Only members of a business unit can keep documents."))
    else:
        _need(actor, parent, Level.EDIT)
        unit = parent.business_unit_id
    if Folder.objects.filter(business_unit_id=unit, parent=parent, name=name).exists():
        raise DomainError(_("A folder of this name is already here."), field="name", code="duplicate")
    folder = Folder.objects.create(business_unit_id=unit, parent=parent, name=name, inherit=inherit, created_by=actor)
    base = parent.path if parent else "/"
    folder.path = f"{base}{folder.pk}/"
    folder.acl_root = folder.path if not inherit or parent is None else parent.acl_root
    Folder.objects.filter(pk=folder.pk).update(path=folder.path, acl_root=folder.acl_root)
    if not manages_all(actor):
        FolderGrant.objects.create(folder=folder, user=actor, level=Level.MANAGE)
    audit_log(actor=actor, action=Action.CREATE, obj=folder)
    return folder


def _lock_folder(actor: User, folder: Folder, level: int) -> Folder:
    require_perm(actor, "documents.edit")
    row = Folder.objects.visible_to(actor).select_for_update().filter(pk=folder.pk).first()
    if row is None:
        raise NotPermitted(_("You do not have this access to the folder."))
    _need(actor, row, level)
    return row


@transaction.atomic
def folder_update(*, actor: User, folder: Folder, name: str) -> Folder:
    row = _lock_folder(actor, folder, Level.MANAGE)
    new = _clean_name(name)
    if (
        Folder.objects.filter(business_unit_id=row.business_unit_id, parent=row.parent_id, name=new)
        .exclude(pk=row.pk)
        .exists()
    ):
        raise DomainError(_("A folder of this name is already here."), field="name", code="duplicate")
    before = row.name
    Folder.objects.filter(pk=row.pk).update(name=new, updated_at=timezone.now(), version=F("version") + 1)
    row.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"name": [before, new]})
    return row


def _subtree(folder: Folder) -> list[Folder]:
    return list(Folder.all_objects.filter(business_unit_id=folder.business_unit_id, path__startswith=folder.path))


@transaction.atomic
def folder_move(*, actor: User, folder: Folder, parent: Folder | None) -> Folder:
    """Move a folder (and everything in it) under another one; never into itself or one of its own folders."""
    row = _lock_folder(actor, folder, Level.MANAGE)
    if parent is None:
        if not manages_all(actor):
            raise NotPermitted(_("Only document administrators create top-level folders."))
    else:
        parent = Folder.objects.select_for_update().get(pk=parent.pk)
        if parent.path.startswith(row.path):
            raise DomainError(
                _("A folder cannot move into itself or one of its own folders."), field="parent", code="folder_loop"
            )
        if parent.business_unit_id != row.business_unit_id:
            raise DomainError(_("Choose a folder of the same business unit."), field="parent")
        _need(actor, parent, Level.EDIT)
    if (
        Folder.objects.filter(business_unit_id=row.business_unit_id, parent=parent, name=row.name)
        .exclude(pk=row.pk)
        .exists()
    ):
        raise DomainError(_("A folder of this name is already here."), field="parent", code="duplicate")
    old, old_root = row.path, row.acl_root
    new = f"{parent.path if parent else '/'}{row.pk}/"
    inherited_root = parent.acl_root if parent else "/"
    rows = _subtree(row)
    for item in rows:
        item.path = new + item.path[len(old) :]
        if item.acl_root.startswith(old):
            item.acl_root = new + item.acl_root[len(old) :]
        elif item.acl_root == old_root:
            item.acl_root = inherited_root if row.inherit else new
    Folder.all_objects.bulk_update(rows, ["path", "acl_root"])
    before = row.parent_id
    Folder.objects.filter(pk=row.pk).update(parent=parent, updated_at=timezone.now(), version=F("version") + 1)
    row.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"parent": [before, parent.pk if parent else None]})
    return row


@transaction.atomic
def folder_access_set(*, actor: User, folder: Folder, inherit: bool, grants: Sequence[Mapping[str, Any]]) -> Folder:
    """Replace the folder's access entries: each one level for one person, department or role of the unit."""
    row = _lock_folder(actor, folder, Level.MANAGE)
    unit = row.business_unit_id
    rows: list[FolderGrant] = []
    errors: dict[str, list[str]] = {}
    for index, grant in enumerate(grants):
        level = grant.get("level")
        holders = [grant.get(name) for name in ("user", "department", "role") if grant.get(name) is not None]
        if level not in Level.values:
            errors.setdefault(f"grants.{index}.level", []).append(_("Choose a value from the list."))
        if len(holders) != 1:
            errors.setdefault(f"grants.{index}", []).append(_("Choose one person, department or role."))
            continue
        holder = holders[0]
        if isinstance(holder, User) and holder.business_unit_id != unit:
            errors.setdefault(f"grants.{index}.user", []).append(_("Choose someone of this business unit."))
        if isinstance(holder, Department) and holder.business_unit_id != unit:
            errors.setdefault(f"grants.{index}.department", []).append(_("Choose a department of this business unit."))
        if isinstance(holder, Role) and holder.business_unit_id not in (None, unit):
            errors.setdefault(f"grants.{index}.role", []).append(_("Choose a role of this business unit."))
        rows.append(
            FolderGrant(
                folder=row,
                level=level or Level.VIEW,
                user=holder if isinstance(holder, User) else None,
                department=holder if isinstance(holder, Department) else None,
                role=holder if isinstance(holder, Role) else None,
            )
        )
    if errors:
        raise ValidationError(errors)
    before = [f"{grant.holder}:{grant.level}" for grant in row.grants.all()]
    row.grants.all().delete()
    FolderGrant.objects.bulk_create(rows)
    if inherit != row.inherit:
        old_root = row.acl_root
        new_root = (row.parent.acl_root if row.parent else "/") if inherit else row.path
        Folder.all_objects.filter(path__startswith=row.path, acl_root=old_root).update(acl_root=new_root)
        Folder.objects.filter(pk=row.pk).update(inherit=inherit)
    Folder.objects.filter(pk=row.pk).update(updated_at=timezone.now(), version=F("version") + 1)
    row.refresh_from_db()
    after = [f"{grant.holder}:{grant.level}" for grant in rows]
    audit_log(
        actor=actor,
        action=Action.PERMISSION,
        obj=row,
        changes={"grants": [before, after], "inherit": [not inherit, inherit]},
    )
    return row


@transaction.atomic
def folder_delete(*, actor: User, folder: Folder) -> None:
    """An empty folder goes (restorable as the documents are); one with folders or documents in it stays."""
    row = _lock_folder(actor, folder, Level.MANAGE)
    if row.children.filter(deleted_at__isnull=True).exists() or row.documents.exists():
        raise DomainError(_("Empty the folder first."), code="in_use")
    Folder.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now())
    audit_log(actor=actor, action=Action.DELETE, obj=row)


def _tags(text: str) -> str:
    return " ".join(dict.fromkeys(str(text or "").replace(",", " ").replace("，", " ").split()))[:200]


def _search_text(name: str, tags: str) -> str:
    return f"{name} {tags}".lower()[:500]


def _add_version(
    document: Document, checked: Checked, actor: User, note: str = "", *, from_version: DocumentVersion | None = None
) -> DocumentVersion:
    number = (document.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        file_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        note=note[:200],
        uploaded_by=actor,
    )
    version.file.save(checked.name, checked.upload, save=False)
    version.save()
    return version


def _set_current(document: Document, version: DocumentVersion) -> None:
    Document.all_objects.filter(pk=document.pk).update(
        current=version,
        size=version.size,
        content_type=version.content_type,
        updated_at=timezone.now(),
        version=F("version") + 1,
    )
    document.refresh_from_db()


@transaction.atomic
def document_upload(
    *,
    actor: User,
    folder: Folder,
    upload: UploadedFile,
    name: str = "",
    tags: str = "",
    record_type: str = "",
    record_id: str = "",
) -> Document:
    """A new document in a folder (edit access there), its first version the upload; optionally it belongs
    to a record the actor can see."""
    require_perm(actor, "documents.create")
    _need(actor, folder, Level.EDIT)
    checked = check_upload(upload, unit=folder.business_unit_id)
    if record_type and record_visible(actor, record_type, record_id) is None:
        raise DomainError(_("Choose a record you can see."), field="record_id")
    if record_type and record_type not in KINDS:
        raise DomainError(_("Choose a value from the list."), field="record_type")
    title = " ".join(str(name or checked.name).split())[:200] or checked.name
    document = Document.objects.create(
        business_unit_id=folder.business_unit_id,
        folder=folder,
        owner=actor,
        created_by=actor,
        name=title,
        tags=_tags(tags),
        record_type=record_type if record_type else "",
        record_id=str(record_id) if record_type else "",
        search_text=_search_text(title, _tags(tags)),
    )
    version = _add_version(document, checked, actor)
    _set_current(document, version)
    audit_log(actor=actor, action=Action.CREATE, obj=document, changes={"file": [None, checked.name]})
    return document


def _lock_document(actor: User, document: Document, level: int, *, deleted: bool = False) -> Document:
    require_perm(actor, "documents.edit")
    rows = Document.all_objects.visible_to(actor).select_for_update().filter(pk=document.pk)
    row = rows.filter(deleted_at__isnull=not deleted).first()
    if row is None:
        raise NotPermitted(_("You do not have this access to the document."))
    folder = Folder.all_objects.get(pk=row.folder_id)
    if row.record_type and level <= Level.EDIT and record_visible(actor, row.record_type, row.record_id) is not None:
        return row  # whoever sees the record works on its files
    _need(actor, folder, level)
    return row


@transaction.atomic
def document_version_add(*, actor: User, document: Document, upload: UploadedFile, note: str = "") -> DocumentVersion:
    """Upload a new version: it becomes the current one; the older ones stay listed and restorable."""
    row = _lock_document(actor, document, Level.EDIT)
    checked = check_upload(upload, unit=row.business_unit_id)
    version = _add_version(row, checked, actor, note)
    _set_current(row, version)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"version": [version.number - 1, version.number]})
    return version


@transaction.atomic
def document_version_restore(*, actor: User, document: Document, version: DocumentVersion) -> DocumentVersion:
    """An older version becomes current again as a new version (its file, not a copy of it): the history
    keeps every step."""
    row = _lock_document(actor, document, Level.EDIT)
    if version.document_id != row.pk:
        raise DomainError(_("Choose a version of this document."), field="version")
    number = (row.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    restored = DocumentVersion.objects.create(
        document=row,
        number=number,
        file=version.file.name,
        file_name=version.file_name,
        size=version.size,
        content_type=version.content_type,
        sha256=version.sha256,
        note=_("Restored version %(number)d") % {"number": version.number},
        uploaded_by=actor,
    )
    _set_current(row, restored)
    audit_log(
        actor=actor, action=Action.UPDATE, obj=row, changes={"version": [number - 1, number]}, note=f"v{version.number}"
    )
    return restored


@transaction.atomic
def document_update(*, actor: User, document: Document, version: int, data: Mapping[str, Any]) -> Document:
    """Rename, retag or move a document (edit access in both folders)."""
    row = _lock_document(actor, document, Level.EDIT)
    if version != row.version:
        from guanxi.core.records import stale

        raise stale(row)
    name = " ".join(str(data.get("name", row.name) or "").split())[:200]
    if not name:
        raise DomainError(_("Enter a name."), field="name")
    tags = _tags(data.get("tags", row.tags))
    folder = data.get("folder") or row.folder
    if folder.pk != row.folder_id:
        if folder.business_unit_id != row.business_unit_id:
            raise DomainError(_("Choose a folder of the same business unit."), field="folder")
        _need(actor, folder, Level.EDIT)
    before = {"name": row.name, "tags": row.tags, "folder": row.folder_id}
    Document.objects.filter(pk=row.pk).update(
        name=name, tags=tags, folder=folder, search_text=_search_text(name, tags),
        updated_at=timezone.now(), version=F("version") + 1,
    )  # fmt: skip
    row.refresh_from_db()
    after = {"name": row.name, "tags": row.tags, "folder": row.folder_id}
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=row,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return row


@transaction.atomic
def document_delete(*, actor: User, document: Document) -> None:
    row = _lock_document(actor, document, Level.EDIT)
    Document.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    audit_log(actor=actor, action=Action.DELETE, obj=row)


@transaction.atomic
def document_restore(*, actor: User, document: Document) -> Document:
    """A deleted document comes back to its folder (which must still be there)."""
    row = _lock_document(actor, document, Level.EDIT, deleted=True)
    if Folder.all_objects.filter(pk=row.folder_id, deleted_at__isnull=False).exists():
        raise DomainError(_("Restore its folder first."), code="in_use")
    Document.all_objects.filter(pk=row.pk).update(deleted_at=None, version=F("version") + 1)
    row.refresh_from_db()
    audit_log(actor=actor, action=Action.RESTORE, obj=row)
    return row


def record_folder(*, actor: User) -> Folder:
    """The unit's folder for files uploaded on a record's page; made (by the system) when first needed."""
    unit = actor.business_unit_id
    if unit is None:
        raise NotPermitted(_("Only members of a business unit can keep documents."))
    folder = Folder.objects.filter(business_unit_id=unit, parent=None, name=str(_("Record files"))).first()
    if folder is None:
        folder = Folder.objects.create(business_unit_id=unit, name=str(_("Record files")), created_by=None)
        folder.path = folder.acl_root = f"/{folder.pk}/"
        Folder.objects.filter(pk=folder.pk).update(path=folder.path, acl_root=folder.path)
    return folder


@transaction.atomic
def record_document_upload(
    *, actor: User, record_type: str, record_id: str, upload: UploadedFile, tags: str = ""
) -> Document:
    """A file uploaded on a record's page: whoever sees the record sees its files."""
    require_perm(actor, "documents.create")
    if record_visible(actor, record_type, record_id) is None:
        raise NotPermitted(_("This record is outside your data scope."))
    folder = record_folder(actor=actor)
    checked = check_upload(upload, unit=folder.business_unit_id)
    document = Document.objects.create(
        business_unit_id=folder.business_unit_id, folder=folder, owner=actor, created_by=actor,
        name=checked.name, tags=_tags(tags), record_type=record_type, record_id=str(record_id),
        search_text=_search_text(checked.name, _tags(tags)),
    )  # fmt: skip
    version = _add_version(document, checked, actor)
    _set_current(document, version)
    audit_log(actor=actor, action=Action.CREATE, obj=document, changes={"file": [None, checked.name]})
    return document
