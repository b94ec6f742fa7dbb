"""API: the signed-in user's own notifications."""

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet
from guanxi.core.models import Notification

from . import services
from .kinds import KINDS


class NotificationSerializer(ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    is_read = serializers.BooleanField(read_only=True)
    title = serializers.CharField(source="shown_title", read_only=True)  # in the reader's language
    body = serializers.CharField(source="shown_body", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "body",
            "url",
            "object_type",
            "object_id",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_kind_label(self, notification: Notification) -> str:
        kind = KINDS.get(notification.kind)
        return str(kind.label) if kind else notification.kind


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.ChoiceFilter(
        choices=[("1", _("Yes")), ("true", _("Yes")), ("0", _("No")), ("false", _("No"))],
        method="filter_unread",
        label=_("Unread only"),
    )

    class Meta:
        model = Notification
        fields = ["kind"]

    def filter_unread(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(read_at__isnull=value in ("1", "true"))


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The signed-in user's notifications (nobody else's, whatever their roles). `?unread=1` lists
    the unread ones."""

    queryset = Notification.objects.filter(in_app=True)
    serializer_class = NotificationSerializer
    permission_module = "notifications"
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    action_permissions = {"read": "view", "read_all": "view"}

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark the notification as read."""
        notification = self.get_object()
        services.notification_mark_read(actor=request.user, notification=notification)  # type: ignore[arg-type]
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = services.notifications_mark_all_read(actor=request.user)  # type: ignore[arg-type]
        return Response({"marked": marked})
