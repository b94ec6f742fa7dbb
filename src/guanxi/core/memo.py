"""Remembering configuration reads for the length of one long job (an import of thousands of rows) or of one
read request (GET, HEAD: ``RequestContextMiddleware``): inside ``remembering()``, a function marked
``@remembered`` answers each set of arguments once, from the database, and from memory after that. Outside it,
nothing is remembered, so each page reads the current configuration.

Only reads of configuration that the job itself never writes are marked (parameters, dictionaries, custom
fields, pools, holding-limit overrides); a change an administrator saves meanwhile applies from the next job."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.utils import translation

P = ParamSpec("P")
R = TypeVar("R")

_memory: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("guanxi_memo", default=None)


@contextmanager
def remembering() -> Iterator[None]:
    """Remember from here to the end of the block; inside a job that already remembers, its memory goes on."""
    if _memory.get() is not None:
        yield
        return
    token = _memory.set({})
    try:
        yield
    finally:
        _memory.reset(token)


def remembered(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def read(*args: P.args, **kwargs: P.kwargs) -> R:
        memory = _memory.get()
        if memory is None:
            return function(*args, **kwargs)
        # Labels depend on the reader's language; model instances compare by primary key.
        key = (function, translation.get_language(), args, tuple(sorted(kwargs.items())))
        if key not in memory:
            memory[key] = function(*args, **kwargs)
        return memory[key]

    return read
