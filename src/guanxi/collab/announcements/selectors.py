"""Reads of announcements: a reader's live ones (and how many are unread), the management list, and who of
the audience has read one and who has not (one indexed query each, whatever the audience's size)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from guanxi.core.scope import ScopedQuerySet
from guanxi.org.models import Department, User

from .models import Announcement, AnnouncementFeed, AnnouncementRead, Audience


def for_reader(*, actor: User) -> QuerySet[Any]:
    """The live announcements addressed to the reader, pinned first, each marked ``is_read``."""
    read = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user=actor)
    return (
        AnnouncementFeed.objects.visible_to(actor)
        .annotate(is_read=Exists(read))
        .select_related("author")
        .order_by("-pinned", "-published_at", "-pk")
    )


def unread(*, actor: User) -> QuerySet[Any]:
    return for_reader(actor=actor).filter(is_read=False)


def unread_count(*, actor: User) -> int:
    return unread(actor=actor).count()


def managed(*, actor: User) -> ScopedQuerySet[Announcement]:
    """The announcements the actor manages (their unit's, or every unit's with the group scope)."""
    return Announcement.objects.visible_to(actor).select_related("author").order_by("-publish_at", "-pk")


def audience_users(announcement: Announcement) -> QuerySet[User]:
    """The active people the announcement is addressed to."""
    people = User.objects.filter(status=User.Status.ACTIVE)
    if announcement.audience == Audience.ALL:
        return people
    unit = Q(department__business_unit_id=announcement.business_unit_id)
    if announcement.audience == Audience.UNIT:
        return people.filter(unit)
    if announcement.audience == Audience.DEPARTMENTS:
        paths = list(announcement.departments.values_list("path", flat=True))
        if not paths:
            return people.none()
        under = Q()
        for path in paths:
            under |= Q(path__startswith=path)
        departments = Department.objects.filter(under).values("pk")
        return people.filter(unit, department__in=departments)
    return people.filter(unit, roles__in=announcement.roles.all()).distinct()


def unread_users(announcement: Announcement) -> QuerySet[User]:
    read = AnnouncementRead.objects.filter(announcement=announcement, user=OuterRef("pk"))
    return audience_users(announcement).exclude(Exists(read))


def receipts(announcement: Announcement, *, shown: int = 200) -> dict[str, Any]:
    """Who has read it (latest first, with when) and who has not, the first ``shown`` of each, and the counts:
    a unit of thousands costs two counts and two short lists."""
    reads = AnnouncementRead.objects.filter(announcement=announcement)
    unread = unread_users(announcement)
    read_count, unread_count = reads.count(), unread.count()
    total = read_count + unread_count
    return {
        "read": list(reads.select_related("user").order_by("-read_at", "-pk")[:shown]),
        "unread": list(unread.select_related("department").order_by("department__name", "display_name")[:shown]),
        "read_count": read_count,
        "unread_count": unread_count,
        "total": total,
        "percent": round(100 * read_count / total) if total else 0,
    }
