"""REST resource ``credit-overrides``: a manager's rating and/or limit for a customer (list, read, create,
remove). A customer's credit itself (rating, limit, outstanding, available, reasons in words) is the
``credit`` field of the ``customers`` resource. Money is a string with two decimals; the serializer only
parses and the service decides (a negative limit → 400 on ``limit``; without ``credit.approve`` → 403)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, VisibleRelatedField
from guanxi.customers.models import Customer

from . import services
from .models import CreditOverride


class CreditOverrideSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all())
    rating = serializers.CharField(
        required=False, allow_blank=True, max_length=1, help_text="A to E; empty: the computed rating stays."
    )
    limit = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=24,
        help_text="The credit limit in yuan (never negative); empty: the default limit of the customer's level.",
    )  # fmt: skip
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = CreditOverride
        fields = ["id", "customer", "business_unit", "rating", "limit", "note", "in_force", "created_by", "created_at",
                  "removed_by", "removed_at", "remove_note"]  # fmt: skip
        read_only_fields = ["id", "business_unit", "created_by", "created_at", "removed_by", "removed_at",
                            "remove_note"]  # fmt: skip

    def to_representation(self, instance: CreditOverride) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["rating"] = instance.rating.upper()
        data["limit"] = str(instance.limit) if instance.limit is not None else None
        return data


class CreditOverrideViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):  # fmt: skip
    """Credit overrides of the customers the caller may see, in force and removed (newest first). Creating one
    replaces the customer's override in force; deleting one removes it (kept, stamped) and the computed rating
    and limit apply again."""

    queryset = CreditOverride.objects.select_related("customer")
    serializer_class = CreditOverrideSerializer
    permission_module = "credit"
    action_permissions = {"create": "approve", "destroy": "approve"}
    filterset_fields = ["customer", "business_unit", "rating"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    @extend_schema(request=CreditOverrideSerializer, responses=CreditOverrideSerializer)
    def create(self, request: Request) -> Response:
        body = CreditOverrideSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        row = services.credit_override_set(
            actor=self.actor, customer=data["customer"], rating=data.get("rating") or "", limit=data.get("limit"),
            note=data.get("note", ""),
        )  # fmt: skip
        out = CreditOverrideSerializer(row, context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("note", str, description="Why it is removed (optional).")])
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.credit_override_remove(
            actor=self.actor, override=self.get_object(), note=request.query_params.get("note", "")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
