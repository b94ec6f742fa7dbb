"""What every main record shares (customers, contacts, leads, opportunities …): timestamps, the creator,
an optimistic-lock ``version``, soft delete (restorable for 30 days) and custom-field values."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import Conflict
from .scope import ScopedQuerySet

RESTORE_DAYS = 30


class MainRecordQuerySet(ScopedQuerySet[Any]):
    def alive(self) -> MainRecordQuerySet:
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> MainRecordQuerySet:
        return self.filter(deleted_at__isnull=False)


_ManagerBase = models.Manager.from_queryset(MainRecordQuerySet)


class AliveManager(_ManagerBase):
    """The default manager: soft-deleted rows are gone for every read except the restore page."""

    def get_queryset(self) -> MainRecordQuerySet:
        return MainRecordQuerySet(self.model, using=self._db).alive()


class MainRecord(models.Model):
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("created by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    custom = models.JSONField(gettext_lazy("custom fields"), default=dict, blank=True)

    objects = AliveManager()
    all_objects = MainRecordQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"


class BulkRewrittenRecord(MainRecord):
    """A main record whose rows are rewritten by the thousand (customers returned by the pool's sweep, and
    their plans): the same columns without single-column indexes, as every index costs one more write per
    rewritten row. The model's Meta indexes what its reads need."""

    updated_at = models.DateTimeField(gettext_lazy("updated at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("created by"),
        db_index=False,
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(MainRecord.Meta):
        abstract = True


def save_versioned(obj: MainRecord, *, expected_version: int, fields: list[str]) -> None:
    """Write ``fields`` only if nobody saved the row since the user loaded ``expected_version``:
    a conditional UPDATE, so the database decides between two simultaneous edits."""
    values = {name: getattr(obj, obj._meta.get_field(name).attname) for name in fields}  # type: ignore[union-attr]
    values["updated_at"] = timezone.now()
    changed = (
        type(obj).all_objects.filter(pk=obj.pk, version=expected_version).update(**values, version=F("version") + 1)
    )
    if not changed:
        raise stale(obj)
    obj.version = expected_version + 1
    obj.updated_at = values["updated_at"]


def stale(obj: models.Model) -> Conflict:
    """The refusal of a stale edit, naming who changed the record last and what."""
    from .audit import history_of

    last = history_of(obj).first()
    if last is None:
        return Conflict(_("Someone else changed this record; reload it and try again."), code="stale_version")
    fields = ", ".join(sorted(last.changes)) or "—"
    message = _("%(who)s changed this record at %(when)s (%(fields)s); reload it and apply your change again.") % {
        "who": last.actor_name or _("someone"),
        "when": timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M"),
        "fields": fields,
    }
    return Conflict(message, code="stale_version")
