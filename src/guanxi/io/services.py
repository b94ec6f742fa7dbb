"""The import engine (SPEC §13.1): upload, map, check, import. Each row goes through the record's own
services, so the check and the import refuse exactly what the forms refuse."""

from __future__ import annotations

import hashlib
import io as bytes_io
from collections.abc import Callable, Mapping
from typing import Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.memo import remembering
from guanxi.core.permissions import has_perm, require_perm
from guanxi.leads.models import LeadPool
from guanxi.leads.pools.services import pool_check
from guanxi.org.models import User
from guanxi.pool.models import Pool

from . import reading
from .kinds import KINDS, Column, Kind, Row, Target, parse_cell
from .models import ImportedRow, ImportJob, ImportMapping, JobStatus, RejectedRow, Strategy

CHECK_CHUNK = 200  # rows checked in one rolled-back transaction: later rows see earlier ones of the file
PROGRESS_EVERY = 100  # rows between two progress writes


def kind_of(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise DomainError(_("Choose what to import."), field="kind") from None


def may_import(actor: User, kind: Kind) -> bool:
    return has_perm(actor, f"{kind.module}.import")


# --- mapping --------------------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return "".join(reading.folded(text).casefold().replace("*", "").split())


def mapping_guess(*, actor: User, kind: Kind, headers: list[str]) -> dict[str, str]:
    """Column index → field, from the user's last mapping of the same header, then from the column labels
    in Chinese and English and the field codes."""
    saved = ImportMapping.objects.filter(user=actor, kind=kind.code).values_list("by_header", flat=True).first() or {}
    columns = kind.columns_of(actor.business_unit_id)
    names: dict[str, str] = {}
    for language in ("zh-hans", "en"):  # an English label wins over a Chinese one that reads alike
        with translation.override(language):
            for column in columns:
                for alias in column.aliases:
                    names.setdefault(_header_key(str(alias)), column.key)
            for column in columns:
                names[_header_key(column.label)] = column.key
    for column in columns:
        names[_header_key(column.key)] = column.key
    guessed: dict[str, str] = {}
    for index, header in enumerate(headers):
        key = saved.get(header) or names.get(_header_key(header))
        if key and key not in guessed.values():
            guessed[str(index)] = key
    return guessed


# --- upload and set-up ----------------------------------------------------------------------------------


def import_upload(*, actor: User, kind: str, file_name: str, content: bytes) -> ImportJob:
    """Store the file and read its header; the job waits for its mapping. A file whose header names none
    of the record type's columns is refused."""
    chosen = kind_of(kind)
    require_perm(actor, f"{chosen.module}.import")
    if actor.business_unit_id is None:
        raise DomainError(_("You belong to no business unit; ask an administrator to place you in a department."))
    table = reading.read_table(content, file_name)
    mapping = mapping_guess(actor=actor, kind=chosen, headers=table.headers)
    if not mapping:
        raise reading.BadFile(
            _("No column of the first row names a field of %(kind)s; start from the template.") % {"kind": chosen.label}
        )
    digest = hashlib.sha256(content).hexdigest()
    extension = file_name.rsplit(".", 1)[-1].lower()
    path = default_storage.save(f"imports/{digest}.{extension}", ContentFile(content))
    return ImportJob.objects.create(
        business_unit_id=actor.business_unit_id,
        actor=actor,
        kind=chosen.code,
        file_name=file_name[-200:],
        file_path=path,
        file_hash=digest,
        headers=table.headers,
        total=len(table.rows),
        mapping=mapping,
    )


@transaction.atomic
def import_configure(
    *,
    actor: User,
    job: ImportJob,
    mapping: Mapping[str, str],
    strategy: str,
    owner: User | None = None,
    pool: Pool | None = None,
    lead_pool: LeadPool | None = None,
) -> ImportJob:
    """Settle the mapping, the duplicate strategy and where the records go; remember the mapping for the
    user's next file."""
    _require_own(actor, job)
    kind = kind_of(job.kind)
    if job.is_busy or job.status == JobStatus.DONE:
        raise DomainError(_("This import has already started."), code="conflict")
    chosen = {index: key for index, key in mapping.items() if key}
    columns = {column.key: column for column in kind.columns_of(job.business_unit_id)}
    known = set(columns)
    if any(key not in known for key in chosen.values()) or any(
        not index.isdigit() or int(index) >= len(job.headers) for index in chosen
    ):
        raise DomainError(_("Choose fields from the list."), field="mapping")
    doubled = {key for key in chosen.values() if list(chosen.values()).count(key) > 1}
    if doubled:
        labels = ", ".join(columns[key].label for key in sorted(doubled))
        raise DomainError(_("Each field may take one column only: %(fields)s.") % {"fields": labels}, field="mapping")
    missing = [column.label for column in columns.values() if column.required and column.key not in chosen.values()]
    if missing:
        raise DomainError(_("Map a column to %(fields)s.") % {"fields": ", ".join(missing)}, field="mapping")
    if strategy not in kind.strategies:
        raise DomainError(_("Choose what to do with duplicates."), field="strategy")
    if pool is not None:
        if not kind.poolable:
            raise DomainError(_("Only customers can be imported into the public pool."), field="pool")
        if pool.business_unit_id != actor.business_unit_id and not actor.is_superuser:
            raise NotPermitted(_("This pool belongs to another business unit."))
        owner = None
    if lead_pool is not None:
        if not kind.lead_poolable:
            raise DomainError(_("Only leads can be imported into a lead pool."), field="lead_pool")
        pool_check(actor, lead_pool, field="lead_pool")
        owner = None
    if owner is not None and not kind.owned:
        owner = None
    job.mapping, job.strategy, job.owner, job.pool, job.lead_pool = chosen, strategy, owner, pool, lead_pool
    job.save(update_fields=["mapping", "strategy", "owner", "pool", "lead_pool"])
    ImportMapping.objects.update_or_create(
        user=actor, kind=kind.code, defaults={"by_header": {job.headers[int(i)]: key for i, key in chosen.items()}}
    )
    return job


def _require_own(actor: User, job: ImportJob) -> None:
    if job.actor_id != actor.pk:
        raise NotPermitted(_("This import belongs to someone else."))


def import_check(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue the preview: every row through the services in a transaction that is rolled back."""
    return _queue(actor, job, JobStatus.PREVIEWING, dry_run=True)


def import_start(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue the import itself."""
    return _queue(actor, job, JobStatus.RUNNING, dry_run=False)


def _queue(actor: User, job: ImportJob, status: str, *, dry_run: bool) -> ImportJob:
    _require_own(actor, job)
    require_perm(actor, f"{kind_of(job.kind).module}.import")
    if not job.mapping:
        raise DomainError(_("Map the columns first."), field="mapping")
    started = ImportJob.objects.filter(
        pk=job.pk, status__in=[JobStatus.UPLOADED, JobStatus.PREVIEWED, JobStatus.FAILED]
    ).update(
        status=status, processed=0, created=0, updated=0, skipped=0, failed=0, message="", finished_at=None,
        language=translation.get_language() or "", touched_at=timezone.now(),
    )  # fmt: skip
    if not started:  # the database decides between two clicks
        raise DomainError(_("This import has already started."), code="conflict")
    job.refresh_from_db()
    from .tasks import import_process_task

    transaction.on_commit(lambda: import_process_task(job.pk, dry_run))
    return job


# --- the engine -----------------------------------------------------------------------------------------


class _Rollback(Exception):
    """Ends a checking transaction so nothing it wrote stays."""


def import_process(*, job_id: int, dry_run: bool, progress: Callable[[int, int], None] | None = None) -> ImportJob:
    """Check or import every row of the job's file. Safe to run again at any point: a row already saved from
    this file (by this job or an earlier one) is skipped, and a rejected row is recorded once."""
    job = ImportJob.objects.select_related("actor", "owner", "pool", "lead_pool").get(pk=job_id)
    kind = kind_of(job.kind)
    try:
        with default_storage.open(job.file_path) as stored:
            table = reading.read_table(stored.read(), job.file_name)
    except (DomainError, OSError) as error:
        ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=str(error)[:300])
        job.refresh_from_db()
        return job
    target = Target(actor=job.actor, owner=job.owner, pool=job.pool, strategy=job.strategy, lead_pool=job.lead_pool)
    columns = {int(index): kind.column(key, job.business_unit_id) for index, key in job.mapping.items()}
    RejectedRow.objects.filter(job=job).delete()
    # the file's rows saved before: by this job (run again after a stop) they count as they were saved; by an
    # earlier import of the same file, as skipped
    done: dict[int, str] = {}
    if not dry_run:
        done = {
            row: outcome if job_id == job.pk else "skipped"
            for row, job_id, outcome in ImportedRow.objects.filter(
                business_unit_id=job.business_unit_id, kind=job.kind, file_hash=job.file_hash
            ).values_list("row", "job_id", "outcome")
        }
    outcomes: dict[str, int] = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
    rejected: list[RejectedRow] = []
    numbered = list(enumerate(table.rows, start=2))

    def one(number: int, cells: list[Any]) -> None:
        if number in done or not any(cell not in ("", None) for cell in cells):
            outcomes[done.get(number, "skipped")] += 1
            return
        try:
            outcome = _row_import(job, kind, target, columns, number, cells, record=not dry_run)
        except _RowRefused as refusal:
            rejected.append(_rejected(job, number, cells, refusal.reasons))
            return
        outcomes[outcome] += 1

    def together(chunk: list[tuple[int, list[Any]]]) -> None:
        rows = []
        for number, cells in chunk:
            if number in done or not any(cell not in ("", None) for cell in cells):
                outcomes[done.get(number, "skipped")] += 1
                continue
            row, problems = _row_parse(kind, target, columns, cells)
            if problems:
                rejected.append(_rejected(job, number, cells, "; ".join(problems)))
            else:
                rows.append((number, cells, row))
        for outcome, number, cells, reasons in _rows_import(job, kind, target, rows, record=not dry_run):
            if outcome:
                outcomes[outcome] += 1
            else:
                rejected.append(_rejected(job, number, cells, reasons))

    batched = kind.create_batch is not None and target.strategy == Strategy.SKIP
    language = job.language or job.actor.language or translation.get_language()
    with translation.override(language), remembering():  # the reader's words; configuration read once per job
        for start in range(0, len(numbered), CHECK_CHUNK):
            chunk = numbered[start : start + CHECK_CHUNK]
            # a chunk's rows, its rejected rows and the progress that counts them are committed together: a job
            # stopped half-way has reported exactly the rows it saved, and its next run goes on from there
            with transaction.atomic():
                if dry_run:
                    try:
                        with transaction.atomic():
                            if batched:
                                together(chunk)
                            else:
                                for number, cells in chunk:
                                    one(number, cells)
                            raise _Rollback
                    except _Rollback:
                        pass
                elif batched:
                    together(chunk)
                else:
                    for number, cells in chunk:
                        one(number, cells)
                RejectedRow.objects.bulk_create(rejected, ignore_conflicts=True)
                outcomes["failed"] += len(rejected)
                rejected.clear()
                processed = min(start + CHECK_CHUNK, len(numbered))
                ImportJob.objects.filter(pk=job.pk).update(processed=processed, touched_at=timezone.now(), **outcomes)
            if progress:
                progress(processed, len(numbered))
    outcomes["failed"] = RejectedRow.objects.filter(job=job).count()
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.PREVIEWED if dry_run else JobStatus.DONE,
        processed=len(numbered),
        finished_at=None if dry_run else timezone.now(),
        **outcomes,
    )
    job.refresh_from_db()
    return job


def _rejected(job: ImportJob, number: int, cells: list[Any], reasons: str) -> RejectedRow:
    return RejectedRow(job=job, row=number, cells=[reading.as_text(cell) for cell in cells], reasons=reasons)


def _rows_import(
    job: ImportJob, kind: Kind, target: Target, rows: list[tuple[int, list[Any], Row]], *, record: bool
) -> list[tuple[str, int, list[Any], str]]:
    """Parsed rows registered together by the record's batch service, in one transaction: each row's
    outcome (created, skipped) or "" with its reasons. When importing, each row is first claimed under
    (file, row): a row another run of the file claimed is skipped, and the claims of refused rows go."""
    assert kind.create_batch is not None
    if not rows:
        return []
    results: list[tuple[str, int, list[Any], str]] = []
    with transaction.atomic():
        numbers = [number for number, _cells, _row in rows]
        ours: dict[int, int] = {}
        if record:
            ours = _claims(job, numbers)  # the rest: saved before
            results += [("skipped", number, cells, "") for number, cells, _row in rows if number not in ours]
            rows = [(number, cells, row) for number, cells, row in rows if number in ours]
        try:
            answers = kind.create_batch(target, [row for _number, _cells, row in rows])
        except DomainError as error:  # for every row alike (the chosen owner): each refused with it
            answers = [error] * len(rows)
        saved: list[ImportedRow] = []
        for (number, cells, _row), answer in zip(rows, answers, strict=True):
            refusal = answer if isinstance(answer, Exception) else answer.error
            if refusal is None and len(answer.existing) > 1:
                names = ", ".join(str(match) for match in answer.existing[:3])
                refusal = DomainError(
                    _("This row matches more than one existing record: %(names)s.") % {"names": names}
                )
            if refusal is not None:
                results.append(("", number, cells, _refusal(kind, refusal, job.business_unit_id)))
                continue
            outcome, record_id = (
                ("skipped", answer.existing[0].pk) if answer.existing else ("created", answer.customer.pk)
            )
            results.append((outcome, number, cells, ""))
            saved.append(
                ImportedRow(business_unit_id=job.business_unit_id, kind=job.kind, file_hash=job.file_hash, row=number,
                            job=job, outcome=outcome, record_id=record_id)
            )  # fmt: skip
        if record:
            ImportedRow.objects.filter(pk__in=ours.values()).delete()
            ImportedRow.objects.bulk_create(saved)
    return sorted(results, key=lambda result: result[1])


def _claims(job: ImportJob, numbers: list[int]) -> dict[int, int]:
    """Claim the rows under (file, row) for this job: the ids of the claims made now by row number; a row
    saved by an earlier run of the file keeps its claim and is not among them. The database answers with the
    claims it inserted (RETURNING), so that no query reads the file's earlier rows back."""
    quote = connection.ops.quote_name
    table = quote(ImportedRow._meta.db_table)
    columns = ", ".join(quote(name) for name in ("business_unit_id", "kind", "file_hash", "row", "job_id", "outcome"))
    values = ", ".join(["(%s, %s, %s, %s, %s, '')"] * len(numbers))
    params = [value for number in numbers for value in (job.business_unit_id, job.kind, job.file_hash, number, job.pk)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING RETURNING {quote('row')}, id",
            params,
        )
        return {int(number): int(claim) for number, claim in cursor.fetchall()}


def _refusal(kind: Kind, error: Exception, unit: int | None) -> str:
    """A row's refusal in the reader's words, each field's problem under the column's label."""
    if isinstance(error, ValidationError):
        return "; ".join(_field_messages(kind, error.message_dict, unit))
    assert isinstance(error, DomainError)
    message = str(error.message)
    return f"{_label(kind, error.field, unit)}: {message}" if error.field else message


class _RowRefused(Exception):
    def __init__(self, reasons: str) -> None:
        super().__init__(reasons)
        self.reasons = reasons


def _row_import(
    job: ImportJob,
    kind: Kind,
    target: Target,
    columns: dict[int, Column],
    number: int,
    cells: list[Any],
    *,
    record: bool,
) -> str:
    """One row, whole or not at all: parsed, matched, saved by the record's service and, when importing,
    claimed under (file, row) in the same transaction."""
    row, problems = _row_parse(kind, target, columns, cells)
    if problems:
        raise _RowRefused("; ".join(problems))
    try:
        with transaction.atomic():
            claim = None
            if record:
                try:
                    with transaction.atomic():
                        claim = ImportedRow.objects.create(
                            business_unit_id=job.business_unit_id, kind=job.kind, file_hash=job.file_hash,
                            row=number, job=job, outcome="",
                        )  # fmt: skip
                except IntegrityError:
                    return "skipped"  # another run of this file saved the row
            outcome, record_id = _row_save(kind, target, row)
            if claim is not None:
                ImportedRow.objects.filter(pk=claim.pk).update(outcome=outcome, record_id=record_id)
            return outcome
    except (ValidationError, DomainError) as error:
        raise _RowRefused(_refusal(kind, error, job.business_unit_id)) from error


def _row_parse(kind: Kind, target: Target, columns: dict[int, Column], cells: list[Any]) -> tuple[Row, list[str]]:
    row = Row()
    problems = []
    for index, column in columns.items():
        raw = cells[index] if index < len(cells) else ""
        try:
            value = parse_cell(column, raw, target)
        except reading.BadCell as error:
            problems.append(f"{column.label}: {error}")
            continue
        if column.key == "customer":
            row.customer = value
        elif column.custom is not None:
            row.custom[column.custom.key] = value
        elif column.key.startswith("contact_"):
            row.contact[column.key.removeprefix("contact_")] = value
        else:
            row.data[column.key] = value
    row.data = {key: value for key, value in row.data.items() if value is not None}
    row.contact = {key: value for key, value in row.contact.items() if value is not None}
    return row, problems


def _row_save(kind: Kind, target: Target, row: Row) -> tuple[str, int]:
    matches = kind.existing(target, row)
    if len(matches) > 1 and target.strategy != Strategy.CREATE:
        names = ", ".join(str(match) for match in matches[:3])
        raise DomainError(_("This row matches more than one existing record: %(names)s.") % {"names": names})
    if matches and target.strategy == Strategy.SKIP:
        return "skipped", int(matches[0].pk)
    if matches and target.strategy == Strategy.UPDATE:
        return "updated", int(kind.update(target, row, matches[0]).pk)
    return "created", int(kind.create(target, row).pk)


def _label(kind: Kind, field: str, unit: int | None) -> str:
    return next((str(column.label) for column in kind.columns_of(unit) if column.key == field), field)


def _field_messages(kind: Kind, errors: Mapping[str, list[str]], unit: int | None) -> list[str]:
    return [
        f"{_label(kind, field, unit)}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
        for field, messages in errors.items()
    ]


# --- files for the user ---------------------------------------------------------------------------------


def import_error_file(*, actor: User, job: ImportJob) -> bytes:
    """The rejected rows with their original cells and a reason column, to correct and import again."""
    _require_own(actor, job)
    output = bytes_io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(str(_("Rejected rows"))[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, [*job.headers, str(_("Row")), str(_("Reason"))], bold)
    for line, rejected in enumerate(RejectedRow.objects.filter(job=job).iterator(), start=1):
        cells = (list(rejected.cells) + [""] * len(job.headers))[: len(job.headers)]
        sheet.write_row(line, 0, [*cells, rejected.row, rejected.reasons])
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, len(job.headers), 16)
    sheet.set_column(len(job.headers) + 1, len(job.headers) + 1, 60)
    workbook.close()
    return output.getvalue()


def import_template(*, kind: Kind, unit: int | None) -> bytes:
    """A workbook whose header names the columns in the reader's language (required ones starred), with the
    allowed values of coded columns as drop-downs from a second sheet."""
    output = bytes_io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet(str(kind.label)[:31])
    lists = workbook.add_worksheet("lists")
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    for index, column in enumerate(kind.columns_of(unit)):
        sheet.write(0, index, f"{column.label}{' *' if column.required else ''}", bold)
        sheet.set_column(index, index, 18, text if column.parse in ("phone", "text") else None)
        allowed = list(column.allowed().values()) if column.parse in ("choice", "dictionary") else []
        if allowed:
            lists.write_column(0, index, allowed)
            letter = xlsxwriter.utility.xl_col_to_name(index)
            sheet.data_validation(
                1, index, 10_000, index,
                {"validate": "list", "source": f"=lists!${letter}$1:${letter}${len(allowed)}"},
            )  # fmt: skip
    lists.hide()
    sheet.freeze_panes(1, 0)
    workbook.close()
    return output.getvalue()
