"""Permission codes (``module.action``) granted by roles, and the checks views, the API, templates and
jobs make with them. Data scope (which rows) is the other half, in ``core.scope``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .errors import NotPermitted
from .scope import Scope

if TYPE_CHECKING:
    from guanxi.org.models import User

ACTIONS: dict[str, Promise] = {
    "view": _("View"),
    "create": _("Create"),
    "edit": _("Edit"),
    "delete": _("Delete"),
    "export": _("Export"),
    "import": _("Import"),
    "assign": _("Assign"),
    "approve": _("Approve"),
    "configure": _("Configure"),
    "unmask": _("See contact details"),
}


@dataclass(frozen=True)
class Module:
    """A module of the product whose actions roles grant. ``kind`` picks the default roles' grants:
    ``sales`` modules are worked by salespeople, ``admin`` modules by administrators. ``personal``
    modules (a user's own notifications) are held by every active user, on their own rows only, and
    no role widens them: not even a superuser reads someone else's."""

    code: str
    label: str | Promise
    actions: tuple[str, ...]
    kind: str = "sales"

    def codes(self) -> list[str]:
        return [f"{self.code}.{action}" for action in self.actions]


PERSONAL = "personal"

MODULES: dict[str, Module] = {}


def register_module(module: Module) -> None:
    unknown = set(module.actions) - set(ACTIONS)
    if unknown:
        raise ValueError(f"unknown actions {unknown} for module {module.code}")
    MODULES[module.code] = module


def all_codes() -> set[str]:
    return {code for module in MODULES.values() for code in module.codes()}


@dataclass(frozen=True)
class Grants:
    """What one user may do: the union of their roles, computed once per request."""

    superuser: bool
    codes: frozenset[str]
    scopes: dict[str, Scope]  # module → the widest scope among the roles that grant its ``view``
    personal: frozenset[str] = frozenset()  # personal modules: always scope OWN, whatever the roles
    code_scopes: dict[str, Scope] = field(default_factory=dict)  # code → the widest scope of a role granting it
    two_factor: bool = False  # a role requires two-factor sign-in (read with the roles: no query of its own)
    role_ids: frozenset[int] = frozenset()  # the roles themselves, for settings kept per role

    def allows(self, code: str) -> bool:
        return self.superuser or code in self.codes

    def scope_of(self, code: str) -> Scope | None:
        """The widest data scope among the roles that grant ``code`` (e.g. how far ``system.configure`` reaches)."""
        if not self.allows(code):
            return None
        return Scope.ALL if self.superuser else self.code_scopes.get(code)

    def scope(self, module: str) -> Scope | None:
        if module in self.personal:
            return self.scopes.get(module)
        return Scope.ALL if self.superuser else self.scopes.get(module)


# The codes a channel partner's person holds, whatever roles anyone gave them (the portal registers them):
# just what its services need to act for them; their rows come from the partner scope (core.scope).
PARTNER_CODES: set[str] = set()


def register_partner_codes(*codes: str) -> None:
    PARTNER_CODES.update(codes)


def grants_of(user: User) -> Grants:
    cached: Grants | None = getattr(user, "_grants", None)
    if cached is not None:
        return cached
    from .scope import partner_of

    if partner_of(user) is not None:  # never a role, a superuser's reach or a personal module
        grants = Grants(superuser=False, codes=frozenset(PARTNER_CODES if user.is_active else ()), scopes={})
        user._grants = grants  # type: ignore[attr-defined]
        return grants
    codes: set[str] = set()
    scopes: dict[str, Scope] = {}
    code_scopes: dict[str, Scope] = {}
    personal: set[str] = set()
    two_factor = False
    role_ids: set[int] = set()
    if user.is_active:
        for role_id, permissions, data_scope, require_two_factor in _roles_of(user):
            role_ids.add(role_id)
            two_factor = two_factor or require_two_factor
            role_codes = set(permissions)
            codes |= role_codes
            role_scope = Scope(data_scope)
            for code in role_codes:
                if code not in code_scopes or role_scope.width > code_scopes[code].width:
                    code_scopes[code] = role_scope
                name, _sep, action = code.partition(".")
                if action == "view" and (name not in scopes or role_scope.width > scopes[name].width):
                    scopes[name] = role_scope
        for module in MODULES.values():
            if module.kind == PERSONAL:
                personal.add(module.code)
                codes |= set(module.codes())
                scopes[module.code] = Scope.OWN
    grants = Grants(
        superuser=user.is_active and user.is_superuser,
        codes=frozenset(codes),
        scopes=scopes,
        personal=frozenset(personal),
        code_scopes=code_scopes,
        two_factor=two_factor,
        role_ids=frozenset(role_ids),
    )
    user._grants = grants  # type: ignore[attr-defined]
    return grants


# The roles each user holds, kept in the cache beside a stamp that any change to a role, to who holds which role
# or a new user replaces: a request then reads its user's roles without a query. Whether the user is active
# (frozen, left) is never cached: it comes with the user's row, read on every request.
ROLES_STAMP = "guanxi:roles-stamp"
ROLES_KEPT = 300  # seconds; a bound on staleness should a stamp's replacement ever fail to reach the cache


def _roles_of(user: User) -> list[tuple[int, list[str], str, bool]]:
    """(id, permissions, data scope, two-factor required) of each of the user's roles."""
    key = f"guanxi:roles-of:{user.pk}"
    found = cache.get_many([ROLES_STAMP, key])
    stamp, kept = found.get(ROLES_STAMP), found.get(key)
    if stamp is not None and kept is not None and kept[0] == stamp:
        return list(kept[1])
    # The stamp is read before the roles: a change committed meanwhile replaces it, so this entry never serves.
    roles = [(role.pk, list(role.permissions), role.data_scope, role.require_two_factor) for role in user.roles.all()]
    if stamp is None:
        cache.add(ROLES_STAMP, uuid4().hex, timeout=None)
    else:
        cache.set(key, (stamp, roles), timeout=ROLES_KEPT)
    return roles


def roles_changed(**kwargs: Any) -> None:
    """Signal receiver: a role, an assignment or a user changed; every kept set of roles is out of date, now
    and again once the transaction commits (a request reading meanwhile sees the rows from before)."""
    cache.set(ROLES_STAMP, uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(ROLES_STAMP, uuid4().hex, timeout=None))


def forget_grants(user: User) -> None:
    """Drop the cached grants after the user's roles changed."""
    user.__dict__.pop("_grants", None)


def has_perm(user: Any, code: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return grants_of(user).allows(code)


def require_perm(user: Any, code: str) -> None:
    """Raise NotPermitted unless the user holds ``code``; services call this first."""
    if not has_perm(user, code):
        raise NotPermitted(_("You are not allowed to do this."))


def perm_required(code: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: sign-in first, then the permission; without it the 403 page."""
    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not has_perm(request.user, code):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate
