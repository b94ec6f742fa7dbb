"""The portal's API (``/api/v1/portal/…``) for a partner's people, with a token or a session: their partner's
``customers``, ``leads`` and ``tickets`` (read through the gate's partner scope; a POST registers a customer or a
lead, or opens a ticket; a ticket's ``replies`` are read and added) and their ``registrations``. Every other
route of the API answers 404 to such a token (``core.boundary``), and these answer 403 to the company's own
people, who have the full API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField
from guanxi.core.scope import partner_of
from guanxi.customers.models import Customer
from guanxi.leads.models import Lead
from guanxi.service.models import Priority, Ticket, TicketStep
from guanxi.service.selectors import ticket_replies

from . import selectors, services
from .models import Registration


class PartnerOnly(permissions.BasePermission):
    """Signed in as a channel partner's person."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and partner_of(request.user) is not None)


class PortalViewSet(ScopedViewSet):
    permission_classes = [PartnerOnly]


class PartnerRegistrationSerializer(ModelSerializer):
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = ["id", "kind", "name", "contact_name", "phone", "outcome", "status", "status_label", "lead",
                  "customer", "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_status(self, row: Registration) -> str:
        return selectors.registration_status(row).code

    def get_status_label(self, row: Registration) -> str:
        return selectors.registration_status(row).label


class PortalCustomerSerializer(ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "number", "name", "status", "province", "city", "created_at"]
        read_only_fields = fields


class CustomerRegistrationInput(Serializer):
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    tax_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    remarks = serializers.CharField(max_length=500, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)


class PortalLeadSerializer(ModelSerializer):
    class Meta:
        model = Lead
        fields = ["id", "number", "name", "company", "status", "created_at"]
        read_only_fields = fields


class LeadRegistrationInput(Serializer):
    name = serializers.CharField(max_length=50)
    company = serializers.CharField(max_length=50, required=False, allow_blank=True)
    position = serializers.CharField(max_length=50, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    need = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class PortalTicketSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all())
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, write_only=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)

    class Meta:
        model = Ticket
        fields = ["id", "number", "customer", "type", "priority", "subject", "description", "status", "created_at",
                  "resolve_due_at", "resolved_at"]  # fmt: skip
        read_only_fields = ["id", "number", "status", "created_at", "resolve_due_at", "resolved_at"]


class PortalTicketReplySerializer(ModelSerializer):
    author = serializers.SerializerMethodField()
    text = serializers.CharField(source="note", max_length=5000)

    class Meta:
        model = TicketStep
        fields = ["id", "at", "author", "text"]
        read_only_fields = ["id", "at", "author"]

    def get_author(self, step: TicketStep) -> str:
        return str(step.actor) if step.actor else ""


class PortalCustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet):
    """The customers the partner brought; POST registers one (报备) and answers the registration."""

    queryset = Customer.objects.order_by("-created_at", "-pk")
    serializer_class = PortalCustomerSerializer
    search_fields = ["name", "number"]
    ordering_fields = ["created_at", "name"]

    @extend_schema(request=CustomerRegistrationInput, responses={201: PartnerRegistrationSerializer})
    def create(self, request: Request) -> Response:
        data = CustomerRegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        contact = {key: values.pop(f"contact_{key}", "") for key in ("name", "mobile", "email")}
        registration = services.registration_submit_customer(actor=self.actor, data=values, contact=contact)
        return Response(PartnerRegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


class PortalLeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet):
    """The leads the partner brought; POST registers one (报备) and answers the registration."""

    queryset = Lead.objects.order_by("-created_at", "-pk")
    serializer_class = PortalLeadSerializer
    search_fields = ["name", "company", "number"]
    ordering_fields = ["created_at"]
    filterset_fields = ["status"]

    @extend_schema(request=LeadRegistrationInput, responses={201: PartnerRegistrationSerializer})
    def create(self, request: Request) -> Response:
        data = LeadRegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_submit_lead(actor=self.actor, data=dict(data.validated_data))
        return Response(PartnerRegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


class PortalTicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet):
    """The service tickets of the partner's customers; POST opens one for one of them."""

    queryset = Ticket.objects.select_related("customer").order_by("-created_at", "-pk")
    serializer_class = PortalTicketSerializer
    filterset_fields = ["status", "customer"]
    ordering_fields = ["created_at"]

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ticket = services.partner_ticket_open(actor=self.actor, customer=data.pop("customer"), data=data)
        return Response(self.get_serializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=PortalTicketReplySerializer(many=True))
    @extend_schema(methods=["POST"], request=PortalTicketReplySerializer, responses={201: PortalTicketReplySerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=PortalTicketReplySerializer)
    def replies(self, request: Request, pk: str) -> Response:
        """The ticket's public replies, oldest first; POST adds the partner's reply."""
        ticket = self.get_object()
        if request.method == "POST":
            body = PortalTicketReplySerializer(data=request.data)
            body.is_valid(raise_exception=True)
            step = services.partner_ticket_reply(actor=self.actor, ticket=ticket, text=body.validated_data["note"])
            return Response(PortalTicketReplySerializer(step).data, status=status.HTTP_201_CREATED)
        rows = ticket_replies(actor=self.actor, ticket=ticket)
        return Response(PortalTicketReplySerializer(rows, many=True).data)


class PortalRegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet):
    """The partner's registrations and what became of each."""

    queryset = Registration.objects.select_related("lead", "customer", "conflict").order_by("-created_at", "-pk")
    serializer_class = PartnerRegistrationSerializer
