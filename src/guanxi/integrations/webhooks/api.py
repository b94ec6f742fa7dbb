"""REST resource ``webhooks`` (+ ``test``, ``deliveries``, ``redeliver``, ``rotate-secret``), within the caller's
business unit; and each record type's body in a delivery, rendered by the resource's own serializer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, version_sent
from guanxi.core.scope import get_visible_or_404
from guanxi.org.models import BusinessUnit

from . import services
from .models import Attempt, Delivery, Subscription


class SubscriptionSerializer(ModelSerializer):
    events = serializers.ListField(
        child=serializers.CharField(max_length=60), help_text="Event codes, e.g. customer.claimed."
    )
    business_unit = serializers.PrimaryKeyRelatedField(
        queryset=BusinessUnit.objects.all(),
        required=False,
        help_text="Default: yours (another needs the all-units scope).",
    )
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Subscription
        fields = [
            "id", "name", "url", "events", "active", "business_unit", "owner", "secret", "failing_since",
            "paused_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "owner", "secret", "failing_since", "paused_at", "created_at", "updated_at"]


class AttemptSerializer(ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["at", "status_code", "error", "duration_ms", "response"]


class DeliverySerializer(ModelSerializer):
    key = serializers.CharField(read_only=True, help_text="The idempotency key (the same for every attempt).")
    tries = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id", "subscription", "event_code", "key", "status", "attempts", "last_status_code", "last_error",
            "created_at", "next_attempt_at", "delivered_at", "body", "tries",
        ]  # fmt: skip


class RedeliverSerializer(Serializer):
    delivery = serializers.IntegerField(help_text="The id of one of this webhook's deliveries.")


class WebhookViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):  # fmt: skip
    """The webhooks of the units the caller administers (their own unit; every unit with the all-units scope)."""

    queryset = Subscription.objects.select_related("owner")
    serializer_class = SubscriptionSerializer
    permission_module = "webhooks"
    action_permissions = {"test": "edit", "deliveries": "view", "redeliver": "edit", "rotate_secret": "edit"}
    filterset_fields = ["active", "business_unit"]
    ordering = ["name"]

    def _out(self, row: Subscription) -> dict[str, Any]:
        return SubscriptionSerializer(self.get_queryset().get(pk=row.pk), context=self.get_serializer_context()).data

    @extend_schema(request=SubscriptionSerializer, responses=SubscriptionSerializer)
    def create(self, request: Request) -> Response:
        body = SubscriptionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        unit = data.pop("business_unit", None)
        row = services.webhook_create(actor=self.actor, data=data, unit=unit)
        return Response(self._out(row), status=status.HTTP_201_CREATED)

    @extend_schema(request=SubscriptionSerializer, responses=SubscriptionSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        body = SubscriptionSerializer(row, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        if "business_unit" in data and data.pop("business_unit") != row.business_unit:
            raise serializers.ValidationError({"business_unit": ["A webhook stays in its business unit."]})
        services.webhook_update(actor=self.actor, subscription=row, version=version, data=data)
        return Response(self._out(row))

    def perform_destroy(self, instance: Subscription) -> None:
        services.webhook_delete(actor=self.actor, subscription=instance)

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Send a ``webhook.ping`` event to this webhook; its delivery shows in ``deliveries``."""
        services.webhook_ping(actor=self.actor, subscription=self.get_object())
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=SubscriptionSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """A new signing secret; the old one stops working at once."""
        return Response(self._out(services.webhook_rotate_secret(actor=self.actor, subscription=self.get_object())))

    @extend_schema(request=None, responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The delivery log, newest first (paginated), each with its attempts and status codes."""
        row = self.get_object()
        rows = (
            Delivery.objects.visible_to(self.actor)
            .filter(subscription=row)
            .select_related("event")
            .prefetch_related("tries")
            .order_by("-created_at", "-pk")
        )
        page = self.paginate_queryset(rows)
        data = DeliverySerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(request=RedeliverSerializer, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        """Send one delivery again now: the same body and idempotency key."""
        row = self.get_object()
        body = RedeliverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        delivery = get_visible_or_404(
            Delivery.objects.filter(subscription=row), self.actor, pk=body.validated_data["delivery"]
        )
        services.delivery_redeliver(actor=self.actor, delivery=delivery)
        fresh = Delivery.objects.select_related("event").prefetch_related("tries").get(pk=delivery.pk)
        return Response(DeliverySerializer(fresh, context=self.get_serializer_context()).data)


def register() -> None:
    """A delivery shows its record as the REST API does (phones and e-mail masked, as to any reader)."""
    from guanxi.customers.api import CustomerSerializer
    from guanxi.customers.models import Customer
    from guanxi.finance.api import ReceiptSerializer
    from guanxi.finance.models import Receipt
    from guanxi.sales.api import OpportunitySerializer
    from guanxi.sales.contracts.api import ContractSerializer
    from guanxi.sales.contracts.models import Contract
    from guanxi.sales.models import Opportunity
    from guanxi.sales.orders.api import OrderSerializer
    from guanxi.sales.orders.models import Order
    from guanxi.service.api import TicketSerializer
    from guanxi.service.models import Ticket

    from .payloads import register_renderer

    def renderer(serializer: Any) -> Any:
        return lambda rows: list(serializer(rows, many=True, context={}).data)

    register_renderer(Customer, renderer(CustomerSerializer), lambda: Customer.all_objects.select_related("owner"))
    register_renderer(Opportunity, renderer(OpportunitySerializer))
    register_renderer(Contract, renderer(ContractSerializer))
    register_renderer(Order, renderer(OrderSerializer))
    register_renderer(Ticket, renderer(TicketSerializer))
    register_renderer(Receipt, renderer(ReceiptSerializer))
    register_renderer(Subscription, lambda rows: [{"id": row.pk, "name": row.name, "url": row.url} for row in rows])
