"""REST resources ``churn-alerts`` (+ ``retain``, ``recover``, ``confirm-lost``) and ``care-rules``. The
serializers only parse; the services check and decide (a missing measure or reason is a field error)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, version_sent
from guanxi.core.errors import DomainError
from guanxi.org.models import BusinessUnit

from . import care, services
from .models import CareRule, ChurnAlert


class ChurnAlertSerializer(ModelSerializer):
    reason_texts = serializers.SerializerMethodField(help_text="The rules that fired, in the reader's language.")
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = ChurnAlert
        fields = [
            "id", "customer", "customer_name", "status", "reasons", "reason_texts", "raised_at", "checked_at",
            "measure", "measure_plan", "measure_followup", "retaining_at", "recovered_at", "recovered_note",
            "lost_on", "lost_reason", "lost_note", "won_again_on", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reason_texts(self, instance: ChurnAlert) -> list[str]:
        return [services.reason_text(reason).render() for reason in instance.reasons]


class RetainSerializer(Serializer):
    measure = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=services.MEASURE_KINDS, default="plan")
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    channel = serializers.CharField(max_length=12, required=False, default="phone")


class LostSerializer(Serializer):
    reason = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RecoverSerializer(Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ChurnAlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Churn alerts of the customers the caller may see; at most one open (warned or retaining) a customer."""

    queryset = ChurnAlert.objects.select_related("customer")
    serializer_class = ChurnAlertSerializer
    permission_module = "churn"
    action_permissions = {"retain": "edit", "recover": "edit", "confirm_lost": "edit"}
    filterset_fields = ["status", "customer"]
    ordering_fields = ["raised_at", "updated_at"]
    ordering = ["-raised_at"]

    def _out(self, alert: ChurnAlert) -> dict[str, Any]:
        return ChurnAlertSerializer(self.get_queryset().get(pk=alert.pk), context=self.get_serializer_context()).data

    @extend_schema(request=RetainSerializer, responses=ChurnAlertSerializer)
    @action(detail=True, methods=["post"])
    def retain(self, request: Request, pk: str | None = None) -> Response:
        """暂缓流失: the measure is required, recorded as a plan for the owner (``due_at``) or a follow-up."""
        body = RetainSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(
            self._out(services.alert_retain(actor=self.actor, alert=self.get_object(), **body.validated_data))
        )

    @extend_schema(request=RecoverSerializer, responses=ChurnAlertSerializer)
    @action(detail=True, methods=["post"])
    def recover(self, request: Request, pk: str | None = None) -> Response:
        """Close the open alert as recovered (a new order does this by itself)."""
        body = RecoverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(
            self._out(services.alert_recover(actor=self.actor, alert=self.get_object(), **body.validated_data))
        )

    @extend_schema(request=LostSerializer, responses=ChurnAlertSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-lost")
    def confirm_lost(self, request: Request, pk: str | None = None) -> Response:
        """确认流失: a reason from the ``churn_reason`` dictionary is required; the customer churns."""
        body = LostSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = services.alert_confirm_lost(actor=self.actor, alert=self.get_object(), **body.validated_data)
        return Response(self._out(alert))


class CareRuleSerializer(ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")
    thresholds = serializers.ListField(child=serializers.DecimalField(max_digits=14, decimal_places=2), required=False)
    levels = serializers.ListField(child=serializers.CharField(max_length=1), required=False)
    days_ahead = serializers.IntegerField()
    days_after = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = CareRule
        fields = ["id", "business_unit", *care.RULE_FIELDS, "version", "created_at", "updated_at"]
        read_only_fields = ["id", "business_unit", "created_at", "updated_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"required": False, "allow_blank": True},
                                                   "template": {"required": False, "allow_blank": True}}  # fmt: skip


class CareRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):  # fmt: skip
    """The care rules of the caller's unit (every unit's with the all-units scope); edited by unit admins."""

    queryset = CareRule.objects.all()
    serializer_class = CareRuleSerializer
    permission_module = "retention_settings"
    action_permissions = {"create": "configure", "partial_update": "configure", "destroy": "configure"}
    filterset_fields = ["kind", "active"]
    ordering = ["kind", "pk"]

    @extend_schema(request=CareRuleSerializer, responses=CareRuleSerializer)
    def create(self, request: Request) -> Response:
        body = CareRuleSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        unit = BusinessUnit.objects.filter(pk=self.actor.business_unit_id).first()
        if unit is None:
            raise DomainError(_("Only members of a business unit configure care rules."), field="business_unit")
        rule = care.care_rule_create(actor=self.actor, unit=unit, data=data)
        return Response(CareRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CareRuleSerializer, responses=CareRuleSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        rule = self.get_object()
        body = CareRuleSerializer(rule, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        rule = care.care_rule_update(actor=self.actor, rule=rule, version=version, data=data)
        return Response(CareRuleSerializer(rule).data)

    def perform_destroy(self, instance: CareRule) -> None:
        care.care_rule_delete(actor=self.actor, rule=instance)
