"""Checks for uploaded files, shared by every record that takes attachments (follow-ups, tickets, …): a size
limit, a list of accepted types checked on the file's first bytes as well as its name (an executable renamed
.pdf is refused), no empty files, and a maximum count per record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import DomainError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@deconstructible
class UploadFolder:
    """Where a record type's files are stored: ``<folder>/<year>/<month>/<random name>``. The stored name never
    carries the user's file name: it is kept in ``name`` and given on download."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: models.Model, filename: str) -> str:
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadFolder) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


class StoredFile(models.Model):
    """A file, photo or recording attached to a record (each record type adds its ``file`` field with its
    ``UploadFolder`` and the foreign key to its record); downloaded only through a permission check."""

    name = models.CharField(gettext_lazy("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(gettext_lazy("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["pk"]
        verbose_name = gettext_lazy("attachment")
        verbose_name_plural = gettext_lazy("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


# extension → (content type, the file's first bytes must start with one of these; empty = any)
ACCEPTED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".heic": ("image/heic", ()),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".ppt": ("application/vnd.ms-powerpoint", (b"\xd0\xcf\x11\xe0",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".txt": ("text/plain", ()),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".m4a": ("audio/mp4", ()),
    ".amr": ("audio/amr", (b"#!AMR",)),
    ".wav": ("audio/wav", (b"RIFF",)),
}


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def accepted_extensions() -> str:
    return ", ".join(sorted(ACCEPTED))


def files_help(most: int) -> str:
    """What a file field accepts, for its help text."""
    return _("Up to %(count)d files of at most %(size)s MB: %(types)s") % {
        "count": most,
        "size": f"{max_bytes() / 1048576:g}",
        "types": accepted_extensions(),
    }


def upload_type(upload: UploadedFile) -> str:
    """The content type of an accepted file; DomainError (field ``files``) otherwise."""
    name = upload.name or ""
    extension = PurePath(name).suffix.lower()
    if extension not in ACCEPTED:
        raise DomainError(
            _("%(name)s: this type of file is not accepted (accepted: %(types)s).")
            % {"name": name, "types": accepted_extensions()},
            field="files",
            code="file_type",
        )
    content_type, signatures = ACCEPTED[extension]
    if signatures:
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(signature) for signature in signatures):
            raise DomainError(
                _("%(name)s: the file's content does not match its type.") % {"name": name},
                field="files",
                code="file_type",
            )
    return content_type


def uploads_clean(files: Sequence[UploadedFile], *, already: int = 0, most: int, too_many: str) -> None:
    """Refuse the whole set if one file is wrong (``too_many``: the message when more than ``most``)."""
    if len(files) + already > most:
        raise DomainError(too_many % {"count": most}, field="files", code="too_many")
    limit = max_bytes()
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise DomainError(
                _("%(name)s is larger than %(size)s MB.") % {"name": upload.name, "size": f"{limit / 1048576:g}"},
                field="files",
                code="file_size",
            )
        if not upload.size:
            raise DomainError(_("%(name)s is empty.") % {"name": upload.name}, field="files", code="file_empty")
        upload_type(upload)


def stored_file_response(request: HttpRequest, attachment: Any) -> FileResponse:
    """An uploaded file (``file``, ``name``, ``content_type``) to a reader the caller has checked: images show
    in the browser, anything else downloads; the browser may not guess another type or run what it opens."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.content_type.startswith("image/") or request.GET.get("download") == "1",
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
