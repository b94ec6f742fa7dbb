"""Documents (文档, SPEC §14.5): a unit's folder tree whose access (view / edit / manage, for people,
departments or roles) is inherited from the parent unless a folder breaks it; files with versions kept on
the storage backend; a file may belong to a record (a customer, an opportunity, a ticket) and is then shown
on its page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.org.models import BusinessUnit, Department, Role


class Level(models.IntegerChoices):
    VIEW = 1, _("View")
    EDIT = 2, _("Edit")
    MANAGE = 3, _("Manage")


class Folder(MainRecord):
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent folder")
    )
    name = models.CharField(_("name"), max_length=100)
    # "/3/8/": the ids from the root down to this folder, for subtrees and the loop check.
    path = models.CharField(max_length=400, editable=False, db_index=True, default="/")
    inherit = models.BooleanField(_("inherit the parent's access"), default=True)
    # The path of the nearest folder (this one or above) that does not inherit: grants above it do not count.
    acl_root = models.CharField(max_length=400, editable=False, default="/")

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["business_unit", "parent", "name"], name="folder_children")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("collab:folder", args=[self.pk])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


class FolderGrant(models.Model):
    """One access entry on a folder: exactly one of a person, a department (and those below it) or a role."""

    folder = models.ForeignKey(Folder, models.CASCADE, related_name="grants")
    level = models.PositiveSmallIntegerField(_("access"), choices=Level.choices, default=Level.VIEW)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    department = models.ForeignKey(
        Department, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    role = models.ForeignKey(Role, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("role"))

    class Meta:
        ordering = ["folder", "-level", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, department__isnull=True, role__isnull=True)
                | Q(user__isnull=True, department__isnull=False, role__isnull=True)
                | Q(user__isnull=True, department__isnull=True, role__isnull=False),
                name="folder_grant_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.folder_id} {self.get_level_display()}"

    @property
    def holder(self) -> object:
        return self.user or self.department or self.role


class Document(MainRecord):
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    folder = models.ForeignKey(Folder, models.PROTECT, related_name="documents", verbose_name=_("folder"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=200)
    tags = models.CharField(_("tags"), max_length=200, blank=True)
    # The record the file belongs to, e.g. ("customers.customer", "42"): shown on that record's page.
    record_type = models.CharField(_("record type"), max_length=40, blank=True)
    record_id = models.CharField(max_length=40, blank=True)
    current = models.ForeignKey(
        "DocumentVersion", models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    search_text = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["folder", "name"], condition=Q(deleted_at__isnull=True), name="document_in_folder"),
            models.Index(fields=["record_type", "record_id"], name="document_record"),
            # the search's page, by name: a common fragment (a fifth of the library says 验收报告) finds its
            # first page walking the names, where sorting every match cost more than the search itself
            models.Index(fields=["name", "id"], condition=Q(deleted_at__isnull=True), name="document_by_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("collab:document", args=[self.pk])

    @property
    def previewable(self) -> bool:
        return self.content_type.startswith("image/") or self.content_type == "application/pdf"


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=300)
    file_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_unique")]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


def register() -> None:
    from guanxi.core import permissions, scope

    permissions.register_module(
        permissions.Module("documents", _("Documents"), ("view", "create", "edit", "delete", "configure"))
    )
    # The gate keeps a unit's folders to the unit; the folders' own access entries (documents.access) then
    # decide which of them a person sees, for lists and single rows alike.
    scope.register(Folder, scope.Rule("documents", owner=None, everyone=True, unit="business_unit"))
    scope.register(Document, scope.Rule("documents", owner=None, everyone=True, unit="business_unit"))
