"""Attachment rules of follow-ups (SPEC §4.1): files, photos and call recordings through Django's storage,
checked by ``core.uploads``; downloads only through a permission-checked view (the storage path is never shown)."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from guanxi.core.uploads import upload_type, uploads_clean
from guanxi.org.models import User

from .models import FollowUp, FollowUpAttachment

MAX_FILES = 10


def attachments_clean(files: Sequence[UploadedFile], *, already: int = 0) -> None:
    uploads_clean(files, already=already, most=MAX_FILES, too_many=_("At most %(count)d files per follow-up."))


def attachment_store(*, followup: FollowUp, upload: UploadedFile, actor: User) -> FollowUpAttachment:
    """Save one checked upload to the storage (the caller validated it with ``attachments_clean``)."""
    name = PurePath(upload.name or "file").name[:200]
    return FollowUpAttachment.objects.create(
        followup=followup,
        file=upload,
        name=name,
        content_type=upload_type(upload) or mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=upload.size or 0,
        uploaded_by=actor,
    )
