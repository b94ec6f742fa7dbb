"""REST resources ``receivables`` (+ ``ageing``), ``payment-plans`` (+ ``generate``), ``receipts`` (+ ``submit``,
``withdraw``, ``approve``, ``reject``, ``reverse``), ``invoices`` (+ ``issue``, ``void``) and ``deliveries``
(+ ``ship``, ``receive``). Money is a string with two decimals both ways; the serializers only parse and the
services decide."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField, version_sent
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import Order, OrderLine

from . import selectors, services
from .models import Delivery, DeliveryLine, Invoice, InvoiceLine, PaymentPlan, Receipt, Receivable

AMOUNT = {"max_digits": 16, "decimal_places": 2}


class ReceivableSerializer(ModelSerializer):
    contract = VisibleRelatedField(queryset=Contract.objects.all(), allow_null=True, required=False)
    order = VisibleRelatedField(queryset=Order.objects.all(), allow_null=True, required=False)
    outstanding = serializers.DecimalField(read_only=True, **AMOUNT)  # type: ignore[arg-type]
    owed_from = serializers.DateField(
        read_only=True, help_text="The contract's signing date or the order's date: owed from that day."
    )

    class Meta:
        model = Receivable
        fields = ["id", "number", "customer", "owner", "business_unit", "contract", "order", "owed_from", "amount",
                  "planned", "invoiced", "received", "outstanding", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "number", "customer", "owner", "business_unit", "owed_from", "amount", "planned",
                            "invoiced", "received", "created_at", "updated_at"]  # fmt: skip


class AgeingRowSerializer(Serializer):
    id = serializers.IntegerField(help_text="The customer's id, or the receivable's with by=record.")
    name = serializers.CharField()
    customer = serializers.IntegerField()
    contracted = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    invoiced = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    received = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    outstanding = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    not_due = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    d0_30 = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    d31_60 = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    d61_90 = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    d90 = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    overdue = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]


class AgeingSerializer(Serializer):
    as_of = serializers.DateField()
    count = serializers.IntegerField()
    totals = serializers.DictField(child=serializers.DecimalField(**AMOUNT))  # type: ignore[arg-type]
    results = AgeingRowSerializer(many=True)


class ReceivableViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """What customers owe, per signed contract or confirmed order; ``ageing`` groups it by customer."""

    queryset = Receivable.objects.select_related("customer")
    serializer_class = ReceivableSerializer
    permission_module = "payments"
    action_permissions = {"ageing": "view"}
    filterset_fields = ["customer", "owner", "contract", "order", "business_unit"]
    search_fields = ["number", "customer__name"]
    ordering_fields = ["updated_at", "amount", "received"]
    ordering = ["-updated_at"]

    @extend_schema(request=ReceivableSerializer, responses=ReceivableSerializer)
    def create(self, request: Request) -> Response:
        """Open the receivable of a signed contract or a confirmed order (returns the existing one if any)."""
        body = ReceivableSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        row = services.receivable_open(actor=self.actor, contract=body.validated_data.get("contract"),
                                       order=body.validated_data.get("order"))  # fmt: skip
        return Response(ReceivableSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", str, description="YYYY-MM-DD; today when left out"),
            OpenApiParameter("by", str, enum=["customer", "record"]),
            OpenApiParameter("q", str), OpenApiParameter("overdue", bool), OpenApiParameter("page", int),
        ],
        responses=AgeingSerializer,
    )  # fmt: skip
    @action(detail=False, methods=["get"])
    def ageing(self, request: Request) -> Response:
        """Contracted, invoiced, received, outstanding and overdue by age (0–30, 31–60, 61–90, over 90 days)
        as of a day, per customer or per contract/order, with the totals."""
        from .exports import report_query

        as_of, by, filters = report_query(request.query_params)
        grouping = "customer" if by == "customer" else "receivable"
        page_number = request.query_params.get("page")
        page, rows = selectors.ageing_page(
            self.actor, as_of=as_of, by=grouping, filters=filters, page=page_number, per_page=50
        )
        results = [{"id": row.key, "name": row.label, "customer": row.customer_id, **row.figures} for row in rows]
        totals = selectors.ageing_totals(self.actor, as_of=as_of, filters=filters)
        data = {"as_of": as_of, "count": page.paginator.count, "totals": totals, "results": results}
        return Response(AgeingSerializer(data).data)


class PaymentPlanSerializer(ModelSerializer):
    receivable = VisibleRelatedField(queryset=Receivable.objects.all())
    amount = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = PaymentPlan
        fields = ["id", "receivable", "number", "due_on", "amount", "received", "status", "note", "overdue_at",
                  "version", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "number", "received", "status", "overdue_at", "created_at", "updated_at"]


class GenerateSerializer(Serializer):
    receivable = VisibleRelatedField(queryset=Receivable.objects.all())
    first_due = serializers.DateField()
    every_months = serializers.IntegerField(default=1, min_value=0, max_value=24)
    count = serializers.IntegerField(required=False, min_value=1, max_value=60)


class PaymentPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):  # fmt: skip
    """Instalments (回款计划) of the receivables the caller may see."""

    queryset = PaymentPlan.objects.all()
    serializer_class = PaymentPlanSerializer
    permission_module = "payments"
    action_permissions = {"generate": "create", "destroy": "edit"}
    filterset_fields = ["receivable", "status"]
    ordering_fields = ["due_on", "amount"]
    ordering = ["due_on", "number"]

    def _out(self, plan: PaymentPlan) -> dict[str, Any]:
        return PaymentPlanSerializer(PaymentPlan.objects.get(pk=plan.pk), context=self.get_serializer_context()).data

    @extend_schema(request=PaymentPlanSerializer, responses=PaymentPlanSerializer)
    def create(self, request: Request) -> Response:
        body = PaymentPlanSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        plan = services.plan_create(actor=self.actor, receivable=data.pop("receivable"), data=data)
        return Response(self._out(plan), status=status.HTTP_201_CREATED)

    @extend_schema(request=PaymentPlanSerializer, responses=PaymentPlanSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        body = PaymentPlanSerializer(plan, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        data.pop("receivable", None)
        services.plan_update(actor=self.actor, plan=plan, version=version, data=data)
        return Response(self._out(plan))

    def perform_destroy(self, instance: PaymentPlan) -> None:
        services.plan_delete(actor=self.actor, plan=instance)

    @extend_schema(request=GenerateSerializer, responses=PaymentPlanSerializer(many=True))
    @action(detail=False, methods=["post"])
    def generate(self, request: Request) -> Response:
        """Instalments for what is left to plan: in the shares the contract's payment terms name, else in
        ``count`` equal parts, every ``every_months`` from ``first_due``."""
        body = GenerateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        plans = services.plans_generate(actor=self.actor, **body.validated_data)
        rows = PaymentPlan.objects.filter(pk__in=[plan.pk for plan in plans]).order_by("number")
        return Response(PaymentPlanSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class ReceiptSerializer(ModelSerializer):
    receivable = VisibleRelatedField(queryset=Receivable.objects.all())
    amount = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]
    chosen_plans = serializers.ListField(child=serializers.IntegerField(), required=False,
                                         help_text="Plan ids to allocate to first; empty: oldest first.")  # fmt: skip
    allocations = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Receipt
        fields = ["id", "number", "receivable", "customer", "received_on", "amount", "method", "account", "payer",
                  "reference", "note", "chosen_plans", "status", "allocations", "submitted_at", "decided_at",
                  "reversed_at", "reverse_reason", "version", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "number", "customer", "status", "submitted_at", "decided_at", "reversed_at",
                            "reverse_reason", "created_at", "updated_at"]  # fmt: skip

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_allocations(self, receipt: Receipt) -> list[dict[str, Any]]:
        return [
            {"plan": a.plan_id, "amount": str(a.amount), "released": a.released_at is not None}
            for a in receipt.allocations.all()
        ]


class ReceiptCommentSerializer(Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MoneyReasonSerializer(Serializer):
    reason = serializers.CharField(max_length=500)


class ReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Receipts (回款单): entered by sales, confirmed by finance through the approval engine."""

    queryset = Receipt.objects.select_related("customer").prefetch_related("allocations")
    serializer_class = ReceiptSerializer
    permission_module = "payments"
    action_permissions = {"submit": "edit", "withdraw": "edit", "approve": "view", "reject": "view",
                          "reverse": "view"}  # fmt: skip
    filterset_fields = ["status", "customer", "receivable", "method"]
    search_fields = ["number", "payer", "reference"]
    ordering_fields = ["received_on", "amount", "updated_at"]
    ordering = ["-received_on", "-id"]

    def _out(self, receipt: Receipt) -> dict[str, Any]:
        row = Receipt.all_objects.prefetch_related("allocations").get(pk=receipt.pk)
        return ReceiptSerializer(row, context=self.get_serializer_context()).data

    @extend_schema(request=ReceiptSerializer, responses=ReceiptSerializer)
    def create(self, request: Request) -> Response:
        body = ReceiptSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        receipt = services.receipt_create(actor=self.actor, receivable=data.pop("receivable"), data=data)
        return Response(self._out(receipt), status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiptSerializer, responses=ReceiptSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        receipt = self.get_object()
        body = ReceiptSerializer(receipt, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        data.pop("receivable", None)
        services.receipt_update(actor=self.actor, receipt=receipt, version=version, data=data)
        return Response(self._out(receipt))

    @extend_schema(request=None, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send the receipt to finance for approval."""
        return Response(self._out(services.receipt_submit(actor=self.actor, receipt=self.get_object())))

    @extend_schema(request=None, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take a receipt waiting for approval back to draft (before anyone decided)."""
        return Response(self._out(services.receipt_withdraw(actor=self.actor, receipt=self.get_object())))

    def _decide(self, request: Request, approve: bool) -> Response:
        body = ReceiptCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        receipt = services.receipt_decide(actor=self.actor, receipt=self.get_object(), approve=approve,
                                          comment=body.validated_data["comment"])  # fmt: skip
        return Response(self._out(receipt))

    @extend_schema(request=ReceiptCommentSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Finance approves (the step must be theirs): the amount is allocated; ``over_receipt`` (409) when it
        would pass the contract/order amount."""
        return self._decide(request, True)

    @extend_schema(request=ReceiptCommentSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Finance rejects the receipt (the step must be theirs): nothing is allocated."""
        return self._decide(request, False)

    @extend_schema(request=MoneyReasonSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        """Finance (``finance.edit``) reverses a confirmed receipt; its allocation is released."""
        body = MoneyReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        receipt = services.receipt_reverse(actor=self.actor, receipt=self.get_object(),
                                           reason=body.validated_data["reason"])  # fmt: skip
        return Response(self._out(receipt))


class InvoiceLineSerializer(ModelSerializer):
    amount = serializers.DecimalField(**AMOUNT)  # type: ignore[arg-type]

    class Meta:
        model = InvoiceLine
        fields = ["description", "quantity", "tax_rate", "amount"]


class InvoiceSerializer(ModelSerializer):
    receivable = VisibleRelatedField(queryset=Receivable.objects.all())
    lines = InvoiceLineSerializer(many=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "invoice_number", "receivable", "customer", "kind", "title", "tax_number",
                  "address_phone", "bank_account", "amount", "issued_on", "status", "note", "void_reason", "lines",
                  "version", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "number", "invoice_number", "customer", "amount", "issued_on", "status",
                            "void_reason", "version", "created_at", "updated_at"]  # fmt: skip


class IssueSerializer(Serializer):
    invoice_number = serializers.CharField(max_length=40)
    issued_on = serializers.DateField(required=False)


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Invoices (开票): requested by sales, issued or voided by finance."""

    queryset = Invoice.objects.select_related("customer").prefetch_related("lines")
    serializer_class = InvoiceSerializer
    permission_module = "payments"
    action_permissions = {"issue": "view", "void": "view"}  # the service checks who may
    filterset_fields = ["status", "kind", "customer", "receivable"]
    search_fields = ["number", "invoice_number", "title"]
    ordering_fields = ["created_at", "amount"]
    ordering = ["-created_at", "-id"]

    def _out(self, invoice: Invoice) -> dict[str, Any]:
        row = Invoice.all_objects.prefetch_related("lines").get(pk=invoice.pk)
        return InvoiceSerializer(row, context=self.get_serializer_context()).data

    @extend_schema(request=InvoiceSerializer, responses=InvoiceSerializer)
    def create(self, request: Request) -> Response:
        body = InvoiceSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lines = [dict(line) for line in data.pop("lines")]
        invoice = services.invoice_request(actor=self.actor, receivable=data.pop("receivable"), data=data, lines=lines)
        return Response(self._out(invoice), status=status.HTTP_201_CREATED)

    @extend_schema(request=IssueSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        """Finance (``finance.edit``) issues the invoice under its printed number."""
        body = IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invoice = services.invoice_issue(actor=self.actor, invoice=self.get_object(), **body.validated_data)
        return Response(self._out(invoice))

    @extend_schema(request=MoneyReasonSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        """Void a request (sales or finance) or an issued invoice (finance, with a reason): the invoiced roll-up
        goes back."""
        body = MoneyReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invoice = services.invoice_void(actor=self.actor, invoice=self.get_object(),
                                        reason=body.validated_data["reason"])  # fmt: skip
        return Response(self._out(invoice))


class DeliveryNoteLineSerializer(ModelSerializer):
    order_line = serializers.PrimaryKeyRelatedField(queryset=OrderLine.objects.all())
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = DeliveryLine
        fields = ["order_line", "quantity"]


class DeliveryNoteSerializer(ModelSerializer):
    order = VisibleRelatedField(queryset=Order.objects.all())
    lines = DeliveryNoteLineSerializer(many=True)

    class Meta:
        model = Delivery
        fields = ["id", "number", "order", "customer", "carrier", "tracking_number", "shipped_on", "receiver",
                  "address", "status", "received_on", "lines", "version", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "number", "customer", "status", "received_on", "version", "created_at",
                            "updated_at"]  # fmt: skip


class ReceiveSerializer(Serializer):
    received_on = serializers.DateField(required=False)
    receiver = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Delivery notes (发货单) of confirmed orders: prepared → shipped → received."""

    queryset = Delivery.objects.select_related("customer").prefetch_related("lines")
    serializer_class = DeliveryNoteSerializer
    permission_module = "payments"
    action_permissions = {"ship": "edit", "receive": "edit", "destroy": "edit"}
    filterset_fields = ["status", "customer", "order"]
    search_fields = ["number", "tracking_number"]
    ordering_fields = ["shipped_on", "created_at"]
    ordering = ["-shipped_on", "-id"]

    def _out(self, delivery: Delivery) -> dict[str, Any]:
        row = Delivery.all_objects.prefetch_related("lines").get(pk=delivery.pk)
        return DeliveryNoteSerializer(row, context=self.get_serializer_context()).data

    @extend_schema(request=DeliveryNoteSerializer, responses=DeliveryNoteSerializer)
    def create(self, request: Request) -> Response:
        body = DeliveryNoteSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lines = [dict(line) for line in data.pop("lines")]
        delivery = services.delivery_create(actor=self.actor, order=data.pop("order"), data=data, lines=lines)
        return Response(self._out(delivery), status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Delivery) -> None:
        services.delivery_delete(actor=self.actor, delivery=instance)

    @extend_schema(request=None, responses=DeliveryNoteSerializer)
    @action(detail=True, methods=["post"])
    def ship(self, request: Request, pk: str | None = None) -> Response:
        """Prepared → shipped: the order's delivered quantities and status move."""
        return Response(self._out(services.delivery_ship(actor=self.actor, delivery=self.get_object())))

    @extend_schema(request=ReceiveSerializer, responses=DeliveryNoteSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        """Shipped → received, on the day the customer signed for it."""
        body = ReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        delivery = services.delivery_receive(actor=self.actor, delivery=self.get_object(),
                                             received_on=body.validated_data.get("received_on") or timezone.localdate(),
                                             receiver=body.validated_data["receiver"])  # fmt: skip
        return Response(self._out(delivery))
