from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from ..selectors import minutes_label

register = template.Library()


@register.filter
def working_time(minutes: int | None) -> str:
    """ "3h 20m left" or "1h 05m overdue", in working time."""
    return minutes_label(minutes)


@register.filter
def elapsed(span: timedelta | None) -> str:
    """The wall-clock time between two steps: "2d 3h", "3h 05m", "12m"."""
    if span is None:
        return ""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)dd %(hours)dh") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)dm") % {"minutes": minutes}
