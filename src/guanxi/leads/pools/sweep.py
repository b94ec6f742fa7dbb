"""The automatic return of neglected leads to their pools (线索自动回收) as a sweep: every owned open lead of
a pool whose clock ran out as of a moment (``Lead.expires_at``, kept whenever it is claimed, assigned or
followed up) goes back with the reason recorded, and its owner hears it. Safe with any number of concurrent
runs: each batch locks its rows (FOR UPDATE SKIP LOCKED on PostgreSQL) and changes only rows still due."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_entry
from guanxi.core.models import AuditEntry
from guanxi.core.notifications.services import Message, notify_each
from guanxi.core.texts import Text
from guanxi.org.models import User

from ..models import OPEN_STATUSES, Lead, LeadPool, LeadPoolEvent

BATCH = 1000


def _due(at: datetime) -> QuerySet[Lead]:
    return Lead.objects.filter(
        expires_at__lte=at, owner__isnull=False, expires_at__isnull=False, status__in=OPEN_STATUSES, pool__isnull=False
    )


def reclaim(at: datetime) -> int:
    """Return every lead due as of ``at`` to its pool; the number returned."""
    returned = 0
    while batch := _return_batch(at):
        returned += batch
    return returned


@transaction.atomic
def _return_batch(at: datetime) -> int:
    rows = _due(at).order_by("expires_at", "pk").only("pk", "owner_id", "pool_id", "name", "company")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    leads = list(rows[:BATCH])
    if not leads:
        return 0
    by_pool: dict[int, list[Lead]] = defaultdict(list)
    for lead in leads:
        by_pool[lead.pool_id or 0].append(lead)
    pools = LeadPool.objects.in_bulk(list(by_pool))
    for pool_id, members in by_pool.items():
        changed = (
            _due(at)
            .filter(pk__in=[lead.pk for lead in members])
            .update(
                owner=None, department_id=pools[pool_id].department_id, pooled_at=at, expires_at=None, updated_at=at
            )
        )
        assert changed == len(members)  # the rows are locked by this transaction
    LeadPoolEvent.objects.bulk_create(
        LeadPoolEvent(
            lead=lead, user_id=lead.owner_id, kind="reclaim", pool_id=lead.pool_id or 0, reason="untouched", at=at
        )
        for lead in leads
    )
    AuditEntry.objects.bulk_create(  # one statement for the batch, not one per lead
        audit_entry(
            actor=None,
            action=Action.OWNERSHIP,
            obj=lead,
            changes={"owner": [lead.owner_id, None]},
            note="reclaim_leads",
        )
        for lead in leads
    )
    _tell_owners(leads)
    return len(leads)


def _tell_owners(leads: list[Lead]) -> None:
    counts: dict[int, list[Lead]] = defaultdict(list)
    for lead in leads:
        counts[lead.owner_id or 0].append(lead)
    owners = User.objects.in_bulk(list(counts))
    messages = []
    for owner_id, own in counts.items():
        if owner_id in owners:
            names = "、".join(str(lead) for lead in own[:5])
            title = Text(
                gettext_noop("{count} of your leads returned to their pool untouched: {names}"),
                count=len(own),
                names=names,
            )
            messages.append(Message(owners[owner_id], title, url=reverse("leads:pools")))
    notify_each(kind="lead_pool", messages=messages)
