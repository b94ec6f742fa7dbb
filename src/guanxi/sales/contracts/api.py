"""REST resource ``contracts`` (+ submit, withdraw, sign, void, renew, copy, complete, terminate, attach)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import (
    ModelSerializer,
    ScopedViewSet,
    Serializer,
    StoredFileSerializer,
    VisibleRelatedField,
    version_sent,
)
from guanxi.customers.models import Customer

from ..models import Opportunity
from ..quotes.api import QuoteLineSerializer, ReasonSerializer, VersionSerializer
from ..quotes.models import Quote
from . import services
from .models import Contract, ContractAttachment, ContractLine


class ContractAttachmentSerializer(StoredFileSerializer):
    url_name = "sales:contract_attachment"

    class Meta(StoredFileSerializer.Meta):
        model = ContractAttachment


class ContractLineSerializer(QuoteLineSerializer):
    class Meta:
        model = ContractLine
        fields = [
            "product", "description", "quantity", "unit_price", "discount_percent", "tax_rate", "net_amount",
            "tax_amount", "amount",
        ]  # fmt: skip
        read_only_fields = ["net_amount", "tax_amount", "amount"]


class ContractSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all())
    opportunity = VisibleRelatedField(queryset=Opportunity.objects.all(), allow_null=True, required=False)
    quote = VisibleRelatedField(queryset=Quote.objects.all(), allow_null=True, required=False)
    lines = ContractLineSerializer(many=True, required=False)
    attachments = ContractAttachmentSerializer(many=True, read_only=True)
    number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Contract
        fields = [
            "id", "number", "title", "customer", "opportunity", "quote", "renews", "copied_from", "owner", "status",
            "amount", "start_on", "end_on", "signed_on", "our_signatory", "their_signatory", "payment_terms", "note",
            "lines", "attachments", "void_pending", "void_reason", "submitted_at", "closed_at", "version", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "renews", "copied_from", "owner", "status", "signed_on", "void_pending", "void_reason",
            "submitted_at", "closed_at", "created_at", "updated_at",
        ]  # fmt: skip


class ContractAttachSerializer(Serializer):
    files = serializers.ListField(child=serializers.FileField())


class SignSerializer(Serializer):
    signed_on = serializers.DateField(required=False)
    version = serializers.IntegerField(required=False)


def lines_in(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    lines = data.pop("lines", None)
    if lines is None:
        return None
    return [{**line, "product": line.pop("product_id")} for line in map(dict, lines)]


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Contracts the caller may see (own, or within their scope)."""

    queryset = Contract.objects.select_related("customer").prefetch_related("lines", "attachments")
    serializer_class = ContractSerializer
    permission_module = "contracts"
    action_permissions = {
        "submit": "edit", "withdraw": "edit", "sign": "edit", "void": "edit", "complete": "edit",
        "terminate": "edit", "renew": "create", "copy": "create", "attach": "edit",
    }  # fmt: skip
    filterset_fields = ["status", "customer", "opportunity", "owner", "quote"]
    search_fields = ["number", "title", "customer__name"]
    ordering_fields = ["updated_at", "created_at", "amount", "end_on", "signed_on"]
    ordering = ["-updated_at"]

    def _out(self, contract: Contract) -> dict[str, Any]:
        return ContractSerializer(self.get_queryset().get(pk=contract.pk), context=self.get_serializer_context()).data

    @extend_schema(request=ContractSerializer, responses=ContractSerializer)
    def create(self, request: Request) -> Response:
        body = ContractSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        lines = lines_in(data)
        customer, quote = data.pop("customer"), data.pop("quote", None)
        contract = services.contract_create(actor=self.actor, customer=customer, data=data, lines=lines, quote=quote)
        return Response(self._out(contract), status=status.HTTP_201_CREATED)

    @extend_schema(request=ContractSerializer, responses=ContractSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        body = ContractSerializer(contract, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        for fixed in ("customer", "quote"):
            if fixed in data and getattr(data[fixed], "pk", None) != getattr(contract, f"{fixed}_id"):
                raise serializers.ValidationError({fixed: ["Make a new contract for another customer or quote."]})
            data.pop(fixed, None)
        lines = lines_in(data)
        services.contract_update(actor=self.actor, contract=contract, version=version, data=data, lines=lines)
        return Response(self._out(contract))

    def perform_destroy(self, instance: Contract) -> None:
        services.contract_delete(actor=self.actor, contract=instance)

    @extend_schema(request=VersionSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Draft → pending approval (or approved, when the unit's flow has no step for this amount)."""
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.contract_submit(actor=self.actor, contract=self.get_object(), **body.validated_data)
        return Response(self._out(done))

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take back the approval (or the void) waiting for a decision."""
        return Response(self._out(services.contract_withdraw(actor=self.actor, contract=self.get_object())))

    @extend_schema(request=SignSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """Approved → signed (on ``signed_on``, today by default); the first signed contract wins the customer."""
        body = SignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.contract_sign(actor=self.actor, contract=self.get_object(), **body.validated_data)
        return Response(self._out(done))

    @extend_schema(request=ReasonSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        """Ask to void (a reason is required); the void goes through approval."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.contract_void(actor=self.actor, contract=self.get_object(), **body.validated_data)
        return Response(self._out(done))

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """A running contract is completed."""
        return Response(self._out(services.contract_close(actor=self.actor, contract=self.get_object())))

    @extend_schema(request=ReasonSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        """A running contract ends early, with a reason."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.contract_close(
            actor=self.actor, contract=self.get_object(), terminate=True, **body.validated_data
        )
        return Response(self._out(done))

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: str | None = None) -> Response:
        """A new draft linked to this contract, from the day after it ends."""
        done = services.contract_renew(actor=self.actor, contract=self.get_object())
        return Response(self._out(done), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: str | None = None) -> Response:
        """A voided contract copied to a new draft."""
        done = services.contract_copy(actor=self.actor, contract=self.get_object())
        return Response(self._out(done), status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": ContractAttachSerializer}, responses={201: ContractSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attach(self, request: Request, pk: str | None = None) -> Response:
        """Add files (multipart field ``files``, repeated): the signed scan or annexes, in any status but voided.
        Refusals: ``required``, ``file_empty``, ``file_size``, ``file_type``, ``file_content``, ``too_many``,
        ``wrong_status`` (409)."""
        contract = self.get_object()
        services.contract_attach(actor=self.actor, contract=contract, files=request.FILES.getlist("files"))
        return Response(self._out(contract), status=status.HTTP_201_CREATED)
