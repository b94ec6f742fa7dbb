"""The body of a delivery: the event, its idempotency key and the record as the REST API shows it.

Serializers belong to the API layer, which domain code does not import; the integrations' API registers one
renderer per record type here (``register_renderer``) when the app is ready."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from guanxi.core.models import OutboxEvent

# record type ("customers.customer") → (model, a function rendering a list of its rows as the API shows them)
Renderer = Callable[[list[Any]], list[dict[str, Any]]]
RENDERERS: dict[str, tuple[Callable[[], Any], Renderer]] = {}


def register_renderer(model: type[models.Model], render: Renderer, rows: Callable[[], Any] | None = None) -> None:
    """``rows``: the queryset to read them from (with what the serializer follows), default every row."""
    manager: Any = getattr(model, "all_objects", model._default_manager)
    RENDERERS[model._meta.label_lower] = (rows or manager.all, render)


def records_of(events: Iterable[OutboxEvent]) -> dict[tuple[str, int], dict[str, Any] | None]:
    """Each event's record, rendered: one query (and one serializer pass) per record type."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        wanted.setdefault(event.record_type, set()).add(event.record_id)
    found: dict[tuple[str, int], dict[str, Any] | None] = {}
    for record_type, ids in wanted.items():
        if record_type not in RENDERERS:
            continue
        queryset, render = RENDERERS[record_type]
        rows = list(queryset().filter(pk__in=ids).order_by("pk"))
        for row, data in zip(rows, render(rows), strict=True):
            found[(record_type, row.pk)] = data
    return found


def body_of(event: OutboxEvent, record: Mapping[str, Any] | None) -> str:
    """The JSON body every attempt sends, fixed when the event is dispatched."""
    payload = {
        "id": str(event.key),
        "event": event.event,
        "occurred_at": event.occurred_at,
        "business_unit": event.business_unit_id,
        "actor": event.actor_id,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "data": event.data,
        "record": record,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
