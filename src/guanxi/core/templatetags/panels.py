from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from guanxi.core.panels import panels_of
from guanxi.core.permissions import has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def record_panels(context: Any, obj: Any) -> SafeString:
    """The panels other apps registered for this record's page, each loading itself."""
    request = context["request"]
    label = obj._meta.label_lower
    shown = [
        {"code": panel.code, "label": panel.label, "url": reverse(panel.url_name, args=[label, obj.pk])}
        for panel in panels_of(label)
        if not panel.permission or has_perm(request.user, panel.permission)
    ]
    return render_to_string("core/record_panels.html", {"panels": shown}, request=request)
