"""Template helpers of the customer pages: the key-customer star and masked phones."""

from django import template

from ..keys import mask_phone
from ..models import Customer, CustomerStar

register = template.Library()


@register.simple_tag
def is_starred(customer: Customer, user: object) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and CustomerStar.objects.filter(customer=customer, user_id=pk).exists()


@register.filter
def masked_phone(number: str) -> str:
    """138****1234, as everywhere else (``keys.mask_phone``)."""
    return mask_phone(number) if number else ""
