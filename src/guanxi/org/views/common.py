"""What the organisation's admin views share: running a service and showing its refusal on the form."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from guanxi.core.errors import DomainError
from guanxi.core.forms import show_error

PAGE_SIZE = 25


def attempt(form: forms.BaseForm | None, request: HttpRequest, call: Callable[[], Any]) -> Any:
    """Run a service; on a refusal show it on the form (or as an error toast) and return None."""
    try:
        return call()
    except (DomainError, ValidationError) as error:
        if form is not None:
            show_error(form, error)
        else:
            text = error.message if isinstance(error, DomainError) else " ".join(error.messages)
            messages.error(request, str(text))
        return None


def paginate(request: HttpRequest, rows: Any) -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
