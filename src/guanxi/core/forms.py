from django import forms
from django.core.exceptions import ValidationError

from .errors import DomainError


def show_error(
    form: forms.BaseForm, error: DomainError | ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the fields it names (``aliases`` maps a service's field name to the
    form's, e.g. ``referrer`` → ``referrer_number``), or above the form."""
    aliases = aliases or {}

    def target(name: str | None) -> str | None:
        name = aliases.get(name or "", name)
        return name if name in form.fields else None

    if isinstance(error, DomainError):
        form.add_error(target(error.field), str(error.message))
        return
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(target(name), errors)
    else:
        form.add_error(None, error)
