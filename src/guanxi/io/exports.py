"""Large exports (SPEC §13.2) written by a worker: progress in the database, the file kept in storage and
offered to its requester until the link expires."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.exports import EXPORTS, FORMATS, export_audit, export_table, table_write
from guanxi.core.replica import replica_reads
from guanxi.org.models import User

from .models import ExportJob, JobStatus

KEPT_FOR = timedelta(hours=24)


def export_start(*, actor: User, name: str, query: Mapping[str, Any], file_format: str = "xlsx") -> ExportJob:
    """Queue the export of a list with its filters; the permission is checked now and again by the worker."""
    if name not in EXPORTS:
        raise DomainError(_("There is no such list to export."), field="name")
    if file_format not in FORMATS:
        raise DomainError(_("Choose .xlsx or .csv."), field="format")
    table = export_table(actor=actor, name=name, query=query)
    params = {key: query.get(key) for key in query if key != "format"}
    job = ExportJob.objects.create(
        business_unit_id=actor.business_unit_id, actor=actor, name=name, params=params,
        file_format=file_format, total=table.count, language=translation.get_language() or "",
        touched_at=timezone.now(),
    )  # fmt: skip
    from .tasks import export_write_task

    transaction.on_commit(lambda: export_write_task(job.pk))
    return job


def export_write(*, job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("actor").get(pk=job_id)
    if job.status != JobStatus.RUNNING:
        return job  # already written (a re-run after the queue delivered twice)
    with translation.override(job.language or job.actor.language or translation.get_language()):
        try:
            with replica_reads():  # the rows, from the replica when one is fit (guanxi.core.replica)
                table = export_table(actor=job.actor, name=job.name, query=job.params)
        except DomainError as error:
            ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=str(error.message)[:300])
            return job
        ExportJob.objects.filter(pk=job.pk).update(total=table.count, touched_at=timezone.now())

        def progress(rows: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(processed=rows, touched_at=timezone.now())

        with replica_reads():
            content = table_write(table, file_format=job.file_format, progress=progress)
    path = default_storage.save(f"exports/{job.pk}-{job.name}.{job.file_format}", ContentFile(content))
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, processed=table.count, file_path=path, expires_at=timezone.now() + KEPT_FOR
    )
    export_audit(actor=job.actor, table=table, rows=table.count)
    job.refresh_from_db()
    return job


def export_file(*, actor: User, job: ExportJob) -> bytes:
    """The written file, for its requester, until it expires."""
    if job.actor_id != actor.pk:
        raise NotPermitted(_("This export belongs to someone else."))
    if job.status != JobStatus.DONE or not job.file_path or (job.expires_at and job.expires_at <= timezone.now()):
        raise DomainError(_("This export's file is no longer available; export the list again."), code="expired")
    with default_storage.open(job.file_path) as stored:
        return bytes(stored.read())


def exports_expire(*, at: datetime) -> int:
    """Delete expired files; the job rows stay as the record of who exported what."""
    expired = list(ExportJob.objects.filter(expires_at__lte=at).exclude(file_path=""))
    for job in expired:
        default_storage.delete(job.file_path)
        ExportJob.objects.filter(pk=job.pk).update(file_path="")
    return len(expired)
