from django import forms
from django.core.exceptions import ValidationError

from .errors import DomainError


def show_error(form: forms.BaseForm, error: DomainError | ValidationError) -> None:
    """Show a service's refusal on the fields it names, or above the form."""
    if isinstance(error, DomainError):
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))
        return
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
