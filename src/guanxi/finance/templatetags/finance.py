"""The receivables figures of one row as its table cells, written in Python: a page of the report shows 225
amounts, and an include per row with a filter per amount cost it several milliseconds."""

from collections.abc import Mapping
from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from guanxi.core.templatetags.guanxi import money

register = template.Library()

MD, LG = "text-end d-none d-md-table-cell", "text-end d-none d-lg-table-cell"
CELLS = (("contracted", MD), ("invoiced", MD), ("received", MD), ("outstanding", ""), ("d0_30", LG),
         ("d31_60", LG), ("d61_90", LG), ("d90", LG), ("overdue", ""))  # fmt: skip


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
