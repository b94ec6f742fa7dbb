"""Announcements (公告, SPEC §14.4): formatted text for an audience (everyone, one unit, departments or roles),
pinned or not, published at a moment (by the sweep when it is later) and read until it expires; each
reader's first reading is a receipt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.org.models import BusinessUnit, Department, Role

if TYPE_CHECKING:
    from datetime import datetime

    from guanxi.org.models import User


class Audience(models.TextChoices):
    ALL = "all", _("Everyone in the group")
    UNIT = "unit", _("Everyone in the business unit")
    DEPARTMENTS = "departments", _("Chosen departments")
    ROLES = "roles", _("Chosen roles")


class Announcement(MainRecord):
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("author"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=50000)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices, default=Audience.UNIT)
    departments = models.ManyToManyField(Department, blank=True, related_name="+", verbose_name=_("departments"))
    roles = models.ManyToManyField(Role, blank=True, related_name="+", verbose_name=_("roles"))
    pinned = models.BooleanField(_("pinned"), default=False)
    publish_at = models.DateTimeField(_("publish at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # Set when the announcement went out (at once, or by the sweep at ``publish_at``): readers see it from then.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-pinned", "-publish_at", "-pk"]
        indexes = [
            models.Index(fields=["business_unit", "-publish_at"], name="announcement_unit_recent"),
            # The sweep: announcements due to go out.
            models.Index(fields=["publish_at"], condition=Q(published_at__isnull=True), name="announcement_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("publish_at")),
                name="announcement_expires_after_publishing",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("collab:announcement", args=[self.pk])

    def state(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.published_at is None:
            return "scheduled"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "published"


class AnnouncementFeed(Announcement):
    """The announcements as their readers see them: live and addressed to the reader. Its own scope rule
    (a personal module every user holds) puts the reader's feed behind the same gate as every other read."""

    class Meta:
        proxy = True
        verbose_name = _("announcement to read")
        verbose_name_plural = _("announcements to read")


class AnnouncementAttachment(models.Model):
    announcement = models.ForeignKey(Announcement, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="announcements/%Y/%m/", max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["announcement", "pk"]

    def __str__(self) -> str:
        return self.name


class AnnouncementRead(models.Model):
    """A reader's receipt: the first time they opened the announcement (or marked it read)."""

    announcement = models.ForeignKey(Announcement, models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="announcement_read_once")]
        indexes = [
            models.Index(fields=["user", "announcement"], name="announcement_read_user"),
            # the receipts' latest readers, read in index order instead of sorting a unit's thousands
            models.Index(fields=["announcement", "-read_at", "-id"], name="announcement_read_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id} {self.user_id}"


def audience_filter(actor: User) -> Q:
    """The announcements addressed to the actor (whether or not they are live yet)."""
    from guanxi.core.permissions import grants_of

    unit = actor.business_unit_id
    department = actor.department
    ancestors: list[int] = []
    if department is not None:
        ancestors = [int(part) for part in department.path.strip("/").split("/") if part.isdigit()] or [department.pk]
    role_ids = grants_of(actor).role_ids  # read with the actor's roles once per request: no query here
    return (
        Q(audience=Audience.ALL)
        | Q(audience=Audience.UNIT, business_unit_id=unit)
        | Q(
            audience=Audience.DEPARTMENTS,
            business_unit_id=unit,
            pk__in=Announcement.departments.through.objects.filter(department_id__in=ancestors).values(
                "announcement_id"
            ),
        )
        | Q(
            audience=Audience.ROLES,
            business_unit_id=unit,
            pk__in=Announcement.roles.through.objects.filter(role_id__in=role_ids).values("announcement_id"),
        )
    )


def live_filter(now: datetime) -> Q:
    return Q(published_at__isnull=False, published_at__lte=now) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def register() -> None:
    from guanxi.core import permissions, scope

    permissions.register_module(
        permissions.Module("announcements", _("Announcements"), ("view", "create", "edit", "delete"), kind="admin")
    )
    permissions.register_module(
        permissions.Module("announcement_feed", _("Announcements to read"), ("view",), kind=permissions.PERSONAL)
    )
    _badges_follow_announcements()
    # Those who manage announcements see their unit's (all units' with the group scope) …
    scope.register(Announcement, scope.Rule("announcements", owner="author", unit="business_unit"))
    # … and every reader the live ones addressed to them, listed with their own (the rule's ``queue``).
    scope.register(
        AnnouncementFeed,
        scope.Rule(
            "announcement_feed", owner=None, queue=lambda actor: audience_filter(actor) & live_filter(timezone.now())
        ),
    )


def _badges_follow_announcements() -> None:
    """The unread badge's kept counts (``selectors.unread_count``) go stale with any announcement, audience or
    receipt saved or deleted; the services' bulk updates (publish, delete) say so themselves."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .selectors import announcements_changed

    for model in (Announcement, AnnouncementRead):
        post_save.connect(announcements_changed, sender=model, dispatch_uid=f"badge-save-{model.__name__}")
        post_delete.connect(announcements_changed, sender=model, dispatch_uid=f"badge-delete-{model.__name__}")
    for through in (Announcement.departments.through, Announcement.roles.through):
        m2m_changed.connect(announcements_changed, sender=through, dispatch_uid=f"badge-m2m-{through.__name__}")
