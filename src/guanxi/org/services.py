"""Writes on users, roles and the organisation. Each function is one transaction, checks the actor's
permission and scope first, validates everything, then writes and records the audit entry."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import translation
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.custom_fields import custom_values_clean
from guanxi.core.config.units import config_unit_check, config_unit_for_new
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import MODULES, all_codes, forget_grants, grants_of, require_perm
from guanxi.core.scope import Scope

from .handover import owned_types
from .models import BusinessUnit, Department, Role, Team, User
from .roles import DEFAULT_ROLES, kept_unless_changed

# --- the signed-in user's own account --------------------------------------------------------------


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str, mobile: str, email: str, language: str, amounts_in_wan: bool
) -> User:
    before = snapshot(user, PROFILE_FIELDS)
    user.display_name = display_name
    user.mobile = mobile
    user.email = email
    user.language = language
    user.amounts_in_wan = amounts_in_wan
    user.full_clean(exclude=["password"])
    user.save(update_fields=PROFILE_FIELDS)
    audit_log(actor=user, action=Action.UPDATE, obj=user, changes=diff(before, snapshot(user, PROFILE_FIELDS)))
    return user


PROFILE_FIELDS = ["display_name", "mobile", "email", "language", "amounts_in_wan"]


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in User.Language.values:
        raise DomainError(_("Choose a language from the list."), field="language")
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise DomainError(_("Your old password was entered incorrectly."), field="old_password")
    _check_password(new_password, user, field="new_password1")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log(actor=user, action=Action.UPDATE, obj=user, note="password changed")


def _check_password(password: str, user: User, *, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field=field) from error


@transaction.atomic
def user_create_admin(*, username: str, display_name: str, password: str) -> User:
    """A system administrator, for installation; refuses a weak password or a taken username."""
    user = User(username=username, display_name=display_name or username, is_superuser=True)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_log(actor=None, action=Action.CREATE, obj=user, note="created from the command line")
    return user


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


def _check_can_grant(actor: User, role: Role, *, field: str | None = None) -> None:
    grants = grants_of(actor)
    if grants.superuser:
        return
    missing = set(role.permissions) - grants.codes
    widest = max((scope.width for scope in grants.scopes.values()), default=-1)
    if missing or Scope(role.data_scope).width > widest:
        raise DomainError(
            _("You cannot grant the role “%(role)s”: it allows more than you may do yourself.") % {"role": role},
            field=field,
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
    from rest_framework.authtoken.models import Token

    from .security import sessions_end_for_user

    Token.objects.filter(user=user).delete()
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
        note=f"handed over to {successor}" if successor else "returned to the pool",
    )
    return user


# --- business units, departments, teams ------------------------------------------------------------


def _require_group_scope(actor: User) -> None:
    if grants_of(actor).scope("org") != Scope.ALL:
        raise NotPermitted(_("Only group-level administrators manage business units."))


@transaction.atomic
def unit_create(*, actor: User, name: str, code: str) -> BusinessUnit:
    require_perm(actor, "org.create")
    _require_group_scope(actor)
    unit = BusinessUnit(name=name, code=code)
    unit.full_clean()
    unit.save()
    audit_log(actor=actor, action=Action.CREATE, obj=unit, changes=diff({}, snapshot(unit, ["name", "code"])))
    return unit


@transaction.atomic
def unit_update(*, actor: User, unit: BusinessUnit, name: str, code: str) -> BusinessUnit:
    require_perm(actor, "org.edit")
    _require_group_scope(actor)
    before = snapshot(unit, ["name", "code"])
    unit.name, unit.code = name, code
    unit.full_clean()
    unit.save()
    audit_log(actor=actor, action=Action.UPDATE, obj=unit, changes=diff(before, snapshot(unit, ["name", "code"])))
    return unit


DEPARTMENT_FIELDS = ["name", "parent", "lead", "sort_order"]


@transaction.atomic
def department_create(
    *,
    actor: User,
    name: str,
    parent: Department | None,
    business_unit: BusinessUnit | None = None,
    lead: User | None = None,
    sort_order: int = 0,
) -> Department:
    require_perm(actor, "org.create")
    if parent is None:
        _require_group_scope(actor)  # a new root is a new tree: only group-level admins start one
        if business_unit is None:
            raise DomainError(_("Choose a business unit."), field="business_unit")
    else:
        _check_parent(actor, parent)
        business_unit = parent.business_unit
    department = Department(name=name, parent=parent, business_unit=business_unit, lead=lead, sort_order=sort_order)
    department.full_clean(exclude=["path"])
    department.save()
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.save(update_fields=["path"])
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=department,
        changes=diff({}, snapshot(department, DEPARTMENT_FIELDS)),
    )
    return department


def _check_parent(actor: User, parent: Department) -> None:
    if not Department.objects.visible_to(actor).filter(pk=parent.pk).exists():
        raise DomainError(_("Choose a parent department within your data scope."), field="parent")


def _visible_department(actor: User, department: Department) -> None:
    if not Department.objects.visible_to(actor).filter(pk=department.pk).exists():
        raise NotPermitted(_("This department is outside your data scope."))


@transaction.atomic
def department_update(
    *, actor: User, department: Department, name: str, lead: User | None, sort_order: int
) -> Department:
    require_perm(actor, "org.edit")
    _visible_department(actor, department)
    before = snapshot(department, DEPARTMENT_FIELDS)
    department.name, department.lead, department.sort_order = name, lead, sort_order
    department.full_clean(exclude=["path"])
    department.save()
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=department,
        changes=diff(before, snapshot(department, DEPARTMENT_FIELDS)),
    )
    return department


@transaction.atomic
def department_move(*, actor: User, department: Department, parent: Department) -> Department:
    """Move a department (with everything below it) under another one of the same unit; no cycles."""
    require_perm(actor, "org.edit")
    _visible_department(actor, department)
    _check_parent(actor, parent)
    department = Department.objects.select_for_update().get(pk=department.pk)
    parent = Department.objects.get(pk=parent.pk)
    if parent.path.startswith(department.path):
        raise DomainError(_("A department cannot move under itself or one of its sub-departments."), field="parent")
    if parent.business_unit_id != department.business_unit_id:
        raise DomainError(_("A department can only move within its business unit."), field="parent")
    old_path, new_path = department.path, f"{parent.path}{department.pk}/"
    before_parent = department.parent_id
    Department.objects.filter(pk=department.pk).update(parent=parent)
    # Rewrite the prefix of the whole subtree in one statement.
    Department.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    department.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=department, changes={"parent": [before_parent, parent.pk]})
    return department


@transaction.atomic
def department_delete(*, actor: User, department: Department) -> None:
    require_perm(actor, "org.delete")
    _visible_department(actor, department)
    if department.children.exists():
        raise DomainError(_("This department has sub-departments; move or delete them first."))
    members = department.members.exclude(status=User.Status.LEFT).count()
    if members:
        raise DomainError(
            _("This department still has %(count)d people; move them to another department first.") % {"count": members}
        )
    department.members.update(department=None)  # departed users keep their history, not the department
    audit_log(actor=actor, action=Action.DELETE, obj=department, changes=diff(snapshot(department), {}))
    department.delete()


TEAM_FIELDS = ["name", "lead"]


@transaction.atomic
def team_save(
    *,
    actor: User,
    team: Team | None,
    name: str,
    lead: User | None,
    members: list[User],
    business_unit: BusinessUnit | None = None,
) -> Team:
    """Create (team=None) or update a team and set its members."""
    require_perm(actor, "org.edit" if team else "org.create")
    visible = User.objects.visible_to(actor)
    outside = [m for m in [*members, *([lead] if lead else [])] if not visible.filter(pk=m.pk).exists()]
    if outside:
        raise DomainError(_("Choose people within your data scope."), field="members")
    creating = team is None
    if team is None:
        unit = business_unit or (actor.department.business_unit if actor.department else None)
        if unit is None:
            raise DomainError(_("Choose a business unit."), field="business_unit")
        team = Team(business_unit=unit)
    before = (
        {}
        if creating
        else {**snapshot(team, TEAM_FIELDS), "members": sorted(team.members.values_list("pk", flat=True))}
    )
    team.name, team.lead = name, lead
    team.full_clean()
    team.save()
    team.members.set(members)
    after = {**snapshot(team, TEAM_FIELDS), "members": sorted(m.pk for m in members)}
    audit_log(
        actor=actor,
        action=Action.CREATE if creating else Action.UPDATE,
        obj=team,
        changes=diff(before, after),
    )
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    require_perm(actor, "org.delete")
    audit_log(actor=actor, action=Action.DELETE, obj=team, changes=diff(snapshot(team, TEAM_FIELDS), {}))
    team.delete()


# --- roles -----------------------------------------------------------------------------------------

ROLE_FIELDS = ["name", "code", "description", "permissions", "data_scope", "require_two_factor"]


@transaction.atomic
def role_save(
    *,
    actor: User,
    role: Role | None,
    name: str,
    code: str,
    description: str,
    permissions: list[str],
    data_scope: str,
    require_two_factor: bool,
) -> Role:
    """Create (role=None) or update a role. Nobody edits a role they hold, or grants more than they have.
    A unit administrator's new role is their unit's, an all-units administrator's group-wide; group-wide
    roles (the default ones too) change only with the all-units scope (SPEC §1.1)."""
    require_perm(actor, "roles.edit" if role else "roles.create")
    if role is not None and not actor.is_superuser and actor.roles.filter(pk=role.pk).exists():
        raise NotPermitted(_("You cannot change a role you hold yourself."))
    if role is None:
        unit = config_unit_for_new(actor=actor, code="roles.create")
    else:
        config_unit_check(actor=actor, code="roles.edit", unit_id=role.business_unit_id)
        unit = role.business_unit_id
    unknown = set(permissions) - all_codes()
    if unknown:
        raise DomainError(
            _("Unknown permissions: %(codes)s") % {"codes": ", ".join(sorted(unknown))}, field="permissions"
        )
    if role is not None and role.is_default:  # a form sends back the label it showed: unchanged, it stays shipped
        name = kept_unless_changed(code=role.code, part="label", stored=role.name, submitted=name)
        description = kept_unless_changed(
            code=role.code, part="description", stored=role.description, submitted=description
        )
    candidate = role or Role(business_unit_id=unit)
    before = {} if role is None else snapshot(role, ROLE_FIELDS)
    candidate.name, candidate.code, candidate.description = name, code, description
    candidate.permissions = sorted(set(permissions))
    candidate.data_scope = data_scope
    candidate.require_two_factor = require_two_factor
    candidate.full_clean()
    _check_can_grant(actor, candidate, field="permissions")
    if role is not None and role.code == "system_admin" and role.is_default:
        raise DomainError(_("The system administrator role cannot be changed."))
    candidate.save()
    for holder in candidate.users.all():
        forget_grants(holder)
    audit_log(
        actor=actor,
        action=Action.PERMISSION,
        obj=candidate,
        changes=diff(before, snapshot(candidate, ROLE_FIELDS)),
    )
    return candidate


@transaction.atomic
def role_delete(*, actor: User, role: Role) -> None:
    config_unit_check(actor=actor, code="roles.delete", unit_id=role.business_unit_id)
    if role.is_default:
        raise DomainError(_("Default roles cannot be deleted."))
    holders = role.users.count()
    if holders:
        raise DomainError(_("%(count)d people hold this role; take it from them first.") % {"count": holders})
    audit_log(actor=actor, action=Action.PERMISSION, obj=role, changes=diff(snapshot(role, ROLE_FIELDS), {}))
    role.delete()


@transaction.atomic
def roles_sync_defaults() -> None:
    """Create the default roles, and grant them each module they have not been granted yet (a new
    module arrives with an upgrade); a grant an administrator removed later stays removed."""
    for default in DEFAULT_ROLES:
        with translation.override(None):  # stored as their source; shown translated until renamed
            name, description = str(default.label), str(default.description)
        role, _created = Role.objects.get_or_create(
            code=default.code,
            defaults={
                "name": name,
                "description": description,
                "data_scope": Scope(default.scope),
                "is_default": True,
            },
        )
        new_modules = [module for code, module in MODULES.items() if code not in role.granted_modules]
        if not new_modules:
            continue
        added = [code for module in new_modules for code in default.codes_for(module)]
        role.permissions = sorted(set(role.permissions) | set(added))
        role.granted_modules = sorted([*role.granted_modules, *(module.code for module in new_modules)])
        role.save(update_fields=["permissions", "granted_modules"])
