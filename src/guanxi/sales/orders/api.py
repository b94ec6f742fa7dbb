"""REST resource ``orders`` (+ confirm, cancel, complete). A confirmed order carries what an ERP needs: its
lines with prices and tax, and the customer's tax data."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, VisibleRelatedField, version_sent
from guanxi.customers.models import Customer

from ..contracts.api import lines_in
from ..contracts.models import Contract
from ..models import Opportunity
from ..quotes.api import QuoteLineSerializer, ReasonSerializer
from ..quotes.models import Quote
from . import services
from .models import Order, OrderLine


class OrderLineSerializer(QuoteLineSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id", "product", "description", "quantity", "unit_price", "discount_percent", "tax_rate", "net_amount",
            "tax_amount", "amount", "delivered_quantity",
        ]  # fmt: skip
        read_only_fields = ["id", "net_amount", "tax_amount", "amount", "delivered_quantity"]


class BillingSerializer(ModelSerializer):
    """The customer's tax data, as an invoice needs it."""

    class Meta:
        model = Customer
        fields = ["id", "number", "name", "tax_number", "bank", "bank_account", "address", "phone"]
        read_only_fields = fields


class OrderSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all())
    contract = VisibleRelatedField(queryset=Contract.objects.all(), allow_null=True, required=False)
    quote = VisibleRelatedField(queryset=Quote.objects.all(), allow_null=True, required=False)
    opportunity = VisibleRelatedField(queryset=Opportunity.objects.all(), allow_null=True, required=False)
    lines = OrderLineSerializer(many=True, required=False)
    billing = BillingSerializer(source="customer", read_only=True)
    ordered_on = serializers.DateField(required=False)
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Order
        fields = [
            "id", "number", "customer", "billing", "contract", "quote", "opportunity", "owner", "status",
            "ordered_on", "delivery_on", "delivery_address", "note", "lines", "net_amount", "tax_amount", "total",
            "ordered_quantity", "delivered_quantity", "invoiced_amount", "received_amount", "confirmed_at",
            "closed_at", "cancel_reason", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "number", "owner", "status", "net_amount", "tax_amount", "total", "ordered_quantity",
            "delivered_quantity", "invoiced_amount", "received_amount", "confirmed_at", "closed_at",
            "cancel_reason", "created_at", "updated_at",
        ]  # fmt: skip


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Orders the caller may see (own, or within their scope)."""

    queryset = Order.objects.select_related("customer").prefetch_related("lines")
    serializer_class = OrderSerializer
    permission_module = "orders"
    action_permissions = {"confirm": "edit", "cancel": "edit", "complete": "edit", "withdraw": "edit"}
    filterset_fields = ["status", "customer", "contract", "quote", "opportunity", "owner"]
    search_fields = ["number", "customer__name"]
    ordering_fields = ["updated_at", "created_at", "total", "ordered_on"]
    ordering = ["-updated_at"]

    def _out(self, order: Order) -> dict[str, Any]:
        return OrderSerializer(self.get_queryset().get(pk=order.pk), context=self.get_serializer_context()).data

    @extend_schema(request=OrderSerializer, responses=OrderSerializer)
    def create(self, request: Request) -> Response:
        body = OrderSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        lines = lines_in(data)
        customer, contract, quote = data.pop("customer"), data.pop("contract", None), data.pop("quote", None)
        order = services.order_create(
            actor=self.actor, customer=customer, data=data, lines=lines, contract=contract, quote=quote
        )
        return Response(self._out(order), status=status.HTTP_201_CREATED)

    @extend_schema(request=OrderSerializer, responses=OrderSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        body = OrderSerializer(order, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        for fixed in ("customer", "contract", "quote"):
            if fixed in data and getattr(data[fixed], "pk", None) != getattr(order, f"{fixed}_id"):
                raise serializers.ValidationError({fixed: ["Make a new order for another customer or source."]})
            data.pop(fixed, None)
        lines = lines_in(data)
        services.order_update(actor=self.actor, order=order, version=version, data=data, lines=lines)
        return Response(self._out(order))

    def perform_destroy(self, instance: Order) -> None:
        services.order_delete(actor=self.actor, order=instance)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Draft → confirmed; the customer's first confirmed order wins it as of the order date. When a check
        holds it (the customer's credit: above its limit, or rated D/E) the order is ``pending`` an approval
        instead, and confirmed when approved (back to ``draft`` when rejected or withdrawn)."""
        return Response(self._out(services.order_confirm(actor=self.actor, order=self.get_object())))

    @extend_schema(request=ReasonSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a draft, or a confirmed order with nothing delivered, invoiced or received (with a reason)."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.order_cancel(actor=self.actor, order=self.get_object(), **body.validated_data)
        return Response(self._out(done))

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """A delivered order is completed."""
        return Response(self._out(services.order_complete(actor=self.actor, order=self.get_object())))

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """An order waiting for approval back to draft."""
        return Response(self._out(services.order_withdraw(actor=self.actor, order=self.get_object())))
