"""Who may do what in a folder: the one rule for lists and single rows. A grant on a folder counts for the
folders below it unless one of them (or a folder between) stops inheriting; a grant to a department counts
for the departments below it. Holders of ``documents.configure`` manage every folder of their unit."""

from __future__ import annotations

from django.db.models import Q

from guanxi.core.permissions import has_perm
from guanxi.org.models import User

from .models import Folder, FolderGrant, Level


def prefixes(path: str) -> list[str]:
    """ "/3/8/" → ["/", "/3/", "/3/8/"]: the paths of a folder and those above it."""
    return [path[: index + 1] for index, char in enumerate(path) if char == "/"]


def _holders(actor: User) -> Q:
    department = actor.department
    departments = [int(part) for part in department.path.strip("/").split("/") if part] if department else []
    roles = list(actor.roles.values_list("pk", flat=True))
    return Q(user=actor) | Q(department_id__in=departments) | Q(role_id__in=roles)


def manages_all(actor: User) -> bool:
    return has_perm(actor, "documents.configure")


def folder_filter(actor: User, level: int = Level.VIEW, prefix: str = "") -> Q:
    """The folders (or, with ``prefix="folder__"``, the documents) where the actor has at least ``level``."""
    if manages_all(actor):
        return Q()
    granted = (
        FolderGrant.objects.filter(_holders(actor), level__gte=level, folder__deleted_at__isnull=True)
        .values_list("folder__path", flat=True)
        .distinct()
    )
    condition = Q(pk__in=[])
    for path in granted:
        condition |= Q(**{f"{prefix}path__startswith": path, f"{prefix}acl_root__in": prefixes(path)})
    return condition


def level_of(actor: User, folder: Folder) -> int:
    """The actor's access to one folder: 0 (none), view, edit or manage."""
    if manages_all(actor):
        return Level.MANAGE
    applying = [path for path in prefixes(folder.path) if path.startswith(folder.acl_root)]
    levels = FolderGrant.objects.filter(_holders(actor), folder__path__in=applying, folder__deleted_at__isnull=True)
    return max(levels.values_list("level", flat=True), default=0)
