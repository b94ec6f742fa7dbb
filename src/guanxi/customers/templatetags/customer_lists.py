"""``{% is_starred customer request.user as starred %}``: the key-customer star on a customer's own page."""

from django import template

from ..models import Customer, CustomerStar

register = template.Library()


@register.simple_tag
def is_starred(customer: Customer, user: object) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and CustomerStar.objects.filter(customer=customer, user_id=pk).exists()
