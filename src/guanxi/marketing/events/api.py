"""REST resources ``events`` and ``registrations`` (+ ``check-in``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField, version_sent

from ..campaigns.models import Campaign
from . import services
from .models import Event, Registration


class EventSerializer(ModelSerializer):
    campaign = VisibleRelatedField(queryset=Campaign.objects.all())
    name = serializers.CharField(max_length=100, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Event
        fields = ["id", "campaign", "name", "starts_at", "ends_at", "venue", "capacity", "description", "confirmation",
                  "is_open", "key", "version", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "key", "created_at", "updated_at"]


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """A campaign's events; ``key`` makes the public registration page ``/marketing/e/<key>/``."""

    queryset = Event.objects.all()
    serializer_class = EventSerializer
    permission_module = "campaigns"
    action_permissions = {"create": "edit"}
    filterset_fields = ["campaign", "is_open"]
    search_fields = ["name", "venue"]
    ordering = ["-starts_at"]

    @extend_schema(request=EventSerializer, responses=EventSerializer)
    def create(self, request: Request) -> Response:
        body = EventSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        event = services.event_create(actor=self.actor, campaign=data.pop("campaign"), data=data)
        return Response(
            EventSerializer(event, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=EventSerializer, responses=EventSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        body = EventSerializer(event, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("campaign", None)
        version = version_sent(data)
        event = services.event_update(actor=self.actor, event=event, version=version, data=data)
        return Response(EventSerializer(event, context=self.get_serializer_context()).data)


class RegistrationSerializer(ModelSerializer):
    event = VisibleRelatedField(queryset=Event.objects.all())
    mobile = serializers.CharField(max_length=20, allow_blank=True)

    class Meta:
        model = Registration
        fields = ["id", "event", "name", "company", "mobile", "email", "status", "code", "customer", "contact", "lead",
                  "registered_at", "checked_in_at"]  # fmt: skip
        read_only_fields = ["id", "status", "code", "customer", "contact", "lead", "registered_at", "checked_in_at"]


class CheckInSerializer(Serializer):
    code = serializers.CharField(max_length=300, help_text="The code under the QR code, or the scanned address.")


class RegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Registrations of events; new registrants become leads (or are linked to their contact)."""

    queryset = Registration.objects.all()
    serializer_class = RegistrationSerializer
    permission_module = "campaigns"
    action_permissions = {"create": "edit", "check_in": "edit"}
    filterset_fields = ["event", "status"]
    search_fields = ["name", "company", "mobile"]
    ordering = ["-registered_at"]

    @extend_schema(request=RegistrationSerializer, responses=RegistrationSerializer)
    def create(self, request: Request) -> Response:
        body = RegistrationSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        registration = services.registration_create(actor=self.actor, event=data.pop("event"), data=data)
        return Response(RegistrationSerializer(registration, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip

    @extend_schema(request=CheckInSerializer, responses=RegistrationSerializer)
    @action(detail=False, methods=["post"], url_path="check-in")
    def check_in(self, request: Request) -> Response:
        """Check a registrant in by their code (409 ``already_checked_in`` the second time)."""
        body = CheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        registration = services.registration_check_in(actor=self.actor, code=body.validated_data["code"])
        return Response(RegistrationSerializer(registration, context=self.get_serializer_context()).data)
