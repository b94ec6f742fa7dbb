"""REST resource ``quotes`` (+ submit, withdraw, send, accept, reject, copy, pdf, last-prices)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField, version_sent
from guanxi.core.scope import get_readable_or_404
from guanxi.customers.models import Contact, Customer

from ..models import Opportunity
from . import pdf, selectors, services
from .models import Quote, QuoteLine


class QuoteLineSerializer(ModelSerializer):
    # A plain id: the service tells "not your unit's" and "off sale" apart, per line.
    product = serializers.IntegerField(source="product_id")
    # Bounds are the service's: it reports each line's problems by field (``lines.0.quantity``).
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)

    class Meta:
        model = QuoteLine
        fields = [
            "product", "description", "quantity", "unit_price", "discount_percent", "tax_rate", "net_amount",
            "tax_amount", "amount", "below_floor",
        ]  # fmt: skip
        read_only_fields = ["net_amount", "tax_amount", "amount", "below_floor"]


class QuoteSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all())
    contact = VisibleRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)
    opportunity = VisibleRelatedField(queryset=Opportunity.objects.all(), allow_null=True, required=False)
    lines = QuoteLineSerializer(many=True)
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Quote
        fields = [
            "id", "number", "revision", "previous", "customer", "contact", "opportunity", "owner", "status",
            "valid_until", "note", "lines", "list_amount", "discount_amount", "net_amount", "tax_amount", "total",
            "needs_approval", "submitted_at", "sent_at", "closed_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "number", "revision", "previous", "owner", "status", "list_amount", "discount_amount",
            "net_amount", "tax_amount", "total", "needs_approval", "submitted_at", "sent_at", "closed_at",
            "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"valid_until": {"required": False}}


class VersionSerializer(Serializer):
    version = serializers.IntegerField(required=False)


class ReasonSerializer(Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class LastPriceSerializer(Serializer):
    product = serializers.IntegerField(source="product_id")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    net_unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    quote = serializers.IntegerField(source="quote_id")
    quote_number = serializers.CharField()
    quoted_by = serializers.CharField()
    quoted_at = serializers.DateTimeField()


class QuoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Quotes the caller may see (own, or within their scope)."""

    queryset = Quote.objects.select_related("customer").prefetch_related("lines")
    serializer_class = QuoteSerializer
    permission_module = "quotes"
    action_permissions = {
        "submit": "edit", "withdraw": "edit", "send": "edit", "accept": "edit", "reject": "edit",
        "copy": "create", "pdf": "view", "last_prices": "view",
    }  # fmt: skip
    filterset_fields = ["status", "customer", "opportunity", "owner"]
    search_fields = ["number", "customer__name"]
    ordering_fields = ["updated_at", "created_at", "total", "valid_until"]
    ordering = ["-updated_at"]

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(QuoteSerializer(self._readable(pk), context=self.get_serializer_context()).data)

    def _readable(self, pk: str | None) -> Quote:
        """As the page: the quote's scope, and whoever is asked to approve it."""
        return get_readable_or_404(self.queryset, self.actor, pk=pk)

    def _out(self, quote: Quote) -> dict[str, Any]:
        return QuoteSerializer(self.get_queryset().get(pk=quote.pk), context=self.get_serializer_context()).data

    @staticmethod
    def _lines(data: dict[str, Any]) -> list[dict[str, Any]] | None:
        lines = data.pop("lines", None)
        if lines is None:
            return None
        return [{**line, "product": line.pop("product_id")} for line in map(dict, lines)]

    @extend_schema(request=QuoteSerializer, responses=QuoteSerializer)
    def create(self, request: Request) -> Response:
        body = QuoteSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        lines = self._lines(data) or []
        quote = services.quote_create(actor=self.actor, customer=data.pop("customer"), data=data, lines=lines)
        return Response(self._out(quote), status=status.HTTP_201_CREATED)

    @extend_schema(request=QuoteSerializer, responses=QuoteSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        quote = self.get_object()
        body = QuoteSerializer(quote, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        if "customer" in data and data["customer"].pk != quote.customer_id:
            raise serializers.ValidationError({"customer": ["Copy the quote to quote another customer."]})
        data.pop("customer", None)
        lines = self._lines(data)
        services.quote_update(actor=self.actor, quote=quote, version=version, data=data, lines=lines)
        return Response(self._out(quote))

    def perform_destroy(self, instance: Quote) -> None:
        services.quote_delete(actor=self.actor, quote=instance)

    @extend_schema(request=VersionSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Draft → approved, or → pending approval when a line is below its floor price or the total
        discount is above the unit's limit."""
        quote = self.get_object()
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(self._out(services.quote_submit(actor=self.actor, quote=quote, **body.validated_data)))

    @extend_schema(request=None, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take a quote waiting for approval back to draft (before anyone decided)."""
        return Response(self._out(services.quote_withdraw(actor=self.actor, quote=self.get_object())))

    @extend_schema(request=None, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        """The approved quote went to the customer."""
        return Response(self._out(services.quote_send(actor=self.actor, quote=self.get_object())))

    @extend_schema(request=None, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """The customer accepted: the opportunity's amount follows the quote."""
        return Response(self._out(services.quote_accept(actor=self.actor, quote=self.get_object())))

    @extend_schema(request=ReasonSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """The customer turned it down."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        quote = services.quote_reject(actor=self.actor, quote=self.get_object(), **body.validated_data)
        return Response(self._out(quote))

    @extend_schema(request=None, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: str | None = None) -> Response:
        """A new draft version of the quote."""
        copy = services.quote_copy(actor=self.actor, quote=self.get_object())
        return Response(self._out(copy), status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The quote as a PDF with the unit's header, as the customer receives it."""
        return pdf.quote_pdf_response(self._readable(pk), request)

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", int, required=True),
            OpenApiParameter("products", str, description="Product ids, comma-separated"),
        ],
        responses=LastPriceSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="last-prices")
    def last_prices(self, request: Request) -> Response:
        """One company, one price: the latest price anyone in your unit gave this customer for each product."""
        customer = request.query_params.get("customer", "")
        ids = [int(part) for part in request.query_params.get("products", "").split(",") if part.strip().isdigit()]
        found = (
            selectors.last_prices(actor=self.actor, customer_id=int(customer), products=ids[:200])
            if customer.isdigit()
            else None
        )
        if found is None:
            raise Http404
        return Response(LastPriceSerializer(list(found.values()), many=True).data)
