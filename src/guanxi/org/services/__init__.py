"""Writes on users, roles and the organisation. Each function is one transaction, checks the actor's
permission and scope first, validates everything, then writes and records the audit entry."""

from .account import (
    PROFILE_FIELDS,
    user_change_password,
    user_create_admin,
    user_set_language,
    user_update_profile,
)
from .roles import (
    ROLE_FIELDS,
    role_delete,
    role_save,
    roles_sync_defaults,
)
from .structure import (
    DEPARTMENT_FIELDS,
    TEAM_FIELDS,
    department_create,
    department_delete,
    department_move,
    department_update,
    team_delete,
    team_save,
    unit_create,
    unit_update,
)
from .users import (
    USER_FIELDS,
    handover_summary,
    system_admins,
    user_create,
    user_freeze,
    user_leave,
    user_set_roles,
    user_unfreeze,
    user_update,
)

__all__ = [
    "DEPARTMENT_FIELDS",
    "PROFILE_FIELDS",
    "ROLE_FIELDS",
    "TEAM_FIELDS",
    "USER_FIELDS",
    "department_create",
    "department_delete",
    "department_move",
    "department_update",
    "handover_summary",
    "role_delete",
    "role_save",
    "roles_sync_defaults",
    "system_admins",
    "team_delete",
    "team_save",
    "unit_create",
    "unit_update",
    "user_change_password",
    "user_create",
    "user_create_admin",
    "user_freeze",
    "user_leave",
    "user_set_language",
    "user_set_roles",
    "user_unfreeze",
    "user_update",
    "user_update_profile",
]
