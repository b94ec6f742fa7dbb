"""REST resources of the approval engine: ``approval-flows`` and ``approvals`` (+ approve, reject, withdraw)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer
from guanxi.org.models import BusinessUnit, Role, User

from . import selectors, services
from .models import ApprovalFlow, ApprovalRequest, ApprovalStep, ApprovalTask, ApproverKind


class ApprovalStepSerializer(ModelSerializer):
    role = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all(), required=False, allow_null=True)
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ApproverKind.choices)
    levels = serializers.IntegerField(min_value=1, max_value=10, required=False, default=1)

    class Meta:
        model = ApprovalStep
        fields = ["position", "kind", "role", "levels", "user", "min_amount"]
        read_only_fields = ["position"]


class ApprovalFlowSerializer(ModelSerializer):
    steps = ApprovalStepSerializer(many=True, help_text="In order; the list replaces the flow's steps.")
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")
    business_unit = serializers.PrimaryKeyRelatedField(queryset=BusinessUnit.objects.all(), required=False)

    class Meta:
        model = ApprovalFlow
        fields = ["id", "business_unit", "record_type", "is_active", "steps", "version", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list[object] = []  # one flow per unit and type: the service replaces the existing one


class ApprovalFlowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The approval flows of the caller's business unit (another unit's with the all-units scope)."""

    queryset = ApprovalFlow.objects.prefetch_related("steps")
    serializer_class = ApprovalFlowSerializer
    permission_module = "approval_flows"
    action_permissions = {"create": "configure", "partial_update": "configure"}
    filterset_fields = ["record_type", "business_unit"]

    def _save(self, request: Request, flow: ApprovalFlow | None) -> ApprovalFlow:
        body = ApprovalFlowSerializer(flow, data=request.data, partial=flow is not None)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unit = data.get("business_unit") or (flow.business_unit if flow else None)
        if unit is None and self.actor.department is not None:
            unit = self.actor.department.business_unit
        if unit is None:
            raise serializers.ValidationError({"business_unit": ["Choose the business unit of the flow."]})
        steps = data.get("steps")
        if steps is None and flow is not None:
            steps = [
                {"kind": s.kind, "role": s.role, "levels": s.levels, "user": s.user, "min_amount": s.min_amount}
                for s in flow.steps.all()
            ]
        return services.approval_flow_save(
            actor=self.actor,
            unit=unit,
            record_type=data.get("record_type") or (flow.record_type if flow else ""),
            steps=[dict(step) for step in steps or []],
            is_active=data.get("is_active", flow.is_active if flow else True),
            version=data.get("version"),
        )

    @extend_schema(request=ApprovalFlowSerializer, responses=ApprovalFlowSerializer)
    def create(self, request: Request) -> Response:
        flow = self._save(request, None)
        return Response(ApprovalFlowSerializer(flow).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApprovalFlowSerializer, responses=ApprovalFlowSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        flow = self._save(request, self.get_object())
        return Response(ApprovalFlowSerializer(self.get_queryset().get(pk=flow.pk)).data)


class ApprovalTaskSerializer(ModelSerializer):
    class Meta:
        model = ApprovalTask
        fields = ["position", "approver", "reason", "decision", "comment", "decided_at"]


class ApprovalSerializer(ModelSerializer):
    tasks = ApprovalTaskSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id", "business_unit", "record_type", "object_id", "title", "amount", "submitter", "status", "step",
            "step_count", "submitted_at", "decided_at", "tasks",
        ]  # fmt: skip
        read_only_fields = fields


class ApprovalDecisionSerializer(Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Requests the caller submitted or is asked to decide. ``?waiting=true``: only those waiting for the
    caller now (the inbox)."""

    queryset = ApprovalRequest.objects.select_related("submitter").prefetch_related("tasks")
    serializer_class = ApprovalSerializer
    permission_module = "approvals"
    action_permissions = {"approve": "view", "reject": "view", "withdraw": "view"}
    filterset_fields = ["status", "record_type", "object_id"]
    ordering = ["-submitted_at", "-id"]

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and self.request.query_params.get("waiting") in ("1", "true"):
            inbox = selectors.inbox(actor=self.actor).values("pk")
            queryset = queryset.filter(Q(pk__in=inbox))
        return queryset

    def _decide(self, request: Request, approve: bool) -> Response:
        approval = self.get_object()
        body = ApprovalDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.approval_decide(actor=self.actor, request=approval, approve=approve, **body.validated_data)
        return Response(ApprovalSerializer(self.get_queryset().get(pk=approval.pk)).data)

    @extend_schema(request=ApprovalDecisionSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve the step waiting for you (409 ``already_decided`` when someone was first)."""
        return self._decide(request, True)

    @extend_schema(request=ApprovalDecisionSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject with a comment; the record goes back to its submitter."""
        return self._decide(request, False)

    @extend_schema(request=None, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The submitter takes the request back before anyone decided."""
        approval = self.get_object()
        services.approval_withdraw(actor=self.actor, request=approval)
        return Response(ApprovalSerializer(self.get_queryset().get(pk=approval.pk)).data)
