"""An import (SPEC §13.1) and an export job (§13.2): long user-started work whose progress lives in the
database, so the page and the API poll it and a worker killed half-way is simply run again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import BusinessUnit


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEWING = "previewing", _("Checking")
    PREVIEWED = "previewed", _("Checked")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Strategy(models.TextChoices):
    """What a row that matches one existing record does (a row matching two is always an error)."""

    SKIP = "skip", _("Skip the row")
    UPDATE = "update", _("Update the existing record")
    CREATE = "create", _("Create anyway")


class ImportJob(models.Model):
    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("imported by"))
    kind = models.CharField(_("record type"), max_length=20)
    file_name = models.CharField(_("file"), max_length=200)
    file_path = models.CharField(max_length=300)  # in the default storage
    file_hash = models.CharField(max_length=64, db_index=True)  # sha256: with the row number, a row's identity
    headers = models.JSONField(default=list)
    total = models.PositiveIntegerField(_("rows"), default=0)
    mapping = models.JSONField(default=dict)  # column index (as text) → field key
    strategy = models.CharField(_("duplicates"), max_length=8, choices=Strategy.choices, default=Strategy.SKIP)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    pool = models.ForeignKey(
        "pool.Pool", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("public pool")
    )
    lead_pool = models.ForeignKey(  # leads imported into a lead pool wait there with no owner
        "leads.LeadPool", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lead pool")
    )
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.UPLOADED)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("rejected"), default=0)
    message = models.CharField(max_length=300, blank=True)  # why the whole job failed
    language = models.CharField(max_length=10, blank=True)  # the page's language when queued: the reasons are in it
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    touched_at = models.DateTimeField(null=True, editable=False)  # the running worker's last sign of life

    objects = ScopedQuerySet["ImportJob"].as_manager()

    class Meta:
        verbose_name = _("import")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)

    @property
    def is_busy(self) -> bool:
        return self.status in (JobStatus.PREVIEWING, JobStatus.RUNNING)


class ImportedRow(models.Model):
    """A row of a file saved once: the unique key makes a re-run (after a crash, or of the same file uploaded
    again) skip it, and of two imports of one file at once the database lets only one save it."""

    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    file_hash = models.CharField(max_length=64)
    row = models.PositiveIntegerField()
    job = models.ForeignKey(ImportJob, models.CASCADE, related_name="rows")
    outcome = models.CharField(max_length=8)  # created, updated, skipped
    record_id = models.PositiveBigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "kind", "file_hash", "row"], name="io_row_once"),
        ]

    def __str__(self) -> str:
        return f"{self.file_hash[:8]}#{self.row}"


class RejectedRow(models.Model):
    """A row refused by the check or the import, with the original cells: the error file lists these."""

    job = models.ForeignKey(ImportJob, models.CASCADE, related_name="rejected")
    row = models.PositiveIntegerField()
    cells = models.JSONField(default=list)
    reasons = models.TextField()

    class Meta:
        ordering = ["row"]
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="io_rejected_once")]

    def __str__(self) -> str:
        return f"#{self.row}"


class ImportMapping(models.Model):
    """The column mapping a user chose last time for a record type, by header: their next file is mapped alike."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    by_header = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="io_mapping_per_user")]

    def __str__(self) -> str:
        return self.kind


class ExportJob(models.Model):
    """A large export written by a worker; its file may be downloaded by its requester until it expires."""

    business_unit = models.ForeignKey(
        BusinessUnit, models.CASCADE, null=True, related_name="+", verbose_name=_("business unit")
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    name = models.CharField(_("list"), max_length=40)
    params = models.JSONField(default=dict)  # the list's filters and columns, as in its address
    file_format = models.CharField(max_length=4, default="xlsx")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.RUNNING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=300, blank=True)
    message = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=10, blank=True)  # the page's language when queued: the file's labels
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    touched_at = models.DateTimeField(null=True, editable=False)  # the running worker's last sign of life

    objects = ScopedQuerySet["ExportJob"].as_manager()

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)


def register() -> None:
    """Everyone sees their own imports and exports, and only those (a personal module); what they may import
    or export is the permission of each record type (``customers.import``, ``opportunities.export``)."""
    from guanxi.core import permissions, scope

    permissions.register_module(
        permissions.Module("imports", _("Imports and exports"), ("view",), kind=permissions.PERSONAL)
    )
    scope.register(ImportJob, scope.Rule("imports", owner="actor"))
    scope.register(ExportJob, scope.Rule("imports", owner="actor"))
