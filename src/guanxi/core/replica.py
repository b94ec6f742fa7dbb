"""Reports, dashboards and exports read from a PostgreSQL replica when one is configured (``DATABASE_REPLICA_URL``,
DESIGN.md §Scale, docs/scaling.md).

A report view runs under ``replica_reads``: while it does, the router sends its reads to the ``replica`` database
and writes stay on the primary. Reads still go to the primary when

- they run inside a transaction (``atomic``) on the primary: what a transaction reads, it may be about to write;
- the request has written, or the browser wrote within the last ``REPLICA_PIN_SECONDS`` (read-your-writes: the
  ``PrimaryPinMiddleware`` sets a short-lived cookie after a request that wrote, and the requests that carry it
  read from the primary, so a user never sees a report without the change they have just made);
- the replica is down or lags more than ``REPLICA_MAX_LAG_SECONDS`` behind the primary. Each process asks the
  replica at most once every ``REPLICA_CHECK_SECONDS`` (one cheap query); a report that fails on the replica half-way
  is run again on the primary.

Without a replica, or outside such a view, Django's default applies: everything on the primary."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "gx_primary"  # until when (Unix time) this browser's reads go to the primary

log = logging.getLogger(__name__)
_reading = ContextVar("replica_reads", default=False)

View = TypeVar("View", bound=Callable[..., Any])


@dataclass
class RequestState:
    """What the router knows about the request being served: pinned by its cookie, or it has written."""

    pinned: bool = False
    wrote: bool = False


_request: ContextVar[RequestState | None] = ContextVar("replica_request", default=None)


# --- where reads go ------------------------------------------------------------------------------------------


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    token = _reading.set(False)
    try:
        yield
    finally:
        _reading.reset(token)


def reads_replica(view: View) -> View:
    """A view (or an API method) whose reads go to the replica when there is one: the view renders its page
    (``render``) or computes its data inside, so every read of it does. Should the replica fail under it (stopped,
    restarted, its connection cut), the view runs again on the primary: it only reads, so running it twice is safe."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            if not replica_chosen():
                return view(*args, **kwargs)
            try:
                return view(*args, **kwargs)
            except DatabaseError:
                if replica_status(fresh=True).usable:
                    raise  # the replica answers: the error is the view's own
        log.warning("the replica failed during a report; reading it from the primary")
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def replica_chosen() -> bool:
    """Whether a read made here and now would go to the replica."""
    return _choose() == REPLICA


def _choose() -> str:
    if not _reading.get() or REPLICA not in settings.DATABASES:
        return DEFAULT_DB_ALIAS
    if _in_transaction():
        return DEFAULT_DB_ALIAS
    state = _request.get()
    if state is not None and (state.pinned or state.wrote):
        return DEFAULT_DB_ALIAS
    return REPLICA if replica_status().usable else DEFAULT_DB_ALIAS


def _in_transaction() -> bool:
    """Inside an atomic block on the primary (a test case's own enclosing blocks do not count)."""
    primary = connections[DEFAULT_DB_ALIAS]
    return any(not getattr(block, "_from_testcase", False) for block in primary.atomic_blocks)


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        chosen = _choose()
        return chosen if chosen == REPLICA else None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        state = _request.get()
        if state is not None:
            state.wrote = True  # the rest of this request, and the browser's next few, read what it wrote
        return None

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the primary's rows: a record read there relates to one read here

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica follows the primary's schema through replication


# --- read-your-writes ----------------------------------------------------------------------------------------


class PrimaryPinMiddleware:
    """Read-your-writes across requests: after a request that wrote, the browser (or API client with a cookie
    jar) carries a cookie for ``REPLICA_PIN_SECONDS`` and its requests read from the primary meanwhile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = RequestState(pinned=_pinned_until(request) > time.time())
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote and REPLICA in settings.DATABASES:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _pinned_until(request: HttpRequest) -> float:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        return 0.0


# --- is the replica fit to read from? ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicaStatus:
    usable: bool
    state: str  # "ok", "absent", "down", "lagging"
    lag_seconds: float | None = None
    detail: str = ""

    def describe(self) -> str:
        if self.state == "ok":
            return "ok" if not self.lag_seconds else f"ok (lag {self.lag_seconds:.1f} s)"
        if self.state == "absent":
            return "not configured"
        if self.state == "lagging":
            behind = "nothing replayed yet" if self.lag_seconds is None else f"{self.lag_seconds:.1f} s behind"
            return f"lagging: {behind} (reads go to the primary)"
        return f"error: {self.detail} (reads go to the primary)"


# How far the replica is behind: nothing when it has replayed all it received while streaming, else the age of
# the last transaction it replayed (which grows while replay is paused or the stream is cut).
LAG_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""


class _Cache:
    lock = threading.Lock()
    status: ReplicaStatus | None = None
    checked_at = 0.0


def replica_status(*, fresh: bool = False) -> ReplicaStatus:
    """The replica's fitness, asked at most once per ``REPLICA_CHECK_SECONDS`` in this process."""
    if REPLICA not in settings.DATABASES:
        return ReplicaStatus(False, "absent")
    now = time.time()
    with _Cache.lock:
        cached = _Cache.status
        if not fresh and cached is not None and 0 <= now - _Cache.checked_at < settings.REPLICA_CHECK_SECONDS:
            return cached
        status = _probe()
        _Cache.status, _Cache.checked_at = status, now
    if cached is not None and cached.state != status.state:
        log.warning("replica: %s", status.describe())
    return status


def forget_replica_status() -> None:
    with _Cache.lock:
        _Cache.status = None


def _probe() -> ReplicaStatus:
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            recovering, streaming, caught_up, replay_age = cursor.fetchone()
    except DatabaseError as error:
        with suppress(DatabaseError):
            connection.close()  # the next probe connects afresh
        return ReplicaStatus(False, "down", detail=error.__class__.__name__)
    lag = 0.0 if not recovering or (streaming and caught_up) else replay_age
    if lag is None or float(lag) > settings.REPLICA_MAX_LAG_SECONDS:
        return ReplicaStatus(False, "lagging", None if lag is None else float(lag))
    return ReplicaStatus(True, "ok", float(lag))
