"""Writes on users and the organisation. Every function runs in one transaction."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError
from guanxi.core.permissions import MODULES
from guanxi.core.scope import Scope

from .models import Role, User
from .roles import DEFAULT_ROLES


@transaction.atomic
def user_update_profile(*, user: User, display_name: str, mobile: str, email: str, language: str) -> User:
    user.display_name = display_name
    user.mobile = mobile
    user.email = email
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "mobile", "email", "language"])
    return user


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
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="new_password1") from error
    user.set_password(new_password)
    user.save(update_fields=["password"])


@transaction.atomic
def user_create_admin(*, username: str, display_name: str, password: str) -> User:
    """A system administrator, for installation; refuses a weak password or a taken username."""
    user = User(username=username, display_name=display_name or username, is_superuser=True)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def roles_sync_defaults() -> None:
    """Create the default roles, and grant them each module they have not been granted yet (a new
    module arrives with an upgrade); a grant an administrator removed later stays removed."""
    for default in DEFAULT_ROLES:
        role, _created = Role.objects.get_or_create(
            code=default.code,
            defaults={
                "name": str(default.label),
                "description": str(default.description),
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
