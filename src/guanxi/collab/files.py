"""What an uploaded file must be to be kept: not empty, not over the unit's size limit, of an accepted type,
and its content what its name says, checked on its first bytes: an executable renamed ``.pdf`` is refused."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import DomainError

OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ZIP = (b"PK\x03\x04",)
# extension → (content type, the first bytes must start with one of these; empty: text, checked below)
ACCEPTED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".doc": ("application/msword", OLE),
    ".xls": ("application/vnd.ms-excel", OLE),
    ".ppt": ("application/vnd.ms-powerpoint", OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    ".zip": ("application/zip", ZIP),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
    ".md": ("text/markdown", ()),
}
IMAGES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
# Programs, whatever their name: Windows (MZ), Linux (ELF), macOS (Mach-O), Java classes, scripts.
EXECUTABLE = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa", b"\xca\xfe\xba\xbe", b"#!")


class Checked:
    """An accepted upload: its name, type, size and digest."""

    def __init__(self, upload: UploadedFile, name: str, content_type: str, size: int, sha256: str) -> None:
        self.upload, self.name, self.content_type, self.size, self.sha256 = upload, name, content_type, size, sha256


def max_bytes(unit: int | None) -> int:
    return int(parameter_value("documents.max_file_mb", unit=unit)) * 1024 * 1024


def accepted_extensions(*, images_only: bool = False) -> str:
    return ", ".join(sorted(IMAGES if images_only else ACCEPTED))


def check_upload(upload: UploadedFile, *, unit: int | None, field: str = "file", images_only: bool = False) -> Checked:
    """The upload as it may be kept; a DomainError on ``field`` otherwise."""
    name = PurePath(upload.name or "").name[:200]
    size = upload.size or 0
    if size == 0:
        raise DomainError(_("%(name)s is empty.") % {"name": name}, field=field, code="empty_file")
    limit = max_bytes(unit)
    if size > limit:
        raise DomainError(
            _("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": limit // (1024 * 1024)},
            field=field,
            code="file_too_large",
        )
    extension = PurePath(name).suffix.lower()
    allowed = IMAGES if images_only else set(ACCEPTED)
    if extension not in allowed:
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
    mismatch = head.startswith(EXECUTABLE) or (
        not any(head.startswith(signature) for signature in signatures) if signatures else not _is_text(head)
    )
    if extension == ".webp" and head[8:12] != b"WEBP":
        mismatch = True
    if mismatch:
        raise DomainError(
            _("%(name)s: the file's content does not match its type.") % {"name": name},
            field=field,
            code="file_content",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Checked(upload, name, content_type, size, digest.hexdigest())


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a multi-byte character cut at the end of the sample is fine
        return error.start >= len(head) - 3
    return True


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
