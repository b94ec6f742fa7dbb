"""Marketing for the benchmark (SPEC §11): 1,000 campaigns over the year with itemised costs and responses
from leads and customers (so that attribution has work to do), and one launched campaign whose members are
up to 200,000 contacts (the send the planning case prepares), an SMS template to send, and opt-outs. Loaded
in bulk on top of the customers, contacts and leads; idempotent."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from guanxi.marketing.campaigns import results
from guanxi.marketing.campaigns.models import Campaign, CampaignCost, CampaignResponse, CampaignResult
from guanxi.marketing.messages.models import MessageTemplate, OptOut
from guanxi.org.models import BusinessUnit, User

from .dataset import Out

CAMPAIGNS = 1000
AUDIENCE = 200_000
KINDS = ["exhibition", "seminar", "online", "mailing", "sms", "telemarketing"]
BIG = "基准：全量客户短信推广"


def prepare(out: Out, *, campaigns: int = CAMPAIGNS, audience: int = AUDIENCE) -> None:
    if not Campaign.all_objects.filter(name=BIG).exists():
        _load(out, campaigns=campaigns, audience=audience)
    if not CampaignResult.objects.exists():  # the nightly rebuild every deployment runs (marketing.tasks)
        started = time.monotonic()
        out(f"marketing: {results.rebuild(timezone.now())} in {time.monotonic() - started:.0f} s")


def _load(out: Out, *, campaigns: int, audience: int) -> None:
    unit = BusinessUnit.objects.filter(code="bench").first()
    admin = User.objects.filter(username="bench.admin").first()
    if unit is None or admin is None:
        out("marketing: the bench organisation is missing; load the dataset first")
        return
    started = time.monotonic()
    rng = random.Random(2026)
    owners = list(
        User.objects.filter(department__business_unit=unit, roles__code="salesperson").values_list("pk", flat=True)[:50]
    ) or [admin.pk]
    today = timezone.localdate()
    with transaction.atomic():
        rows = []
        for n in range(campaigns):
            start = today - timedelta(days=rng.randrange(365))
            rows.append(Campaign(
                number=f"HDBENCH{n:06d}", business_unit=unit, owner_id=rng.choice(owners), name=f"基准活动{n:04d}",
                kind=rng.choice(KINDS), status="completed", starts_on=start, ends_on=start + timedelta(days=3),
                budget=Decimal(rng.randrange(5, 200) * 1000), launched_at=timezone.now(),
            ))  # fmt: skip
        made = Campaign.objects.bulk_create(rows, batch_size=1000)
        costs = [
            CampaignCost(
                campaign=campaign, item=item, spent_on=campaign.starts_on, amount=Decimal(rng.randrange(1, 80) * 500)
            )
            for campaign in made
            for item in ("场地", "物料", "推广")
        ]
        CampaignCost.objects.bulk_create(costs, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE marketing_campaign c SET actual_cost = s.total FROM "
                "(SELECT campaign_id, sum(amount) AS total FROM marketing_campaigncost GROUP BY campaign_id) s "
                "WHERE c.id = s.campaign_id"
            )
        _responses(made, rng)
        big = Campaign.objects.create(
            number="HDBENCHBIG", business_unit=unit, owner=admin, name=BIG, kind="sms", status="active",
            starts_on=today, ends_on=today + timedelta(days=7), budget=Decimal("50000"), launched_at=timezone.now(),
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO marketing_campaignmember (campaign_id, kind, customer_id, contact_id, name, company, "
                "email, mobile, added_at) "
                "SELECT %s, 'contact', c.customer_id, c.id, c.name, '', c.email, c.mobile, now() "
                "FROM customers_contact c WHERE c.mobile <> '' ORDER BY c.id LIMIT %s",
                [big.pk, audience],
            )
            members = cursor.rowcount
            # a share of the audience opted out or marked do-not-contact, and a few numbers twice (duplicates)
            cursor.execute(
                "INSERT INTO marketing_optout (business_unit_id, channel, address, reason, note, created_at) "
                "SELECT %s, 'sms', mobile, 'reply', '', now() FROM marketing_campaignmember "
                "WHERE campaign_id = %s AND mod(id, 50) = 0 ON CONFLICT DO NOTHING",
                [unit.pk, big.pk],
            )
        MessageTemplate.objects.create(
            business_unit=unit, owner=admin, name="基准短信", channel="sms",
            body="{{ contact.name }}您好，{{ campaign.name }}限时优惠，详询{{ owner.name }} {{ owner.mobile }}",
        )  # fmt: skip
    out(
        f"marketing: {campaigns:,} campaigns, {CampaignResponse.objects.count():,} responses, a send of {members:,} "
        f"members ({OptOut.objects.count():,} opted out) in {time.monotonic() - started:.0f} s"
    )


def _responses(campaigns: list[Campaign], rng: random.Random) -> None:
    """Each campaign touched a few dozen leads and customers; many are touched by several campaigns."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM leads_lead")
        top_lead = cursor.fetchone()[0] or 0
        cursor.execute("SELECT max(id) FROM customers_customer")
        top_customer = cursor.fetchone()[0] or 0
    rows = []
    for campaign in campaigns:
        moment = timezone.make_aware(datetime.combine(campaign.starts_on, datetime.min.time()))
        for _n in range(30):
            kind = rng.choice(["registered", "attended", "clicked", "opened", "replied"])
            if top_lead and rng.random() < 0.6:
                rows.append(
                    CampaignResponse(campaign=campaign, kind=kind, lead_id=rng.randrange(1, top_lead + 1), at=moment)
                )
            elif top_customer:
                rows.append(
                    CampaignResponse(
                        campaign=campaign, kind=kind, customer_id=rng.randrange(1, top_customer + 1), at=moment
                    )
                )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM leads_lead WHERE id = ANY(%s)", [[r.lead_id for r in rows if r.lead_id]])
        leads = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT id FROM customers_customer WHERE id = ANY(%s)", [[r.customer_id for r in rows if r.customer_id]]
        )
        customers = {row[0] for row in cursor.fetchall()}
    kept = [r for r in rows if (r.lead_id in leads) or (r.customer_id in customers)]
    CampaignResponse.objects.bulk_create(kept, batch_size=5000)
