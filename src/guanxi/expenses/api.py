"""REST resource ``expenses`` (+ ``submit``, ``withdraw``, ``pay``). Lines come as JSON (receipts are
added on the page); the service checks every line and reports each problem by line and field."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField, version_sent
from guanxi.customers.models import Customer
from guanxi.sales.models import Opportunity

from . import services
from .models import Expense, ExpenseLine


class ExpenseLineSerializer(ModelSerializer):
    # The bounds are the service's (amount above zero, a day not in the future), reported by line and field.
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    category = serializers.CharField(max_length=40)

    class Meta:
        model = ExpenseLine
        fields = ["category", "spent_on", "amount", "note", "receipt_name"]
        read_only_fields = ["receipt_name"]


class ExpenseSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all(), allow_null=True, required=False)
    opportunity = VisibleRelatedField(queryset=Opportunity.objects.all(), allow_null=True, required=False)
    lines = ExpenseLineSerializer(many=True)
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Expense
        fields = [
            "id", "number", "title", "customer", "opportunity", "owner", "status", "total", "lines", "submitted_at",
            "decided_at", "paid_at", "paid_by", "payment_reference", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "number", "owner", "status", "total", "submitted_at", "decided_at", "paid_at", "paid_by",
            "payment_reference", "created_at", "updated_at",
        ]  # fmt: skip


class PaySerializer(Serializer):
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ExpenseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Expense claims the caller may see (their own, or within their scope)."""

    queryset = Expense.objects.select_related("customer").prefetch_related("lines")
    serializer_class = ExpenseSerializer
    permission_module = "expenses"
    action_permissions = {"submit": "edit", "withdraw": "edit", "pay": "view"}
    filterset_fields = ["status", "customer", "opportunity", "owner"]
    search_fields = ["number", "title"]
    ordering_fields = ["updated_at", "created_at", "total"]
    ordering = ["-updated_at"]

    def _out(self, expense: Expense) -> dict[str, Any]:
        return ExpenseSerializer(self.get_queryset().get(pk=expense.pk), context=self.get_serializer_context()).data

    @extend_schema(request=ExpenseSerializer, responses=ExpenseSerializer)
    def create(self, request: Request) -> Response:
        body = ExpenseSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        lines = [dict(line) for line in data.pop("lines")]
        expense = services.expense_create(actor=self.actor, data=data, lines=lines)
        return Response(self._out(expense), status=status.HTTP_201_CREATED)

    @extend_schema(request=ExpenseSerializer, responses=ExpenseSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        expense = self.get_object()
        body = ExpenseSerializer(expense, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        lines = [dict(line) for line in data.pop("lines")] if "lines" in data else None
        services.expense_update(actor=self.actor, expense=expense, version=version, data=data, lines=lines)
        return Response(self._out(expense))

    def perform_destroy(self, instance: Expense) -> None:
        services.expense_delete(actor=self.actor, expense=instance)

    @extend_schema(request=None, responses=ExpenseSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send the claim for approval: the unit's flow picks the approvers by the claim's total."""
        return Response(self._out(services.expense_submit(actor=self.actor, expense=self.get_object())))

    @extend_schema(request=None, responses=ExpenseSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take a claim waiting for approval back to draft (before anyone decided)."""
        return Response(self._out(services.expense_withdraw(actor=self.actor, expense=self.get_object())))

    @extend_schema(request=PaySerializer, responses=ExpenseSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """Finance marks an approved claim paid (``expense_payments.edit``)."""
        body = PaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expense = services.expense_pay(
            actor=self.actor, expense=self.get_object(), reference=body.validated_data["reference"]
        )
        return Response(self._out(expense))
