"""The pipelines Guanxi ships (SPEC §6.2): project sales and the car dealership. Names are the business's
language (Chinese), like the dictionary's labels; administrators rename, reorder and extend them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction


@dataclass(frozen=True)
class ShippedStage:
    code: str
    name: str
    probability: int
    kind: str = "open"
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShippedPipeline:
    code: str
    name: str
    stages: tuple[ShippedStage, ...] = field(default_factory=tuple)


SHIPPED = (
    ShippedPipeline(
        "project",
        "项目销售",
        (
            ShippedStage("contact", "初步接洽", 10),
            ShippedStage("needs", "需求确认", 25, required=("contact", "need")),
            ShippedStage("proposal", "方案/报价", 40, required=("amount", "expected_close_date")),
            ShippedStage("tender", "招投标", 60, required=("amount", "expected_close_date")),
            ShippedStage("negotiation", "商务谈判", 80, required=("amount", "expected_close_date")),
            ShippedStage("won", "赢单", 100, kind="won"),
            ShippedStage("lost", "输单", 0, kind="lost"),
        ),
    ),
    ShippedPipeline(
        "dealership",
        "汽车销售",
        (
            ShippedStage("visit", "到店", 10),
            ShippedStage("test_drive", "试驾", 30, required=("contact",)),
            ShippedStage("quote", "报价", 50, required=("amount",)),
            ShippedStage("order", "订车", 80, required=("amount", "expected_close_date")),
            ShippedStage("delivered", "交车", 100, kind="won"),
            ShippedStage("lost", "战败", 0, kind="lost"),
        ),
    ),
)


@transaction.atomic
def pipelines_sync_defaults() -> None:
    """Installation set-up after migrate: create each shipped pipeline once (by code). A pipeline an
    administrator changed or deactivated stays as they left it."""
    from .models import Pipeline, Stage

    has_default = Pipeline.objects.filter(is_default=True).exists()
    for order, shipped in enumerate(SHIPPED):
        pipeline, created = Pipeline.objects.get_or_create(
            code=shipped.code,
            defaults={"name": shipped.name, "sort_order": order, "is_default": not has_default and order == 0},
        )
        if not created:
            continue
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                code=stage.code,
                name=stage.name,
                kind=stage.kind,
                sort_order=position,
                probability=stage.probability,
                required_fields=list(stage.required),
            )
            for position, stage in enumerate(shipped.stages)
        )
