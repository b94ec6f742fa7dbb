"""REST resources ``calls`` (the log; POST: an event from the PBX, + ``take``, ``dial``), ``extensions`` and
``phone-lookup?number=``. The PBX posts with the token of an integration user holding ``call_events.create``;
the same event twice answers 200 with the call unchanged, a new one 201."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField
from guanxi.org.models import User

from . import selectors, services
from .models import Call, Direction, Event, Extension


class CallSerializer(ModelSerializer):
    class Meta:
        model = Call
        fields = [
            "id", "call_id", "direction", "number", "number_key", "extension", "agent", "state", "outcome",
            "started_at", "answered_at", "ended_at", "duration", "recording_url", "customer", "contact", "matches",
            "followup", "callback_plan", "ticket",
        ]  # fmt: skip
        read_only_fields = fields


class CallEventSerializer(Serializer):
    """One event as the PBX reports it; the service checks every field and reports each problem by name."""

    call_id = serializers.CharField(max_length=200, help_text="The PBX's id of the call (the same for its events).")
    event = serializers.ChoiceField(choices=Event.choices)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False, default=Direction.INBOUND)
    number = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                   help_text="The other party's number: the caller of an incoming call.")  # fmt: skip
    extension = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                      help_text="The extension that rang or dialled.")  # fmt: skip
    at = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                               help_text="When it happened (ISO 8601); now when left out.")  # fmt: skip
    duration = serializers.IntegerField(required=False, default=0, help_text="Seconds talked (on 'ended').")
    recording_url = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class DialSerializer(Serializer):
    number = serializers.CharField(max_length=60)


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Calls the caller may see: an agent's own and the unit's queue (calls for an extension nobody has),
    a manager's unit. POST one event of a call from the PBX."""

    queryset = Call.objects.select_related("agent")
    serializer_class = CallSerializer
    permission_module = "calls"
    action_permissions = {"take": "create", "dial": "view"}
    filterset_fields = ["direction", "state", "outcome", "agent", "customer", "extension"]
    search_fields = ["number", "number_key", "call_id"]
    ordering_fields = ["started_at", "duration"]
    ordering = ["-started_at"]

    def permission_code(self) -> str:
        if self.action == "create":
            return "call_events.create"
        return super().permission_code()

    @extend_schema(request=CallEventSerializer, responses={200: CallSerializer, 201: CallSerializer})
    def create(self, request: Request) -> Response:
        body = CallEventSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        call, created = services.call_event_receive(actor=self.actor, data=body.validated_data)
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses=CallSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        """Take a call from the unit's queue."""
        call = services.call_take(actor=self.actor, call=self.get_object())
        return Response(CallSerializer(call).data)

    @extend_schema(request=DialSerializer, responses={201: CallSerializer})
    @action(detail=False, methods=["post"])
    def dial(self, request: Request) -> Response:
        """Click-to-call: the PBX rings your extension, then dials the number (a customer's or contact's)."""
        body = DialSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        call = services.call_dial(actor=self.actor, number=body.validated_data["number"])
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED)


class ExtensionSerializer(ModelSerializer):
    user = VisibleRelatedField(queryset=User.objects.all())

    class Meta:
        model = Extension
        fields = ["id", "user", "number", "business_unit", "updated_at"]
        read_only_fields = ["id", "business_unit", "updated_at"]


class ExtensionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The agents' extensions. POST ``{user, number}`` sets a user's (an empty number clears it)."""

    queryset = Extension.objects.select_related("user")
    serializer_class = ExtensionSerializer
    permission_module = "call_settings"
    action_permissions = {"create": "edit"}
    filterset_fields = ["business_unit", "user", "number"]
    ordering = ["number"]

    @extend_schema(request=ExtensionSerializer, responses={200: ExtensionSerializer})
    def create(self, request: Request) -> Response:
        body = ExtensionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        user, number = body.validated_data["user"], body.validated_data["number"]
        extension = services.extension_set(actor=self.actor, user=user, number=number)
        if extension is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ExtensionSerializer(extension, context=self.get_serializer_context()).data)


class MatchSerializer(Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    customer_name = serializers.CharField(source="customer.name")
    customer_number = serializers.CharField(source="customer.number")
    owner = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()
    by_customer_phone = serializers.BooleanField()

    def get_owner(self, match: Any) -> int | None:
        return match.customer.owner_id

    def get_contacts(self, match: Any) -> list[dict[str, Any]]:
        return [{"id": contact.pk, "name": contact.name} for contact in match.contacts]


class LookupSerializer(Serializer):
    number = serializers.CharField()
    matches = MatchSerializer(many=True)


class PhoneLookupView(APIView):
    """Who has this number, in any format (+86, 0086, spaces, dashes, full-width digits, an extension):
    the customers and contacts you may see, each customer once. No match: an empty list (a new lead)."""

    permission_classes = [IsAuthenticated]
    serializer_class = LookupSerializer

    @extend_schema(parameters=[OpenApiParameter("number", OpenApiTypes.STR, required=True)], responses=LookupSerializer)
    def get(self, request: Request) -> Response:
        number = request.query_params.get("number", "").strip()
        if not number or len(number) > 60:
            raise serializers.ValidationError({"number": [_("Give a phone number (at most 60 characters).")]})
        key, matches = selectors.phone_lookup(actor=request.user, number=number)  # type: ignore[arg-type]
        if not key:
            raise serializers.ValidationError({"number": [_("This is not a phone number.")]})
        return Response(LookupSerializer({"number": key, "matches": matches}).data)
