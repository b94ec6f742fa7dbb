"""Lead pools for the benchmark (线索池): the unit's lead pool holds every open unassigned lead of the leads'
dataset, and a fifth of the owned open leads were claimed from it, their clocks spread around now (some due).
Runs after ``dataset_leads`` (loaders run in module order); set-based, a few statements at any size."""

from __future__ import annotations

import random
import time

from django.db import connection

from guanxi.core.config.parameters import PARAMETERS
from guanxi.core.models import ParameterValue
from guanxi.leads.models import OPEN_STATUSES, Lead, LeadPool

from .dataset import Org, Out, Params, loader


@loader
def load_lead_pools(params: Params, org: Org, rng: random.Random, out: Out) -> None:
    if not params.leads:
        return
    started = time.monotonic()
    pool, _created = LeadPool.objects.get_or_create(business_unit_id=org.unit_id, department=None, name="线索公海")
    LeadPool.objects.get_or_create(business_unit_id=org.unit_id, department=None, name="失败线索池", is_failed=True)
    _lift_the_claim_caps(org.unit_id)
    table = Lead._meta.db_table
    statuses = [str(status) for status in OPEN_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET pool_id = %s, pooled_at = updated_at"
            " WHERE owner_id IS NULL AND deleted_at IS NULL AND status = ANY(%s)",
            [pool.pk, statuses],
        )
        pooled = cursor.rowcount
        # a fifth of the owned open leads came from the pool; their clocks run out between 30 days ago and in 30
        cursor.execute(
            f"UPDATE {table} SET pool_id = %s, expires_at = now() + (((id * 7919) %% 61) - 30) * interval '1 day'"
            " WHERE owner_id IS NOT NULL AND deleted_at IS NULL AND status = ANY(%s) AND id %% 5 = 0",
            [pool.pk, statuses],
        )
        claimed = cursor.rowcount
        cursor.execute(f"ANALYZE {table}")
    out(f"  {pooled:,} leads in the lead pool, {claimed:,} claimed from it, in {time.monotonic() - started:.1f} s")


def _lift_the_claim_caps(unit_id: int) -> None:
    """The claim case's salesperson may claim as many as the case asks for: each cap at its parameter's
    maximum (a value above it is refused and the default of 20 a day applies)."""
    for code in ("leads.pool_daily_claims", "leads.pool_holding_limit"):
        ParameterValue.objects.update_or_create(
            business_unit_id=unit_id, code=code, defaults={"value": PARAMETERS[code].max}
        )


def prepare(out: Out) -> None:
    """A dataset loaded before the caps were set at their maximum gets them now."""
    for unit_id in LeadPool.objects.values_list("business_unit_id", flat=True).distinct():
        _lift_the_claim_caps(unit_id)
