from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.middleware import ip_of

from . import security, services, two_factor
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


class TokenSerializer(AuthTokenSerializer):
    """The web sign-in's rules hold here too: lockout, the login log, and the two-factor code."""

    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The six-digit code of the user's authenticator app, when two-factor sign-in is on.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context["request"]
        ip, agent = ip_of(request), request.META.get("HTTP_USER_AGENT", "")
        user = security.signin_check_password(
            username=attrs["username"], password=attrs["password"], ip=ip, user_agent=agent
        )
        if two_factor.is_enabled(user):
            if not attrs.get("otp"):
                message = _("Enter the code from your authenticator app.")
                raise DomainError(message, field="otp", code="two_factor_required")
            try:
                security.signin_check_code(user=user, code=attrs["otp"], ip=ip, user_agent=agent)
            except security.SignInRefused as error:
                raise DomainError(error.message, field="otp", code=error.code) from error
        elif two_factor.setup_missing(user):
            message = _("Set up two-factor sign-in before using Guanxi.")
            raise NotPermitted(message, code="two_factor_setup_required")
        security.signin_succeeded(user=user, ip=ip, user_agent=agent)
        attrs["user"] = user
        return attrs


class TokenView(ObtainAuthToken):
    """Exchange a username and password (and the two-factor code, when on) for an API token."""

    serializer_class = TokenSerializer
