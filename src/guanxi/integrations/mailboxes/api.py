"""REST resources ``mailboxes`` (+ ``test``, ``sync``): the caller's own mailbox; ``emails`` (+ ``send``): the
caller's mail, or a customer's (``?customer=``) when they may see the customer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, StoredFileSerializer, version_sent
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Contact, Customer

from . import selectors, services
from .models import Email, EmailAttachment, Mailbox
from .transport import TransportError, check


class MailboxSerializer(ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, max_length=500, help_text="Required to connect; empty keeps the stored one."
    )
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Mailbox
        fields = [
            "id", "address", "display_name", "username", "password", "imap_host", "imap_port", "imap_security",
            "smtp_host", "smtp_port", "smtp_security", "inbox_folder", "sent_folder", "state", "last_error",
            "failures", "last_sync_at", "next_sync_at", "version", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "state", "last_error", "failures", "last_sync_at", "next_sync_at", "created_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {
            "username": {"required": False, "help_text": "Default: the address."},
            "display_name": {"required": False},
        }


class TestResultSerializer(Serializer):
    ok = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)


class MailboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """The caller's own mailbox (at most one); nobody sees another person's."""

    queryset = Mailbox.objects.all()
    serializer_class = MailboxSerializer
    permission_module = "mailboxes"
    action_permissions = {"test": "view", "sync": "view"}
    ordering = ["pk"]

    def _out(self, row: Mailbox) -> dict[str, Any]:
        return MailboxSerializer(self.get_queryset().get(pk=row.pk)).data

    @extend_schema(request=MailboxSerializer, responses=MailboxSerializer)
    def create(self, request: Request) -> Response:
        body = MailboxSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        password = data.pop("password", "")
        row = services.mailbox_connect(actor=self.actor, data=data, password=password)
        return Response(self._out(row), status=status.HTTP_201_CREATED)

    @extend_schema(request=MailboxSerializer, responses=MailboxSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        body = MailboxSerializer(row, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        password = data.pop("password", None)
        services.mailbox_update(actor=self.actor, mailbox=row, version=version, data=data, password=password)
        return Response(self._out(row))

    def perform_destroy(self, instance: Mailbox) -> None:
        services.mailbox_disconnect(actor=self.actor, mailbox=instance)

    @extend_schema(request=None, responses=TestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Log in to the IMAP and the SMTP server with the stored settings."""
        row = self.get_object()
        try:
            check(row)
        except TransportError as error:
            return Response({"ok": False, "error": str(error)})
        return Response({"ok": True, "error": ""})

    @extend_schema(request=None, responses=MailboxSerializer)
    @action(detail=True, methods=["post"])
    def sync(self, request: Request, pk: str | None = None) -> Response:
        """Synchronise now (queued); the state and last error tell how it went."""
        row = services.mailbox_sync_request(actor=self.actor, mailbox=self.get_object())
        return Response(self._out(row), status=status.HTTP_202_ACCEPTED)


class EmailAttachmentSerializer(StoredFileSerializer):
    url_name = "integrations:attachment"

    class Meta(StoredFileSerializer.Meta):
        model = EmailAttachment
        fields = [*StoredFileSerializer.Meta.fields, "too_large"]


class EmailSerializer(ModelSerializer):
    attachments = EmailAttachmentSerializer(many=True, read_only=True)
    customers = serializers.SerializerMethodField()
    owner = serializers.IntegerField(source="owner_id", read_only=True)

    class Meta:
        model = Email
        fields = [
            "id", "owner", "direction", "message_id", "in_reply_to", "thread_key", "subject", "from_address",
            "from_name", "to", "cc", "sent_at", "snippet", "body", "attachments", "customers", "followup",
        ]  # fmt: skip

    def get_customers(self, instance: Email) -> list[int]:
        return sorted({link.customer_id for link in instance.links.all()})


class SendSerializer(Serializer):
    to = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1, max_length=50)
    cc = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)
    subject = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=100_000)
    reply_to = serializers.IntegerField(required=False, allow_null=True, help_text="The id of a message to answer.")
    customer = serializers.IntegerField(required=False, allow_null=True, help_text="The customer it is about.")


class EmailViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The caller's mail; with ``?customer=`` (or ``?contact=``) a customer's mail from every colleague's
    mailbox, when the caller may see that customer."""

    queryset = Email.objects.prefetch_related("attachments", "links")
    serializer_class = EmailSerializer
    permission_module = "mailboxes"
    action_permissions = {"send": "create"}
    ordering = ["-sent_at", "-id"]
    search_fields = ["subject", "from_address"]

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", int, description="A customer you may see: its mail."),
            OpenApiParameter("contact", int, description="A contact of a customer you may see: their mail."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer_id = request.query_params.get("customer", "")
        contact_id = request.query_params.get("contact", "")
        if customer_id.isdigit():
            customer = get_visible_or_404(Customer.objects.all(), self.actor, pk=int(customer_id))
            rows = selectors.customer_emails(customer=customer).prefetch_related("links")
        elif contact_id.isdigit():
            contact = Contact.objects.filter(pk=int(contact_id)).first()
            if contact is None or not Customer.objects.visible_to(self.actor).filter(pk=contact.customer_id).exists():
                raise NotFound
            rows = selectors.contact_emails(contact=contact).prefetch_related("links")
        else:
            rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EmailSerializer(page, many=True, context=self.get_serializer_context()).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = str(kwargs.get("pk", ""))
        row = selectors.readable_emails(self.actor).filter(pk=int(pk) if pk.isdigit() else 0).first()
        if row is None:
            raise NotFound
        return Response(EmailSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(request=SendSerializer, responses={201: EmailSerializer})
    @action(detail=False, methods=["post"])
    def send(self, request: Request) -> Response:
        """Send through your own SMTP server, copied to your sent folder — or, without a mailbox, through the
        company's server (when the unit allows it); threaded under ``reply_to``."""
        body = SendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        reply_to = (
            get_visible_or_404(Email.objects.all(), self.actor, pk=data["reply_to"]) if data.get("reply_to") else None
        )
        customer = (
            get_visible_or_404(Customer.objects.all(), self.actor, pk=data["customer"])
            if data.get("customer")
            else None
        )
        row = services.email_send(
            actor=self.actor, to=data["to"], cc=data["cc"], subject=data["subject"], body=data["body"],
            reply_to=reply_to, customer=customer,
        )  # fmt: skip
        fresh = Email.objects.prefetch_related("attachments", "links").get(pk=row.pk)
        return Response(
            EmailSerializer(fresh, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )
