"""Files to import, made in memory."""

import io
from typing import Any

import xlsxwriter

from guanxi.io import services
from guanxi.io.models import ImportJob
from guanxi.org.models import User


def xlsx(rows: list[list[Any]]) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet()
    for line, row in enumerate(rows):
        for column, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                sheet.write_formula(line, column, value, None, "13900001111")
            else:
                sheet.write(line, column, value)
    workbook.close()
    return output.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    return "\n".join(",".join(str(cell) for cell in row) for row in rows).encode(encoding)


def imported(
    actor: User, rows: list[list[Any]] | bytes, *, kind: str = "customers", strategy: str = "skip", **target: Any
) -> ImportJob:
    """Upload (rows, or a file's bytes), keep the guessed mapping and import."""
    content = rows if isinstance(rows, bytes) else xlsx(rows)
    job = services.import_upload(actor=actor, kind=kind, file_name="file.xlsx", content=content)
    services.import_configure(actor=actor, job=job, mapping=job.mapping, strategy=strategy, **target)
    return services.import_process(job_id=job.pk, dry_run=False)
