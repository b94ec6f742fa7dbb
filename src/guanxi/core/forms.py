from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

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


def attempt(
    form: forms.BaseForm | None,
    request: HttpRequest | None,
    call: Callable[[], Any],
    aliases: dict[str, str] | None = None,
) -> Any:
    """Run a service for a view; on a refusal show it on the form, or as an error toast when there is no
    form, and return None."""
    try:
        return call()
    except (DomainError, ValidationError) as error:
        if form is not None:
            show_error(form, error, aliases)
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
