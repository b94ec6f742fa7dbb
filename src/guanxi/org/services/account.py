"""What users change on their own account: profile, language, password; and the first administrator."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import DomainError

from ..models import User

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
