"""Jobs whose worker died (killed, its machine lost) are queued again: the queue's message went with the worker,
so without this an import would say "importing" forever. Running a job again is safe at any point: an import
skips the rows it saved (``ImportedRow``), an export writes its file from the start."""

from datetime import datetime, timedelta
from functools import partial

from django.db import transaction

from .models import ExportJob, ImportJob, JobStatus

# A running job writes its progress every batch (seconds apart); ten minutes without a sign of life means its
# worker is gone. Were it only slow, the second run would skip what the first saved.
STALLED_AFTER = timedelta(minutes=10)


def jobs_resume(*, at: datetime) -> int:
    """Queue again every import, preview and export whose worker stopped writing progress; how many."""
    from .tasks import export_write_task, import_process_task

    stalled = {"status__in": [JobStatus.PREVIEWING, JobStatus.RUNNING], "touched_at__lt": at - STALLED_AFTER}
    resumed = 0
    with transaction.atomic():
        # claimed with a conditional update, so two sweeps at once queue each job once
        for pk, status in ImportJob.objects.filter(**stalled).values_list("pk", "status"):
            if ImportJob.objects.filter(pk=pk, **stalled).update(touched_at=at):
                transaction.on_commit(partial(import_process_task, pk, status == JobStatus.PREVIEWING))
                resumed += 1
        for pk in ExportJob.objects.filter(**stalled).values_list("pk", flat=True):
            if ExportJob.objects.filter(pk=pk, **stalled).update(touched_at=at):
                transaction.on_commit(partial(export_write_task, pk))
                resumed += 1
    return resumed
