"""Template helpers of activities."""

from typing import Any

from django import template

from guanxi.core.config.dictionary import dictionary_choices

register = template.Library()


@register.simple_tag(takes_context=True)
def feedback_label(context: Any, code: str) -> str:
    """The customer-feedback dictionary label of ``code``: one query per page render, however many rows."""
    if not code:
        return ""
    cache = context.render_context
    labels = cache.get("feedback_labels")
    if labels is None:
        labels = cache["feedback_labels"] = dict(dictionary_choices("customer_feedback", include=[code]))
    if code not in labels:  # a disabled item, not in the first read
        labels.update(dictionary_choices("customer_feedback", include=[code]))
    return labels.get(code, code)
