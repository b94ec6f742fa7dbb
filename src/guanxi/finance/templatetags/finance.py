"""The receivables figures of one row as its table cells, written in Python: a page of the report shows 225
amounts, and an include per row with a filter per amount cost it several milliseconds."""

from collections.abc import Mapping
from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from guanxi.core.templatetags.guanxi import money

register = template.Library()

# The narrower the screen, the fewer columns, so that the overdue at the end stays in sight: the buckets from
# 1200 px, the received from 1400. The contracted and invoiced amounts go under the row's name (``amounts_line``).
XL, XXL = "text-end d-none d-xl-table-cell", "text-end d-none d-xxl-table-cell"
CELLS = (("received", XXL), ("outstanding", ""), ("d0_30", XL), ("d31_60", XL), ("d61_90", XL), ("d90", XL),
         ("overdue", ""))  # fmt: skip


@register.simple_tag
def figure_cells(figures: Mapping[str, Decimal]) -> SafeString:
    """The cells of ``finance/figures_head.html``'s columns, in its order."""
    cells = []
    for name, classes in CELLS:
        amount = escape(money(figures[name]))
        if name == "outstanding":
            cells.append(f'<td class="text-end" data-testid="outstanding"><strong>{amount}</strong></td>')
        elif name == "overdue":
            cells.append(f'<td class="text-end{" text-danger" if figures[name] else ""}">{amount}</td>')
        else:
            cells.append(f'<td class="{classes}">{amount}</td>')
    return mark_safe("".join(cells))  # every amount is escaped above


@register.simple_tag
def amounts_line(figures: Mapping[str, Decimal]) -> str:
    """What was contracted and invoiced, to write under the row's name."""
    return _("Contracted %(contracted)s · invoiced %(invoiced)s") % {
        "contracted": money(figures["contracted"]),
        "invoiced": money(figures["invoiced"]),
    }
