"""The organisation's REST resources. Thin: serializers validate the shape, services do the work."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField
from guanxi.core.config.api import CustomFieldsSerializerMixin
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.middleware import ip_of
from guanxi.core.permissions import all_codes

from . import security, selectors, services, two_factor
from .models import BusinessUnit, Department, Role, Team, User, UserSession


class MeSerializer(ModelSerializer):
    department_name = serializers.CharField(source="department.name", default=None, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "mobile", "email", "language", "amounts_in_wan", "status"]
        fields += ["department", "department_name", "manager"]
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
        fields = {name: serializer.validated_data.get(name, getattr(user, name)) for name in services.PROFILE_FIELDS}
        services.user_update_profile(user=user, **fields)
        return Response(MeSerializer(user).data)


class UserSerializer(CustomFieldsSerializerMixin, ModelSerializer):
    department = VisibleRelatedField(queryset=Department.objects.all(), allow_null=True, required=False)
    manager = VisibleRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    roles = VisibleRelatedField(queryset=Role.objects.all(), many=True, required=False)
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "mobile", "email", "department", "manager", "language"]
        fields += ["status", "roles", "password", "last_login", "date_joined", "custom"]
        read_only_fields = ["id", "status", "last_login", "date_joined"]


class TokenSerializer(Serializer, AuthTokenSerializer):
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
    parser_classes = APIView.parser_classes  # the settings' parsers: ObtainAuthToken names DRF's own


class LeaveSerializer(Serializer):
    successor = VisibleRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    customers_to_pool = serializers.BooleanField(default=False)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Users. They are never deleted: freeze them, or mark them as left with a handover."""

    queryset = User.objects.select_related("department").prefetch_related("roles")
    serializer_class = UserSerializer
    permission_module = "org"
    action_permissions = {"freeze": "edit", "unfreeze": "edit", "leave": "assign"}
    filterset_fields = ["department", "status", "roles"]
    search_fields = ["display_name", "username", "mobile", "email"]
    ordering_fields = ["display_name", "username", "date_joined", "last_login"]
    ordering = ["display_name"]

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not data.get("password"):
            raise serializers.ValidationError({"password": [serializers.Field.default_error_messages["required"]]})
        user = services.user_create(actor=self.actor, roles=data.pop("roles", None), **data)
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("password", None)  # an administrator resets passwords through its own action
        roles = data.pop("roles", None)
        user = services.user_update(actor=self.actor, user=user, roles=roles, **data)
        return Response(self.get_serializer(user).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def freeze(self, request: Request, pk: str | None = None) -> Response:
        """Freeze the user: they can no longer sign in; their data stays."""
        user = services.user_freeze(actor=self.actor, user=self.get_object())
        return Response(self.get_serializer(user).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def unfreeze(self, request: Request, pk: str | None = None) -> Response:
        """Let a frozen user sign in again."""
        user = services.user_unfreeze(actor=self.actor, user=self.get_object())
        return Response(self.get_serializer(user).data)

    @extend_schema(request=LeaveSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str | None = None) -> Response:
        """Mark the user as left, handing their customers to a successor or returning them to the pool."""
        leaving = self.get_object()
        body = LeaveSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        user = services.user_leave(actor=self.actor, user=leaving, **body.validated_data)
        return Response(self.get_serializer(user).data)


class DepartmentSerializer(ModelSerializer):
    parent = VisibleRelatedField(  # type: ignore[assignment]
        queryset=Department.objects.all(),
        allow_null=True,
        default=None,
        help_text="Left out or null: a top department of business_unit.",
    )
    lead = VisibleRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    business_unit = VisibleRelatedField(queryset=BusinessUnit.objects.all(), required=False)

    class Meta:
        model = Department
        fields = ["id", "name", "parent", "business_unit", "lead", "sort_order", "path"]
        read_only_fields = ["id", "path"]


class MoveSerializer(Serializer):
    parent = VisibleRelatedField(queryset=Department.objects.all())  # type: ignore[assignment]


class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Department.objects.select_related("business_unit")
    serializer_class = DepartmentSerializer
    permission_module = "org"
    action_permissions = {"move": "edit"}
    filterset_fields = ["parent", "business_unit"]
    search_fields = ["name"]
    ordering = ["path"]

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        department = services.department_create(actor=self.actor, **serializer.validated_data)
        return Response(self.get_serializer(department).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        department = self.get_object()
        serializer = self.get_serializer(department, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        department = services.department_update(
            actor=self.actor,
            department=department,
            name=data.get("name", department.name),
            lead=data.get("lead", department.lead),
            sort_order=data.get("sort_order", department.sort_order),
        )
        return Response(self.get_serializer(department).data)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.department_delete(actor=self.actor, department=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MoveSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        department = self.get_object()
        body = MoveSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        moved = services.department_move(actor=self.actor, department=department, parent=body.validated_data["parent"])
        return Response(self.get_serializer(moved).data)


class TeamSerializer(ModelSerializer):
    lead = VisibleRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    members = VisibleRelatedField(queryset=User.objects.all(), many=True, required=False)

    class Meta:
        model = Team
        fields = ["id", "name", "business_unit", "lead", "members"]
        read_only_fields = ["id", "business_unit"]


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Team.objects.prefetch_related("members")
    serializer_class = TeamSerializer
    permission_module = "org"
    search_fields = ["name"]
    ordering = ["name"]

    def create(self, request: Request) -> Response:
        return self._save(request, None, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self._save(request, self.get_object(), status.HTTP_200_OK)

    def _save(self, request: Request, team: Team | None, code: int) -> Response:
        serializer = self.get_serializer(team, data=request.data, partial=team is not None)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = services.team_save(
            actor=self.actor,
            team=team,
            name=data.get("name", team.name if team else ""),
            lead=data.get("lead", team.lead if team else None),
            members=list(data.get("members", team.members.all() if team else [])),
        )
        return Response(self.get_serializer(saved).data, status=code)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.team_delete(actor=self.actor, team=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoleSerializer(ModelSerializer):
    permissions = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Role
        fields = ["id", "name", "code", "description", "permissions", "data_scope", "require_two_factor"]
        fields += ["is_default", "business_unit"]
        read_only_fields = ["id", "is_default", "business_unit"]

    def to_representation(self, instance: Role) -> dict[str, Any]:
        """A default role's shipped name and description in the reader's language, until renamed."""
        data = super().to_representation(instance)
        data["name"], data["description"] = instance.shown_name, instance.shown_description
        return data

    def validate_permissions(self, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - all_codes())
        if unknown:
            raise serializers.ValidationError(f"unknown: {', '.join(unknown)}")
        return value


class RoleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Role.objects.all()
    serializer_class = RoleSerializer
    permission_module = "roles"
    search_fields = ["name", "code"]
    ordering = ["name"]

    def create(self, request: Request) -> Response:
        return self._save(request, None, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self._save(request, self.get_object(), status.HTTP_200_OK)

    def _save(self, request: Request, role: Role | None, code: int) -> Response:
        serializer = self.get_serializer(role, data=request.data, partial=role is not None)
        serializer.is_valid(raise_exception=True)
        fields = ["name", "code", "description", "permissions", "data_scope", "require_two_factor"]
        current = (
            RoleSerializer(role).data if role else {"description": "", "permissions": [], "require_two_factor": False}
        )
        values = {name: serializer.validated_data.get(name, current.get(name)) for name in fields}
        saved = services.role_save(actor=self.actor, role=role, **values)
        return Response(self.get_serializer(saved).data, status=code)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.role_delete(actor=self.actor, role=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class BusinessUnitSerializer(ModelSerializer):
    class Meta:
        model = BusinessUnit
        fields = ["id", "name", "code"]


class BusinessUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = BusinessUnit.objects.all()
    serializer_class = BusinessUnitSerializer
    permission_module = "org"
    ordering = ["name"]

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unit = services.unit_create(actor=self.actor, **serializer.validated_data)
        return Response(self.get_serializer(unit).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        unit = self.get_object()
        serializer = self.get_serializer(unit, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = services.unit_update(
            actor=self.actor,
            unit=unit,
            name=data.get("name", unit.name),
            code=data.get("code", unit.code),
        )
        return Response(self.get_serializer(unit).data)


class OnlineSessionSerializer(ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    department_name = serializers.CharField(source="user.department.name", default=None, read_only=True)

    class Meta:
        model = UserSession
        fields = ["id", "user", "user_name", "department_name", "ip", "user_agent", "started_at", "last_seen_at"]
        read_only_fields = fields


class OnlineSessionViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Online users (在线用户): the sessions used in the last 30 minutes by the users you may see, the
    latest first. ``end`` signs one out (强制下线, ``org.edit``)."""

    queryset = UserSession.objects.select_related("user", "user__department")
    serializer_class = OnlineSessionSerializer
    permission_module = "org"
    action_permissions = {"end": "edit"}
    filter_backends: list[Any] = []

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(selectors.online_sessions(actor=self.actor))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        """Force logout (强制下线): the session's very next request is signed out."""
        security.session_force_end(actor=self.actor, session=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
