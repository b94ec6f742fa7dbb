"""Managing users: create, edit, roles, freeze, and the hand-over when one leaves."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.custom_fields import custom_values_clean
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import forget_grants, require_perm
from guanxi.core.scope import partner_of
from guanxi.core.texts import Text

from ..handover import owned_types
from ..history import HANDED_OVER
from ..models import Department, Role, User
from .account import _check_password
from .roles import _check_can_grant

# --- users -----------------------------------------------------------------------------------------

USER_FIELDS = ["username", "display_name", "mobile", "email", "department", "manager", "language", "custom"]


def _visible_user(actor: User, user: User) -> User:
    """The target user through the gate: out of the actor's scope is the same as missing."""
    if not User.objects.visible_to(actor).filter(pk=user.pk).exists():
        raise NotPermitted(_("This user is outside your data scope."))
    return user


def _check_department(actor: User, department: Department | None) -> None:
    if department is not None and not Department.objects.visible_to(actor).filter(pk=department.pk).exists():
        raise DomainError(_("Choose a department within your data scope."), field="department")


@transaction.atomic
def user_create(*, actor: User, password: str, roles: list[Role] | None = None, **fields: Any) -> User:
    require_perm(actor, "org.create")
    _check_department(actor, fields.get("department"))
    department = fields.get("department")
    unit = department.business_unit_id if department else None
    fields["custom"] = custom_values_clean(model=User, unit=unit, values=fields.get("custom") or {})
    user = User(**fields)
    user.full_clean(exclude=["password"])
    _check_password(password, user, field="password")
    user.set_password(password)
    user.save()
    if fields.get("manager") is None and user.department and user.department.lead_id:
        user.manager_id = user.department.lead_id if user.department.lead_id != user.pk else None
        user.save(update_fields=["manager"])
    audit_log(actor=actor, action=Action.CREATE, obj=user, changes=diff({}, snapshot(user, USER_FIELDS)))
    if roles:
        user_set_roles(actor=actor, user=user, roles=roles)
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, roles: list[Role] | None = None, **fields: Any) -> User:
    require_perm(actor, "org.edit")
    _visible_user(actor, user)
    if "department" in fields:
        _check_department(actor, fields["department"])
        if fields["department"] is not None and partner_of(user) is not None:
            raise DomainError(_("A channel partner's user cannot join a department."), field="department")
    if fields.get("manager") is not None and fields["manager"].pk == user.pk:
        raise DomainError(_("A user cannot be their own manager."), field="manager")
    before = snapshot(user, USER_FIELDS)
    if "custom" in fields:
        department = fields.get("department", user.department)
        unit = department.business_unit_id if department else None
        fields["custom"] = custom_values_clean(
            model=User, unit=unit, values=fields["custom"] or {}, current=user.custom
        )
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    audit_log(actor=actor, action=Action.UPDATE, obj=user, changes=diff(before, snapshot(user, USER_FIELDS)))
    if roles is not None:
        user_set_roles(actor=actor, user=user, roles=roles)
    return user


@transaction.atomic
def user_set_roles(*, actor: User, user: User, roles: list[Role]) -> None:
    """Grant exactly these roles. Nobody changes their own roles, and an administrator can only grant
    what they hold themselves — so no one can raise their own permissions."""
    require_perm(actor, "org.edit")
    _visible_user(actor, user)
    current = set(user.roles.all())
    wanted = set(roles)
    if current == wanted:
        return
    if user.pk == actor.pk and not actor.is_superuser:
        raise NotPermitted(_("You cannot change your own roles."))
    for role in wanted - current:
        _check_can_grant(actor, role, field="roles")
        if role.business_unit_id not in (None, user.business_unit_id):
            raise DomainError(
                _("The role “%(role)s” belongs to another business unit.") % {"role": role}, field="roles"
            )
    if _is_last_admin(user) and not _grants_admin(wanted, user):
        raise DomainError(_("This is the last system administrator; give the role to someone else first."))
    user.roles.set(wanted)
    forget_grants(user)
    audit_log(
        actor=actor,
        action=Action.PERMISSION,
        obj=user,
        changes={"roles": [sorted(r.code for r in current), sorted(r.code for r in wanted)]},
    )


def system_admins() -> Any:
    return User.objects.filter(
        Q(is_superuser=True) | Q(roles__code="system_admin"), status=User.Status.ACTIVE
    ).distinct()


def _grants_admin(roles: set[Role], user: User) -> bool:
    return user.is_superuser or any(role.code == "system_admin" for role in roles)


def _is_last_admin(user: User) -> bool:
    admins = system_admins()
    return admins.filter(pk=user.pk).exists() and admins.count() == 1


@transaction.atomic
def user_freeze(*, actor: User, user: User) -> User:
    """Frozen users cannot sign in; their sessions and tokens stop working on the next request."""
    require_perm(actor, "org.edit")
    _visible_user(actor, user)
    if user.pk == actor.pk:
        raise DomainError(_("You cannot freeze yourself."))
    if user.status != User.Status.ACTIVE:
        raise DomainError(_("Only an active user can be frozen."))
    if _is_last_admin(user):
        raise DomainError(_("The last system administrator cannot be frozen."))
    _set_status(actor, user, User.Status.FROZEN)
    return user


@transaction.atomic
def user_unfreeze(*, actor: User, user: User) -> User:
    require_perm(actor, "org.edit")
    _visible_user(actor, user)
    if user.status != User.Status.FROZEN:
        raise DomainError(_("Only a frozen user can be unfrozen."))
    _set_status(actor, user, User.Status.ACTIVE)
    return user


def _set_status(actor: User, user: User, status: str) -> None:
    before = user.status
    # Conditional update: two admins acting at once change the status once.
    changed = User.objects.filter(pk=user.pk, status=before).update(status=status)
    if not changed:
        raise DomainError(_("Someone else changed this user just now; reload and try again."), code="conflict")
    user.status = status
    audit_log(actor=actor, action=Action.UPDATE, obj=user, changes={"status": [before, status]})
    if status != User.Status.ACTIVE:
        _end_sessions(user)


def _end_sessions(user: User) -> None:
    from ..security import sessions_end_for_user

    sessions_end_for_user(user=user)


def handover_summary(*, user: User) -> list[tuple[Any, int]]:
    """(record type, count) of everything the user owns, for the handover screen."""
    return [(owned, owned.rows_of(user).count()) for owned in owned_types()]


@transaction.atomic
def user_leave(*, actor: User, user: User, successor: User | None, customers_to_pool: bool = False) -> User:
    """离职: hand every owned record to the successor (or, where a module allows it, back to its pool),
    in one audited transaction; afterwards the departed user owns nothing."""
    require_perm(actor, "org.assign")
    _visible_user(actor, user)
    if user.pk == actor.pk:
        raise DomainError(_("You cannot hand over your own records."))
    if _is_last_admin(user):
        raise DomainError(_("The last system administrator cannot leave."))
    if user.status == User.Status.LEFT:
        raise DomainError(_("This user has already left."))
    owned = [(kind, kind.rows_of(user)) for kind in owned_types()]
    needs_successor = any(rows.exists() for kind, rows in owned if not (customers_to_pool and kind.to_pool))
    if needs_successor:
        if successor is None:
            raise DomainError(_("Choose who takes over this user's records."), field="successor")
        if successor.pk == user.pk or not successor.is_active:
            raise DomainError(_("Choose an active colleague other than the one leaving."), field="successor")
        _visible_user(actor, successor)
    moved: dict[str, int] = {}
    for kind, rows in owned:
        if customers_to_pool and kind.to_pool:
            count = kind.to_pool(actor, rows)
        else:
            if kind.moving and successor is not None:  # (without one, there are no rows to move)
                kind.moving(rows, successor)
            count = rows.update(**{kind.field: successor})
        if count:
            moved[str(kind.model._meta.label_lower)] = count
    if any(kind.rows_of(user).exists() for kind in owned_types()):  # the invariant, checked in the transaction
        raise DomainError(_("Some records could not be handed over; nothing was changed."))
    _set_status(actor, user, User.Status.LEFT)
    audit_log(
        actor=actor,
        action=Action.OWNERSHIP,
        obj=user,
        changes={label: [count, 0] for label, count in moved.items()},
        note=Text(HANDED_OVER, successor=successor) if successor else "returned to the pool",
    )
    return user
