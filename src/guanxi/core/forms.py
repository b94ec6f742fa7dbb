import re
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .errors import DomainError


def show_error(
    form: forms.BaseForm,
    error: DomainError | ValidationError,
    aliases: dict[str, str] | None = None,
    lines: Sequence[forms.BaseForm] = (),
) -> None:
    """Show a service's refusal on the fields it names (``aliases`` maps a service's field name to the
    form's, e.g. ``referrer`` → ``referrer_number``), or above the form. ``lines`` are the forms of the lines
    the service was sent, in its order: a problem it names ``lines.2.quantity`` goes on the third one's field."""
    aliases = aliases or {}

    def target(name: str | None) -> str | None:
        name = aliases.get(name or "", name)
        return name if name in form.fields else None

    if isinstance(error, DomainError):
        form.add_error(target(error.field), str(error.message))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        line, field = _line_field(name, lines)
        if line is not None:
            line.add_error(field, errors)
        else:
            form.add_error(target(name), errors)
    if not form.errors and any(line.errors for line in lines):
        form.add_error(None, _("Please correct the fields marked below."))


def _line_field(name: str, lines: Sequence[forms.BaseForm]) -> tuple[forms.BaseForm | None, str]:
    """(the line's form, its field) for a service's ``lines.<n>.<field>``; (None, "") for any other name."""
    match = re.fullmatch(r"lines\.(\d+)\.(\w+)", name)
    if match is None or int(match[1]) >= len(lines) or match[2] not in lines[int(match[1])].fields:
        return None, ""
    return lines[int(match[1])], match[2]


def attempt(
    form: forms.BaseForm | None,
    request: HttpRequest | None,
    call: Callable[[], Any],
    aliases: dict[str, str] | None = None,
    lines: Sequence[forms.BaseForm] = (),
) -> Any:
    """Run a service for a view; on a refusal show it on the form (and its ``lines``, see ``show_error``), or as
    an error toast when there is no form, and return None."""
    try:
        return call()
    except (DomainError, ValidationError) as error:
        if form is not None:
            show_error(form, error, aliases, lines)
        elif request is not None:
            text = error.message if isinstance(error, DomainError) else " ".join(error.messages)
            messages.error(request, str(text))
        else:
            raise
        return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the service checks their number, size and type)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []
