"""Reports read from a PostgreSQL replica when one is configured (``DATABASE_REPLICA_URL``, DESIGN.md §Scale).

A report view runs under ``replica_reads``: while it does, the router sends every read to the ``replica``
database and writes stay on the primary. Without a replica, or outside such a view, Django's default
applies: everything on the primary. A replica lags a little behind; reports can, a form never does."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings

REPLICA = "replica"
_reading = ContextVar("replica_reads", default=False)

View = TypeVar("View", bound=Callable[..., Any])


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def reads_replica(view: View) -> View:
    """A view (or an API method) whose reads go to the replica when there is one: the view renders its page
    (``render``) or computes its data inside, so every read of it does."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _reading.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return None

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the primary's rows: a record read there relates to one read here

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica follows the primary's schema through replication
