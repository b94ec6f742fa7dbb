"""A paginator for very large lists: it counts up to a cap, and sorts only ids to find a page."""

import json
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``SELECT count(*) FROM (… LIMIT cap)``): exact for ordinary lists, and
    "50,000+" for a manager's hundreds of thousands, where an exact count costs more than the page itself.
    Pages past the cap are not offered; filters and search narrow such lists.

    A page is found in two steps: the ids of its rows first (a narrow query the database answers from an
    index, however deep the page), then those rows in full — instead of sorting every wide row of the scope."""

    cap = 50_000

    def __init__(self, object_list: Any, per_page: int, *args: Any, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        if cap is not None:  # a search: a smaller cap ("more than 1,000") is counted from the first matches found
            self.cap = cap

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        # Which rows fall under the cap does not change how many there are: without the ORDER BY, and reading
        # only ids, the database counts from the narrowest index (index-only) instead of sorting wide rows.
        return rows.order_by().values("pk")[: self.cap].count()

    @property
    def capped(self) -> bool:
        return self.count >= self.cap

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows: Any = self.object_list
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.filter(pk__in=ids)}
        return Page([found[pk] for pk in ids if pk in found], number, self)


def planner_rows(rows: Any) -> int | None:
    """PostgreSQL's own estimate of how many rows a query returns (``EXPLAIN``: planned, not run), or None
    where the database offers none (SQLite)."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a condition that matches nothing (``pk__in=[]``): no query to plan
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatingPaginator(Paginator):
    """Counts exactly up to ``estimate_from`` rows; past it, the planner's estimate stands in (``estimated``):
    an exact ``COUNT(*)`` of a million rows costs many times the page it is shown beside. SQLite counts."""

    estimate_from = 100_000
    estimated = False

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        if not hasattr(rows, "query"):
            return len(rows)
        guess = planner_rows(rows.order_by().values("pk"))
        if guess is not None and guess >= self.estimate_from:
            self.estimated = True
            return guess
        return int(rows.count())
