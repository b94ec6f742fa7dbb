"""Queue work of imports and exports: each job records its progress in the database (DESIGN §Background work)."""

from datetime import datetime

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.core.jobs import job, run_job

from .backup import backup_create, backups_keep
from .exports import export_write, exports_expire
from .services import import_process
from .stalled import jobs_resume


@db_task()
def import_process_task(job_id: int, dry_run: bool) -> None:
    import_process(job_id=job_id, dry_run=dry_run)


@db_task()
def export_write_task(job_id: int) -> None:
    export_write(job_id=job_id)


@job("resume_io_jobs")
def resume_io_jobs(at: datetime) -> str:
    """Queue again the imports and exports whose worker died mid-way."""
    return f"{jobs_resume(at=at)} stalled imports and exports queued again"


@db_periodic_task(crontab(minute="*/5"))
def resume_io_jobs_sweep() -> None:
    run_job("resume_io_jobs")


@job("expire_exports")
def expire_exports(at: datetime) -> str:
    """Delete the files of background exports whose download link has expired."""
    return f"{exports_expire(at=at)} expired exports deleted"


@db_periodic_task(crontab(minute="17"))
def expire_exports_sweep() -> None:
    run_job("expire_exports")


@job("backup")
def backup(at: datetime) -> str:
    """Back up the database and the uploaded files into var/backups, keeping the newest BACKUPS_KEPT."""
    written = backup_create(to=settings.VAR_DIR / "backups" / f"guanxi-{at:%Y%m%d-%H%M%S}.tar")
    deleted = backups_keep(newest=settings.BACKUPS_KEPT)
    return f"backup written to {written}; {len(deleted)} older backups deleted"


@db_periodic_task(crontab(hour=str(settings.BACKUP_HOUR), minute="40"))
def backup_sweep() -> None:
    run_job("backup")
