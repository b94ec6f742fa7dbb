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


OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ZIP = (b"PK\x03\x04",)
TEXT: tuple[bytes, ...] = ()  # no signature: the first bytes must read as UTF-8 text
ISO_MEDIA = (b"ftyp",)  # HEIC photos and M4A recordings: an ISO media box, from the fifth byte
# extension → (content type, the file's first bytes must start with one of these)
ACCEPTED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".heic": ("image/heic", ISO_MEDIA),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", OLE),
    ".xls": ("application/vnd.ms-excel", OLE),
    ".ppt": ("application/vnd.ms-powerpoint", OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    ".zip": ("application/zip", ZIP),
    ".txt": ("text/plain", TEXT),
    ".csv": ("text/csv", TEXT),
    ".md": ("text/markdown", TEXT),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".m4a": ("audio/mp4", ISO_MEDIA),
    ".amr": ("audio/amr", (b"#!AMR",)),
    ".wav": ("audio/wav", (b"RIFF",)),
}
IMAGES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic"})
# Programs, whatever their name: Windows (MZ), Linux (ELF), macOS (Mach-O), Java classes, scripts.
EXECUTABLE = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa", b"\xca\xfe\xba\xbe", b"#!/")


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def accepted_extensions(*, images_only: bool = False) -> str:
    return ", ".join(sorted(IMAGES if images_only else ACCEPTED))


def files_help(most: int) -> str:
    """What a file field accepts, for its help text."""
    return _("Up to %(count)d files of at most %(size)s MB: %(types)s") % {
        "count": most,
        "size": f"{max_bytes() / 1048576:g}",
        "types": accepted_extensions(),
    }


def upload_type(upload: UploadedFile, *, field: str = "files", images_only: bool = False) -> str:
    """The content type of an accepted file, by its name and, checked on its first bytes, its content: an
    executable renamed ``.pdf`` or ``.txt`` is refused. DomainError on ``field`` otherwise."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    if extension not in (IMAGES if images_only else ACCEPTED):
        raise DomainError(
            _("%(name)s: this type of file is not accepted (accepted: %(types)s).")
            % {"name": name, "types": accepted_extensions(images_only=images_only)},
            field=field,
            code="file_type",
        )
    content_type, signatures = ACCEPTED[extension]
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if head.startswith(EXECUTABLE) or not _content_matches(extension, signatures, head):
        raise DomainError(
            _("%(name)s: the file's content does not match its type.") % {"name": name},
            field=field,
            code="file_content",
        )
    return content_type


def _content_matches(extension: str, signatures: tuple[bytes, ...], head: bytes) -> bool:
    if signatures is TEXT:
        return _is_text(head)
    if signatures is ISO_MEDIA:
        return head[4:8] == b"ftyp"
    if extension == ".webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return any(head.startswith(signature) for signature in signatures)


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a multi-byte character cut at the end of the sample is fine
        return error.start >= len(head) - 3
    return True


def upload_check(
    upload: UploadedFile, *, field: str = "files", limit: int | None = None, images_only: bool = False
) -> str:
    """One file as it may be kept: not empty, at most ``limit`` bytes (the site's limit by default), of an
    accepted type by name and content. Returns its content type; DomainError on ``field`` otherwise."""
    name = PurePath(upload.name or "").name
    limit = max_bytes() if limit is None else limit
    if not upload.size:
        raise DomainError(_("%(name)s is empty.") % {"name": name}, field=field, code="file_empty")
    if upload.size > limit:
        raise DomainError(
            _("%(name)s is larger than %(size)s MB.") % {"name": name, "size": f"{limit / 1048576:g}"},
            field=field,
            code="file_size",
        )
    return upload_type(upload, field=field, images_only=images_only)


def uploads_clean(files: Sequence[UploadedFile], *, already: int = 0, most: int, too_many: str) -> None:
    """Refuse the whole set if one file is wrong (``too_many``: the message when more than ``most``)."""
    if len(files) + already > most:
        raise DomainError(too_many % {"count": most}, field="files", code="too_many")
    for upload in files:
        upload_check(upload)


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
