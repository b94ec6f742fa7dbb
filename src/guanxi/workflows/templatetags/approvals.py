from typing import Any

from django import template

from ..models import ApprovalRequest

register = template.Library()


@register.filter
def opens_for(approval: ApprovalRequest, user: Any) -> bool:
    """``{% if approval|opens_for:request.user %}``: may the reader open the request's own page?"""
    return approval.opens_for(user)
