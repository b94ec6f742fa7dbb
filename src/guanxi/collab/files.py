"""Documents' and announcements' files: the shared checks of ``core.uploads`` under the unit's own size limit
(parameter ``documents.max_file_mb``), and a digest of what was kept."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile

from guanxi.core.config.parameters import parameter_value
from guanxi.core.uploads import upload_check


class Checked:
    """An accepted upload: its name, type, size and digest."""

    def __init__(self, upload: UploadedFile, name: str, content_type: str, size: int, sha256: str) -> None:
        self.upload, self.name, self.content_type, self.size, self.sha256 = upload, name, content_type, size, sha256


def max_bytes(unit: int | None) -> int:
    return int(parameter_value("documents.max_file_mb", unit=unit)) * 1024 * 1024


def check_upload(upload: UploadedFile, *, unit: int | None, field: str = "file", images_only: bool = False) -> Checked:
    """The upload as it may be kept (``core.uploads`` checks it, under the unit's size limit), with its digest;
    a DomainError on ``field`` otherwise."""
    content_type = upload_check(upload, field=field, limit=max_bytes(unit), images_only=images_only)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = PurePath(upload.name or "").name[:200]
    return Checked(upload, name, content_type, upload.size or 0, digest.hexdigest())


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.core.config.parameters import register_parameter, register_parameter_group

    register_parameter_group("documents", gettext_lazy("Documents"), 75)
    register_parameter(
        "documents.max_file_mb",
        gettext_lazy("Largest file (MB)"),
        "int",
        20,
        min=1,
        max=500,
        group="documents",
    )
