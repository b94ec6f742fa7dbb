"""The shared tools' records, each area in its sub-package: announcements (公告), documents (文档) and sales
scripts (销售话术). Django finds the models here."""

from .announcements.models import Announcement, AnnouncementAttachment, AnnouncementFeed, AnnouncementRead
from .documents.models import Document, DocumentVersion, Folder, FolderGrant
from .scripts.models import Script, ScriptVote

__all__ = [
    "Announcement",
    "AnnouncementAttachment",
    "AnnouncementFeed",
    "AnnouncementRead",
    "Document",
    "DocumentVersion",
    "Folder",
    "FolderGrant",
    "Script",
    "ScriptVote",
]


def register() -> None:
    from .announcements.models import register as announcements
    from .documents.models import register as documents
    from .scripts.models import register as scripts

    announcements()
    documents()
    scripts()
