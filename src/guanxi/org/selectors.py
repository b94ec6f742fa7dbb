"""Reads of the organisation."""

from django.db.models import Q, QuerySet
from django.urls import reverse

from guanxi.core.search import Hit

from .models import User


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
