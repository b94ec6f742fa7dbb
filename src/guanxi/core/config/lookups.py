"""Query helpers for values kept in JSON, working the same on SQLite and PostgreSQL."""

import json

from django.db import connection
from django.db.models import Q


def json_list_contains(path: str, value: str) -> Q:
    """Rows whose JSON list of codes at ``path`` (e.g. ``custom__tags``) holds ``value``.

    PostgreSQL answers with jsonb containment (``@>``). Django offers no JSON containment on SQLite, so
    there the list's JSON text is searched for the quoted element: exact for the codes stored in such
    lists, which are slugs and never contain quotes."""
    if connection.vendor == "postgresql":
        return Q(**{f"{path}__contains": [value]})
    return Q(**{f"{path}__icontains": json.dumps(value)})
