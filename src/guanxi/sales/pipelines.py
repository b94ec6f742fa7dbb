"""The pipelines Guanxi ships (SPEC §6.2): project sales and the car dealership. Their names read in the
reader's language until an administrator renames them; administrators also reorder and extend them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guanxi.core.texts import shipped_label, shipped_shown


@dataclass(frozen=True)
class ShippedStage:
    code: str
    name: Promise
    probability: int
    kind: str = "open"
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShippedPipeline:
    code: str
    name: Promise
    stages: tuple[ShippedStage, ...] = field(default_factory=tuple)


SHIPPED = (
    ShippedPipeline(
        "project",
        _("Project sales"),
        (
            ShippedStage("contact", _("Initial contact"), 10),
            ShippedStage("needs", _("Needs confirmed"), 25, required=("contact", "need")),
            ShippedStage("proposal", _("Proposal / quote"), 40, required=("amount", "expected_close_date")),
            ShippedStage("tender", _("Tender"), 60, required=("amount", "expected_close_date")),
            ShippedStage("negotiation", _("Negotiation"), 80, required=("amount", "expected_close_date")),
            ShippedStage("won", _("Deal won"), 100, kind="won"),
            ShippedStage("lost", _("Lost"), 0, kind="lost"),
        ),
    ),
    ShippedPipeline(
        "dealership",
        _("Car dealership"),
        (
            ShippedStage("visit", _("In the showroom"), 10),
            ShippedStage("test_drive", _("Test drive"), 30, required=("contact",)),
            ShippedStage("quote", _("Quote"), 50, required=("amount",)),
            ShippedStage("order", _("Car ordered"), 80, required=("amount", "expected_close_date")),
            ShippedStage("delivered", _("Delivered"), 100, kind="won"),
            ShippedStage("lost", _("Lost to a rival"), 0, kind="lost"),
        ),
    ),
)


_SHIPPED_NAMES = {shipped.code: shipped.name for shipped in SHIPPED}


def shown_pipeline_name(code: str, stored: str) -> str:
    return shipped_shown(_SHIPPED_NAMES.get(code), stored)


def stage_label(code: str, stored: str) -> str | Promise:
    """A shipped stage is known by its code and name (the lost stages of both pipelines share a code)."""
    shipped = (stage.name for pipeline in SHIPPED for stage in pipeline.stages if stage.code == code)
    return next((label for name in shipped if (label := shipped_label(name, stored)) is name), stored)


@transaction.atomic
def pipelines_sync_defaults() -> None:
    """Installation set-up after migrate: create each shipped pipeline once (by code). A pipeline an
    administrator changed or deactivated stays as they left it."""
    from .models import Pipeline, Stage

    has_default = Pipeline.objects.filter(is_default=True).exists()
    for order, shipped in enumerate(SHIPPED):
        pipeline, created = Pipeline.objects.get_or_create(
            code=shipped.code,
            defaults={"name": _source(shipped.name), "sort_order": order, "is_default": not has_default and order == 0},
        )
        if not created:
            continue
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                code=stage.code,
                name=_source(stage.name),
                kind=stage.kind,
                sort_order=position,
                probability=stage.probability,
                required_fields=list(stage.required),
            )
            for position, stage in enumerate(shipped.stages)
        )


def _source(name: Promise) -> str:
    """Stored as their source; shown translated until renamed."""
    with translation.override(None):
        return str(name)
