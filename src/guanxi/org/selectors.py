"""Reads of the organisation, all through the data-scope gate."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.permissions import MODULES, grants_of
from guanxi.core.scope import Scope
from guanxi.core.search import Hit

from .models import BusinessUnit, Department, LoginAttempt, Role, Team, User, UserSession


def directory(*, actor: User) -> QuerySet[User]:
    """The company directory: active colleagues of the actor's business unit (everyone for group-wide
    users). Names and phones of colleagues are organisation data every member needs (pickers, contacts);
    managing users goes through ``User.objects.visible_to`` instead."""
    people = User.objects.filter(status=User.Status.ACTIVE).select_related("department", "manager")
    if actor.is_superuser or actor.business_unit_id is None:
        return people if actor.is_superuser else people.filter(pk=actor.pk)
    return people.filter(department__business_unit_id=actor.business_unit_id)


def colleagues_of(user: User, *, limit: int = 8) -> list[User]:
    """Active people of the user's department, the user left out."""
    if user.department_id is None:
        return []
    return list(directory(actor=user).filter(department_id=user.department_id).exclude(pk=user.pk)[:limit])


def _named(query: str) -> Q:
    """People whose name, username or mobile holds the typed text."""
    return Q(display_name__icontains=query) | Q(username__icontains=query) | Q(mobile__contains=query)


def search_people(*, actor: User, query: str, limit: int) -> list[Hit]:
    match = _named(query) | Q(email__icontains=query)
    return [
        Hit(
            str(user),
            " · ".join(filter(None, [str(user.department or ""), user.mobile])),
            reverse("org:user_detail", args=[user.pk]),
        )
        for user in directory(actor=actor).filter(match)[:limit]
    ]


def user_list(*, actor: User, filters: dict[str, Any]) -> QuerySet[User]:
    users = User.objects.visible_to(actor).select_related("department", "manager").prefetch_related("roles")
    if query := filters.get("q"):
        users = users.filter(
            Q(display_name__icontains=query) | Q(username__icontains=query) | Q(mobile__contains=query)
        )
    if department := filters.get("department"):
        users = users.filter(department__path__startswith=department.path)
    if status := filters.get("status"):
        users = users.filter(status=status)
    if role := filters.get("role"):
        users = users.filter(roles=role)
    return users.order_by("display_name", "pk")


def department_tree(*, actor: User) -> QuerySet[Department]:
    """Visible departments in tree order (a path sorts right after its parent's), with member counts."""
    return (
        Department.objects.visible_to(actor)
        .select_related("lead", "business_unit")
        .annotate(member_count=Count("members", filter=Q(members__status=User.Status.ACTIVE)))
        .order_by("path")
    )


def team_list(*, actor: User) -> QuerySet[Team]:
    return (
        Team.objects.visible_to(actor).select_related("lead").annotate(member_count=Count("members")).order_by("name")
    )


def role_list(*, actor: User) -> QuerySet[Role]:
    return Role.objects.visible_to(actor).annotate(holder_count=Count("users")).order_by("-is_default", "name")


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
            Q(username__icontains=user) | Q(user__display_name__icontains=user) | Q(user__username__iexact=user)
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


def people_in_scope(actor: User, module: str) -> QuerySet[User] | None:
    """The active colleagues whose records of ``module`` the actor may see, for an owner filter; None when
    there is nobody to choose (scope own or team: the actor sees their own)."""
    scope = grants_of(actor).scope(module)
    people = User.objects.filter(status=User.Status.ACTIVE).order_by("display_name", "pk")
    if scope == Scope.ALL:
        return people
    department = actor.department
    if scope in (None, Scope.OWN, Scope.TEAM) or department is None:
        return None
    if scope == Scope.UNIT:
        return people.filter(department__business_unit_id=department.business_unit_id)
    if scope == Scope.DEPARTMENT:
        return people.filter(department=department)
    return people.filter(department__path__startswith=department.path)


def people_among(*, actor: User, among: str) -> QuerySet[User]:
    """The people a person menu chooses among, named as the menu names them: ``directory`` (the actor's
    colleagues) or a module code (the colleagues in the actor's scope of it). Nobody for anything else."""
    if among == "directory":
        return directory(actor=actor)
    if among in MODULES:
        people = people_in_scope(actor, among)
        if people is not None:
            return people
    return User.objects.none()


def find_people(people: QuerySet[User], query: str, *, limit: int) -> list[tuple[int, str, str]]:
    """(pk, name, department) of the people whose name, username or mobile holds ``query``, for a menu's search."""
    rows = people.filter(_named(query)).order_by("display_name", "pk")
    return [
        (pk, name or username, department or "")
        for pk, name, username, department in rows.values_list("pk", "display_name", "username", "department__name")[
            :limit
        ]
    ]


def departments_in_scope(actor: User, module: str) -> QuerySet[Department] | None:
    """The departments whose records of ``module`` the actor may ask for (None: they see their own)."""
    scope = grants_of(actor).scope(module)
    rows = Department.objects.order_by("path")
    if scope == Scope.ALL:
        return rows
    department = actor.department
    if scope in (None, Scope.OWN, Scope.TEAM) or department is None:
        return None
    if scope == Scope.UNIT:
        return rows.filter(business_unit_id=department.business_unit_id)
    if scope == Scope.DEPARTMENT:
        return rows.filter(pk=department.pk)
    return rows.filter(path__startswith=department.path)


def register() -> None:
    """The administration menu's entries, the global search's provider of people, and the dashboard's panels:
    the reader's own account and their department's colleagues."""
    from guanxi.core import dashboard, navigation, search

    search.register(search.Provider(_("People"), search_people))
    dashboard.register(dashboard.Panel("org/panels/account.html", order=10))
    dashboard.register(
        dashboard.Panel("org/panels/colleagues.html", lambda request: {"colleagues": colleagues_of(request.user)}, 20)
    )
    admin = _("Administration")
    for label, url, icon, order, code in [
        (_("Users"), "org:users", "users", 900, "org.view"),
        (_("Departments"), "org:departments", "sitemap", 910, "org.view"),
        (_("Teams"), "org:teams", "users-group", 920, "org.view"),
        (_("Roles"), "org:roles", "shield-lock", 930, "roles.view"),
    ]:
        navigation.register(navigation.NavItem(label, url, icon, order, navigation.needs(code), admin))
    navigation.register(navigation.NavItem(_("Business units"), "org:units", "building", 905, _several_units, admin))
    for label, url_name, icon, order in (
        (_("Login log"), "org:login_log", "history", 940),
        (_("Online users"), "org:online_users", "plug-connected", 950),
        (_("Inactive users"), "org:inactive_users", "user-off", 960),
    ):
        navigation.register(navigation.NavItem(label, url_name, icon, order, navigation.needs("org.view"), admin))


def _several_units(request: object) -> bool:
    """A single-company install never shows the business-unit concept."""
    from guanxi.core.permissions import has_perm

    return has_perm(getattr(request, "user", None), "org.view") and BusinessUnit.objects.count() > 1
