"""Template helpers of the customer pages: the list's rows, the key-customer star, days to expiry and masked
phones."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString

from ..keys import mask_phone
from ..lists import rows
from ..models import Customer, CustomerStar
from ..preferences import Expiry

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_rows(
    context: dict[str, Any], customers: Iterable[Customer], *, selectable: bool, next_url: str
) -> SafeString:
    return rows.table_rows(
        customers, selectable=selectable, csrf_token=get_token(context["request"]), next_url=next_url
    )


@register.simple_tag(takes_context=True)
def star_form(context: dict[str, Any], customer: Customer, starred: bool) -> SafeString:
    return rows.star_form(customer.pk, starred=starred, csrf_token=get_token(context["request"]))


@register.simple_tag
def is_starred(customer: Customer, user: object) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and CustomerStar.objects.filter(customer=customer, user_id=pk).exists()


@register.simple_tag
def expiry(label: str, days: int | None) -> SafeString:
    return rows.expiry_span(Expiry(label, days))


@register.filter
def masked_phone(number: str) -> str:
    """138****1234, as everywhere else (``keys.mask_phone``)."""
    return mask_phone(number) if number else ""
