"""The sales rows of the compliance report (SPEC §4.3): open opportunities without an open plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from guanxi.activities.compliance import ROW_LIMIT, ComplianceRow, register_check
from guanxi.org.models import User

from .models import Opportunity, Status


def opportunities_without_open_plan(*, actor: User, day: date) -> Iterator[ComplianceRow]:
    from guanxi.activities.models import Plan

    # NOT EXISTS per opportunity (an index probe each), not NOT IN over every open plan of every opportunity
    planned = Plan.objects.filter(
        status=Plan.Status.OPEN,
        related_type=ContentType.objects.get_for_model(Opportunity),
        related_id=OuterRef("pk"),
    )
    rows = (
        Opportunity.objects.visible_to(actor)
        .filter(status=Status.OPEN)
        .filter(~Exists(planned))
        .select_related("owner", "customer", "stage")
        .order_by("stage_entered_at", "pk")
    )
    for opportunity in rows[: ROW_LIMIT + 1]:  # what the report shows: the database sorts only the top
        yield ComplianceRow(
            label=f"{opportunity.name} · {opportunity.customer.name}",
            url=opportunity.get_absolute_url(),
            owner=opportunity.owner,
            detail=opportunity.stage.shown_name,
            at=opportunity.updated_at,
        )


def register() -> None:
    register_check(
        "opportunities_without_plan",
        _("Open opportunities without an open plan"),
        opportunities_without_open_plan,
        order=20,
        description=_("Every open opportunity must always have at least one open plan."),
    )
