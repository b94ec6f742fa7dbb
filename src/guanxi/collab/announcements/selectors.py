"""Reads of announcements: a reader's live ones (and how many are unread), the management list, and who of
the audience has read one and who has not (counted in one query, listed a page at a time, whatever the
audience's size)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from guanxi.core.permissions import ROLES_STAMP, grants_of
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


# The menu badge's count is kept per reader in the cache, beside what it depends on: the announcements' stamp
# (any announcement written, published or deleted, or a receipt, replaces it), the roles' stamp (a role, who
# holds it, a new user who may take a deleted one's id), the reader's unit, department and roles, and the moment
# the next live announcement expires. Every page shows the badge: counting it compiled the audience's subqueries
# each time (about 3 ms of a list page).
STAMP = "guanxi:announcements-stamp"
KEPT = 300  # seconds; a bound on staleness should a stamp's replacement ever fail to reach the cache


def unread_count(*, actor: User) -> int:
    key = f"guanxi:announcements-unread:{actor.pk}"
    found = cache.get_many([STAMP, ROLES_STAMP, key])
    now = timezone.now()
    reader = (found.get(STAMP) or _first_stamp(), found.get(ROLES_STAMP), actor.business_unit_id,
              actor.department.path if actor.department else "", tuple(grants_of(actor).role_ids))  # fmt: skip
    kept = found.get(key)
    if kept is not None and kept[0] == reader and (kept[2] is None or now < kept[2]):
        return int(kept[1])
    # The stamps were read before the rows: a change committed meanwhile replaces one, so this entry never serves.
    count = unread(actor=actor).count()
    if reader[0] is not None and reader[1] is not None:
        expiring = Announcement.objects.filter(published_at__isnull=False, expires_at__gt=now)
        cache.set(key, (reader, count, expiring.aggregate(first=Min("expires_at"))["first"]), timeout=KEPT)
    return count


def _first_stamp() -> str | None:
    """The stamp after a cache flush: ours, or the one another request set first."""
    stamp = uuid4().hex
    return stamp if cache.add(STAMP, stamp, timeout=None) else cache.get(STAMP)


def announcements_changed(**kwargs: Any) -> None:
    """Every kept badge count is out of date, now and again once the transaction commits (a page counting
    meanwhile reads the rows from before)."""
    cache.set(STAMP, uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(STAMP, uuid4().hex, timeout=None))


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


@dataclass(frozen=True)
class ReceiptCounts:
    read: int
    unread: int

    @property
    def total(self) -> int:
        return self.read + self.unread

    @property
    def percent(self) -> int:
        return round(100 * self.read / self.total) if self.total else 0


def receipt_counts(announcement: Announcement) -> ReceiptCounts:
    """How many of the audience have read it and how many have not, in one query whatever its size (a receipt
    of someone who has since left the audience is not counted). The readers are read once into a hash, not
    looked up person by person."""
    readers = AnnouncementRead.objects.filter(announcement=announcement).values("user_id")
    counts = audience_users(announcement).aggregate(total=Count("pk"), read=Count("pk", filter=Q(pk__in=readers)))
    return ReceiptCounts(read=counts["read"], unread=counts["total"] - counts["read"])


def receipt_departments(announcement: Announcement) -> QuerySet[Department]:
    """The departments to narrow the receipts to: the announcement's unit's (every unit's when it went to all)."""
    rows = Department.objects.order_by("business_unit_id", "path")
    return (
        rows if announcement.audience == Audience.ALL else rows.filter(business_unit_id=announcement.business_unit_id)
    )


def receipt_list(
    announcement: Announcement, *, read: bool, department: Department | None = None, name: str = ""
) -> QuerySet[Any]:
    """Who of the audience has read it (their receipts, latest first) or who has not (people, by department and
    name), narrowed to a department's tree and a name: to be read a page at a time."""
    people = audience_users(announcement)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    if name:
        people = people.filter(Q(display_name__icontains=name) | Q(username__icontains=name))
    if read:
        return (
            AnnouncementRead.objects.filter(announcement=announcement, user__in=people.values("pk"))
            .select_related("user__department")
            .order_by("-read_at", "-pk")
        )
    unread = AnnouncementRead.objects.filter(announcement=announcement, user=OuterRef("pk"))
    return (
        people.exclude(Exists(unread)).select_related("department").order_by("department__name", "display_name", "pk")
    )
