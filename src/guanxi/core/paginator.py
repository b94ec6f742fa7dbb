"""A paginator for very large lists: it counts up to a cap instead of every row the viewer may see."""

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``SELECT count(*) FROM (… LIMIT cap)``): exact for ordinary lists, and
    "50,000+" for a manager's hundreds of thousands, where an exact count costs more than the page itself.
    Pages past the cap are not offered; filters and search narrow such lists."""

    cap = 50_000

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        return rows[: self.cap].count()

    @property
    def capped(self) -> bool:
        return self.count >= self.cap
