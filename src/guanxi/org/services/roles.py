"""Roles and their permissions, and who may grant them."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.units import config_unit_check, config_unit_for_new
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import MODULES, all_codes, forget_grants, grants_of, require_perm
from guanxi.core.scope import Scope

from ..models import Role, User
from ..roles import DEFAULT_ROLES, kept_unless_changed


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
