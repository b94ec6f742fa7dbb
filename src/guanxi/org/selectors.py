"""Reads of the organisation."""

from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from guanxi.core.search import Hit

from .models import LoginAttempt, User, UserSession


def active_users() -> QuerySet[User]:
    return User.objects.filter(status=User.Status.ACTIVE).select_related("department", "manager")


def colleagues_of(user: User, *, limit: int = 8) -> list[User]:
    """Active people of the user's department, the user left out."""
    if user.department_id is None:
        return []
    return list(active_users().filter(department_id=user.department_id).exclude(pk=user.pk)[:limit])


def user_search(*, query: str, limit: int) -> list[User]:
    """Colleagues by name, username, mobile or e-mail fragment (the company directory)."""
    match = (
        Q(display_name__icontains=query)
        | Q(username__icontains=query)
        | Q(mobile__contains=query)
        | Q(email__icontains=query)
    )
    return list(active_users().filter(match)[:limit])


def search_people(*, actor: User, query: str, limit: int) -> list[Hit]:
    return [
        Hit(
            str(user),
            " · ".join(filter(None, [str(user.department or ""), user.mobile])),
            reverse("org:user_detail", args=[user.pk]),
        )
        for user in user_search(query=query, limit=limit)
    ]


# --- Sign-in security pages: each starts from visible_to(actor) ---------------------------------------

ONLINE_WITHIN = timedelta(minutes=30)


def login_log(
    *,
    actor: User,
    user: str = "",
    result: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    ip: str | None = None,
) -> QuerySet[LoginAttempt]:
    """The login log the actor may see, newest first, filtered."""
    attempts = LoginAttempt.objects.visible_to(actor).select_related("user")
    if user:
        attempts = attempts.filter(
            Q(username__icontains=user)
            | Q(user__display_name__icontains=user)
            | Q(user__username__iexact=user)
        )
    if result:
        attempts = attempts.filter(result=result)
    # Day bounds in the site's time zone, as timestamps, so the (…, at) indexes still serve the query.
    if date_from:
        attempts = attempts.filter(at__gte=_start_of(date_from))
    if date_to:
        attempts = attempts.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    if ip:
        attempts = attempts.filter(ip=ip)
    return attempts.order_by("-at", "-pk")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def online_sessions(*, actor: User, now: datetime | None = None) -> QuerySet[UserSession]:
    """Sessions used in the last 30 minutes, of the users the actor may see."""
    since = (now or timezone.now()) - ONLINE_WITHIN
    return (
        UserSession.objects.visible_to(actor)
        .filter(last_seen_at__gte=since)
        .select_related("user", "user__department")
        .order_by("-last_seen_at")
    )


def inactive_users(*, actor: User, days: int, now: datetime | None = None) -> QuerySet[User]:
    """Active users the actor may see who have not signed in for ``days`` days (never counts, once the
    account is that old), the longest idle first."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    idle = Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    return (
        User.objects.visible_to(actor)
        .filter(idle, status=User.Status.ACTIVE)
        .select_related("department")
        .order_by(F("last_login").asc(nulls_first=True), "display_name")
    )
