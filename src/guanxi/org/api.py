from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import User


class MeSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", default=None, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "mobile",
            "email",
            "language",
            "status",
            "department",
            "department_name",
            "manager",
        ]
        read_only_fields = ["id", "username", "status", "department", "manager"]


class MeView(APIView):
    """The signed-in user's own profile."""

    serializer_class = MeSerializer

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        user: Any = request.user
        serializer = MeSerializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {name: serializer.validated_data.get(name, getattr(user, name)) for name in _PROFILE_FIELDS}
        services.user_update_profile(user=user, **fields)
        return Response(MeSerializer(user).data)


_PROFILE_FIELDS = ("display_name", "mobile", "email", "language")


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token."""
