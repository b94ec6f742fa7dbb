"""REST resources ``message-templates`` (+ ``preview``), ``messages`` (+ ``send``, ``deliveries``) and
``opt-outs``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField, version_sent
from guanxi.core.paginator import CappedPaginator

from ..campaigns.models import Campaign, MemberKind
from . import selectors, services
from .models import Channel, Delivery, DeliveryStatus, Message, MessageTemplate, OptOut


class TemplateSerializer(ModelSerializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    body = serializers.CharField(max_length=20000, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "name",
            "channel",
            "subject",
            "body",
            "is_active",
            "owner",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", "is_active", "created_at", "updated_at"]


class PreviewSerializer(Serializer):
    kind = serializers.ChoiceField(choices=MemberKind.choices)
    record = serializers.IntegerField(min_value=1)


class PreviewOutSerializer(Serializer):
    channel = serializers.CharField()
    subject = serializers.CharField(required=False)
    html = serializers.CharField(required=False)
    text = serializers.CharField()
    length = serializers.IntegerField(required=False)
    segments = serializers.IntegerField(required=False)


class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Templates of e-mail and SMS; variables are checked when saved (an unknown one is refused, named)."""

    queryset = MessageTemplate.objects.all()
    serializer_class = TemplateSerializer
    permission_module = "marketing_messages"
    action_permissions = {"preview": "view"}
    filterset_fields = ["channel"]
    search_fields = ["name"]
    ordering_fields = ["name", "updated_at"]
    ordering = ["name"]

    @extend_schema(request=TemplateSerializer, responses=TemplateSerializer)
    def create(self, request: Request) -> Response:
        body = TemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        template = services.template_save(actor=self.actor, data=data)
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TemplateSerializer, responses=TemplateSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        template = self.get_object()
        body = TemplateSerializer(template, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        template = services.template_save(actor=self.actor, template=template, version=version, data=data)
        return Response(TemplateSerializer(template).data)

    def perform_destroy(self, instance: MessageTemplate) -> None:
        services.template_delete(actor=self.actor, template=instance)

    @extend_schema(request=PreviewSerializer, responses=PreviewOutSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        """The template filled in with a real customer, contact or lead the caller may see."""
        body = PreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return Response(
            services.template_preview(
                actor=self.actor, template=self.get_object(), kind=data["kind"], record_id=data["record"]
            )
        )


class MessageDeliverySerializer(ModelSerializer):
    name = serializers.CharField(source="member.name", default="", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "name",
            "person",
            "channel",
            "status",
            "attempts",
            "due_at",
            "sent_at",
            "opened_at",
            "clicked_at",
            "error",
        ]
        read_only_fields = fields


class ProgressSerializer(Serializer):
    queued = serializers.IntegerField()
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    bounced = serializers.IntegerField()


class MessageSerializer(ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "campaign", "template", "channel", "status", "recipients", "skipped", "progress", "owner",
                  "created_at", "planned_at", "finished_at"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, message: Message) -> dict[str, int]:
        return selectors.counts_of([message.pk]).get(message.pk, dict.fromkeys(DeliveryStatus.values, 0))


class MessageSendSerializer(Serializer):
    campaign = VisibleRelatedField(queryset=Campaign.objects.all())
    template = VisibleRelatedField(queryset=MessageTemplate.objects.all())


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Sends of a template to a campaign's members, with their progress and per-recipient delivery states."""

    queryset = Message.objects.all()
    serializer_class = MessageSerializer
    permission_module = "marketing_messages"
    action_permissions = {"send": "approve", "deliveries": "view"}
    filterset_fields = ["campaign", "status", "channel"]
    ordering = ["-created_at"]

    @extend_schema(request=MessageSendSerializer, responses=MessageSerializer)
    @action(detail=False, methods=["post"])
    def send(self, request: Request) -> Response:
        """Send a template to the campaign's members in the background (``marketing_messages.approve``);
        poll the message for its progress."""
        body = MessageSendSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        message = services.message_send(actor=self.actor, **body.validated_data)
        message.refresh_from_db()
        return Response(MessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=MessageDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """Each recipient's delivery state, 200 a page (``?page=``, ``?status=``)."""
        rows = selectors.deliveries(message=self.get_object(), status=request.query_params.get("status", ""))
        page = CappedPaginator(rows.order_by("pk"), 200).get_page(request.query_params.get("page"))
        return Response(
            {"count": page.paginator.count, "results": MessageDeliverySerializer(page.object_list, many=True).data}
        )


class OptOutSerializer(ModelSerializer):
    class Meta:
        model = OptOut
        fields = ["id", "channel", "address", "customer", "contact", "lead", "reason", "note", "created_at"]
        read_only_fields = ["id", "reason", "created_at"]


class OptOutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Opt-outs (退订) by address, and do-not-contact flags on customers, contacts and leads."""

    queryset = OptOut.objects.all()
    serializer_class = OptOutSerializer
    permission_module = "marketing_messages"
    action_permissions = {"create": "edit"}
    filterset_fields = ["channel", "reason", "customer", "contact", "lead"]
    search_fields = ["address"]
    ordering = ["-created_at"]

    @extend_schema(request=OptOutSerializer, responses=OptOutSerializer)
    def create(self, request: Request) -> Response:
        body = OptOutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        row = services.opt_out_add(actor=self.actor, data=data)
        return Response(OptOutSerializer(row).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: OptOut) -> None:
        services.opt_out_remove(actor=self.actor, opt_out=instance)
