"""The sales REST resources (DESIGN.md §REST API): pipelines (with stages), opportunities (+ move, win, lose,
reopen, decide) and competitors — the same services and gate as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField, version_sent
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from . import selectors, services
from .models import Competitor, Opportunity, OpportunityLine, Pipeline, Stage


class StageSerializer(ModelSerializer):
    name = serializers.CharField(source="shown_name", read_only=True)  # shipped: in the reader's language

    class Meta:
        model = Stage
        fields = ["id", "code", "name", "kind", "sort_order", "probability", "required_fields", "needs_approval"]
        fields += ["is_active"]
        read_only_fields = fields


class PipelineSerializer(ModelSerializer):
    name = serializers.CharField(source="shown_name", read_only=True)  # shipped: in the reader's language
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "code", "name", "business_unit", "is_default", "is_active", "sort_order", "stages"]
        read_only_fields = fields


class StageWriteSerializer(Serializer):
    id = serializers.IntegerField(required=False, help_text="An existing stage of this pipeline; omit for a new one.")
    code = serializers.SlugField(max_length=40, required=False, allow_blank=True)
    name = serializers.CharField(max_length=50)
    kind = serializers.ChoiceField(choices=Stage.Kind.choices, default=Stage.Kind.OPEN)
    probability = serializers.IntegerField(min_value=0, max_value=100, default=0)
    required_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(services.REQUIRABLE_FIELDS)), default=list
    )
    needs_approval = serializers.BooleanField(default=False)
    is_active = serializers.BooleanField(default=True)


class PipelineWriteSerializer(Serializer):
    name = serializers.CharField(max_length=50)
    code = serializers.SlugField(max_length=40)
    is_default = serializers.BooleanField(default=False)
    is_active = serializers.BooleanField(default=True)
    sort_order = serializers.IntegerField(min_value=0, default=0)
    stages = StageWriteSerializer(
        many=True, help_text="Every stage in order; an existing stage left out is deleted (refused if used)."
    )


class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The group-wide pipelines and those of the caller's business unit (every unit's to the all-units scope),
    with their stages in order. Administrators holding ``pipelines.configure`` create and change them (the
    whole list of stages at once)."""

    queryset = Pipeline.objects.prefetch_related("stages")
    serializer_class = PipelineSerializer
    permission_module = "opportunities"
    ordering = ["-is_default", "sort_order", "id"]

    def permission_code(self) -> str:
        if self.action in ("create", "update", "partial_update"):
            return "pipelines.configure"
        return super().permission_code()

    def _save(self, pipeline: Pipeline | None, data: Any) -> Response:
        body = PipelineWriteSerializer(data=data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        existing = {stage.pk: stage for stage in pipeline.stages.all()} if pipeline else {}
        rows: list[tuple[Stage | None, dict[str, Any]]] = []
        for position, stage in enumerate(values.pop("stages")):
            stage = dict(stage)
            pk = stage.pop("id", None)
            if pk is not None and pk not in existing:
                raise serializers.ValidationError({"stages": [f"Stage {pk} is not a stage of this pipeline."]})
            rows.append((existing.get(pk) if pk is not None else None, {**stage, "sort_order": position}))
        kept = {stage.pk for stage, _values in rows if stage is not None}
        saved = services.pipeline_save(
            actor=self.actor,
            pipeline=pipeline,
            data=values,
            stages=rows,
            delete=[stage for pk, stage in existing.items() if pk not in kept],
        )
        fresh = Pipeline.objects.prefetch_related("stages").get(pk=saved.pk)
        return Response(PipelineSerializer(fresh).data, status=status.HTTP_200_OK if pipeline else 201)

    @extend_schema(request=PipelineWriteSerializer, responses=PipelineSerializer)
    def create(self, request: Request) -> Response:
        return self._save(None, request.data)

    @extend_schema(request=PipelineWriteSerializer, responses=PipelineSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        return self._save(self.get_object(), request.data)


class LineSerializer(ModelSerializer):
    class Meta:
        model = OpportunityLine
        fields = ["description", "quantity", "unit", "unit_price", "amount"]
        read_only_fields = ["amount"]


class OpportunitySerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all())
    contact = VisibleRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.filter(is_active=True), required=False)
    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects.filter(is_active=True),
        required=False,
        help_text="On create, an open stage of the pipeline (default: its first). Later use the move action.",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(status=User.Status.ACTIVE), required=False, help_text="Default: you."
    )
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, help_text="Default: the stage's probability."
    )
    lines = LineSerializer(many=True, required=False)
    competitors = VisibleRelatedField(queryset=Competitor.objects.all(), many=True, required=False)
    collaborators = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(status=User.Status.ACTIVE), many=True, required=False
    )
    weighted_amount = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Opportunity
        fields = [
            "id", "number", "customer", "contact", "name", "source", "amount", "expected_close_date", "probability",
            "weighted_amount", "pipeline", "stage", "stage_entered_at", "status", "owner", "owner_name",
            "collaborators", "competitors", "lines", "need", "next_step", "pending_stage", "closed_at", "loss_reason",
            "loss_note", "winning_competitor", "source_lead_id", "custom", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "number", "stage_entered_at", "status", "pending_stage", "closed_at", "loss_reason", "loss_note",
            "winning_competitor", "source_lead_id", "created_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_weighted_amount(self, instance: Opportunity) -> str:
        return str(instance.weighted_amount)


class OpportunityMoveSerializer(Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class OpportunityWinSerializer(Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class OpportunityLoseSerializer(Serializer):
    reason = serializers.CharField(max_length=40, help_text="A code of the loss_reason dictionary.")
    competitor = serializers.PrimaryKeyRelatedField(
        queryset=Competitor.objects.all(), required=False, allow_null=True, help_text="The competitor who won."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class OpportunityReopenSerializer(Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class OpportunityDecideSerializer(Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Opportunities the caller may see (own, collaborating, or within their scope)."""

    queryset = Opportunity.objects.select_related("owner").prefetch_related("lines", "competitors", "collaborators")
    serializer_class = OpportunitySerializer
    permission_module = "opportunities"
    action_permissions = {"move": "edit", "win": "edit", "lose": "edit", "reopen": "edit", "decide": "approve"}
    filterset_fields = ["status", "pipeline", "stage", "owner", "customer", "source"]
    search_fields = ["name", "number", "customer__name"]
    ordering_fields = ["updated_at", "created_at", "amount", "expected_close_date", "probability"]
    ordering = ["-updated_at"]

    def _out(self, opportunity: Opportunity) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=opportunity.pk)
        return OpportunitySerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=OpportunitySerializer, responses=OpportunitySerializer)
    def create(self, request: Request) -> Response:
        body = OpportunitySerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        customer = data.pop("customer")
        lines = [dict(line) for line in data.pop("lines", [])]
        competitors = data.pop("competitors", [])
        collaborators = data.pop("collaborators", [])
        custom = data.pop("custom", None)
        data.pop("version", None)
        opportunity = services.opportunity_create(
            actor=self.actor,
            customer=customer,
            data=data,
            lines=lines,
            competitors=competitors,
            collaborators=collaborators,
            custom=custom,
        )
        return Response(self._out(opportunity), status=status.HTTP_201_CREATED)

    @extend_schema(request=OpportunitySerializer, responses=OpportunitySerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        opportunity = self.get_object()
        body = OpportunitySerializer(
            opportunity, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        moved = {"stage", "pipeline", "owner", "customer"} & set(data)
        if moved:
            raise serializers.ValidationError(
                {name: ["Use the move action (stage) or a transfer (owner)."] for name in sorted(moved)}
            )
        lines = data.pop("lines", None)
        competitors = data.pop("competitors", None)
        collaborators = data.pop("collaborators", None)
        custom = data.pop("custom", None)
        services.opportunity_edit(
            actor=self.actor,
            opportunity=opportunity,
            version=version,
            data=data,
            custom=custom,
            lines=None if lines is None else [dict(line) for line in lines],
            competitors=competitors,
            collaborators=collaborators,
        )
        return Response(self._out(opportunity))

    def perform_destroy(self, instance: Opportunity) -> None:
        services.opportunity_delete(actor=self.actor, opportunity=instance)

    @extend_schema(request=OpportunityMoveSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move to another open stage of the pipeline; refused (400, code ``stage_requirements``) naming the
        fields the stage requires. A stage needing approval leaves ``pending_stage`` set instead."""
        opportunity = self.get_object()
        body = OpportunityMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.opportunity_move(actor=self.actor, opportunity=opportunity, **body.validated_data)
        return Response(self._out(moved))

    @extend_schema(request=OpportunityWinSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def win(self, request: Request, pk: str | None = None) -> Response:
        """Close the opportunity as won, optionally with its final amount."""
        opportunity = self.get_object()
        body = OpportunityWinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        won = services.opportunity_win(actor=self.actor, opportunity=opportunity, **body.validated_data)
        return Response(self._out(won))

    @extend_schema(request=OpportunityLoseSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: str | None = None) -> Response:
        """Close the opportunity as lost, with a reason (dictionary ``loss_reason``) and perhaps the winner."""
        opportunity = self.get_object()
        body = OpportunityLoseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lost = services.opportunity_lose(actor=self.actor, opportunity=opportunity, **body.validated_data)
        return Response(self._out(lost))

    @extend_schema(request=OpportunityReopenSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Reopen a won or lost opportunity."""
        opportunity = self.get_object()
        body = OpportunityReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reopened = services.opportunity_reopen(actor=self.actor, opportunity=opportunity, **body.validated_data)
        return Response(self._out(reopened))

    @extend_schema(request=OpportunityDecideSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Approve or reject the stage move waiting for approval."""
        opportunity = self.get_object()
        body = OpportunityDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = services.opportunity_decide_move(actor=self.actor, opportunity=opportunity, **body.validated_data)
        return Response(self._out(decided))


class CompetitorSerializer(ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")
    record = serializers.SerializerMethodField(help_text="Opportunities met on, won, lost, and lost to them.")

    class Meta:
        model = Competitor
        fields = ["id", *services.COMPETITOR_FIELDS, "record", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_record(self, instance: Competitor) -> dict[str, int]:
        records = self.context.get("records") or {}
        return records.get(instance.pk) or {"met": 0, "won": 0, "lost": 0, "lost_to": 0}


class CompetitorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    queryset = Competitor.objects.all()
    serializer_class = CompetitorSerializer
    permission_module = "competitors"
    search_fields = ["name"]
    ordering = ["name", "id"]

    def filter_queryset(self, queryset: Any) -> Any:
        unit = self.actor.business_unit_id
        queryset = super().filter_queryset(queryset)
        return queryset.filter(business_unit_id=unit) if unit is not None else queryset

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "records": getattr(self, "_records", {})}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())) or [])
        self._records = selectors.competitor_records(actor=self.actor, competitors=page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        competitor = self.get_object()
        self._records = selectors.competitor_records(actor=self.actor, competitors=[competitor])
        return Response(self.get_serializer(competitor).data)

    @extend_schema(request=CompetitorSerializer, responses=CompetitorSerializer)
    def create(self, request: Request) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        competitor = services.competitor_create(actor=self.actor, data=data)
        return Response(self.get_serializer(competitor).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompetitorSerializer, responses=CompetitorSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        competitor = self.get_object()
        body = self.get_serializer(competitor, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        saved = services.competitor_update(actor=self.actor, competitor=competitor, version=version, data=data)
        return Response(self.get_serializer(saved).data)

    def perform_destroy(self, instance: Competitor) -> None:
        services.competitor_delete(actor=self.actor, competitor=instance)
