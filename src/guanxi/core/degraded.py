"""Redis down degrades the site instead of failing it (docs/scaling.md, "Redis down"; /healthz says so):

- the cache answers "not cached" and drops writes, so pages compute from the database; a counter (the public
  forms' rate limits) counts each call as the first;
- sessions live in the database as well (``cached_db``), so nobody is signed out;
- a task queued while Redis is away is logged and dropped, never failing the request that already committed its
  transaction: every periodic sweep finds its due work in the database (DESIGN.md §Background work), so the next
  run does what the lost message would have.

It also makes the periodic sweeps run once however many workers there are: every worker's scheduler asks each
minute what is due, and only the first to claim that minute in Redis queues it (docs/scaling.md)."""

import logging
import os
from typing import Any

from django_redis.cache import RedisCache
from huey import RedisHuey
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)


class DegradingRedisCache(RedisCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None, client: Any = None) -> int:
        value = super().incr(key, delta=delta, version=version, client=client)
        return delta if value is None else int(value)  # None: Redis did not answer (IGNORE_EXCEPTIONS)


class DegradingRedisHuey(RedisHuey):
    def read_periodic(self, timestamp: Any = None) -> list[Any]:
        due = super().read_periodic(timestamp)
        minute = (timestamp or self._get_timestamp()).strftime("%Y-%m-%dT%H:%M")
        try:
            claimed = self.storage.conn.set(f"{self.name}.periodic.{minute}", os.getpid(), nx=True, ex=3600)
        except (RedisConnectionError, RedisTimeoutError):
            return due  # enqueue logs and drops them; the next run finds the work
        return due if claimed else []

    def enqueue(self, task: Any) -> Any:
        try:
            return super().enqueue(task)
        except (RedisConnectionError, RedisTimeoutError) as error:
            log.error("the queue is unreachable (%s): %s dropped; its sweep will find the work", error, task.name)
            return None
