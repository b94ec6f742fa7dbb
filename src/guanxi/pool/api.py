"""The pool settings' REST resources (SPEC §3.2, DESIGN.md §REST API): ``pools`` (the unit's pool and the
department pools with their rules), ``holding-limits`` (库容 overrides per department or user) and
``view-limits`` (daily viewing-limit overrides per role, department or user). For pool administrators
(``pool.configure``), within their business unit; every write goes through ``pool_admin``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import F
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ModulePermission, ScopedViewSet, Serializer
from guanxi.customers.api import BatchResultSerializer, BatchSerializer, CustomerSerializer, CustomerViewSet
from guanxi.customers.models import Customer
from guanxi.org.models import Department, Role, User

from . import configuration as pool_admin
from . import conflicts, services
from .models import ConflictCase, HoldingLimit, Pool, ViewLimit
from .rules import pool_customers, pool_rules, pools_visible, unit_parameters

CONFIGURE = "pool.configure"

# --- pools ------------------------------------------------------------------------------------------------


class PoolRulesSerializer(Serializer):
    """A pool's effective rules: its own values where it sets them, the unit's parameters elsewhere."""

    no_followup_days = serializers.IntegerField()
    no_deal_days = serializers.IntegerField()
    warning_days = serializers.IntegerField()
    cooldown_days = serializers.IntegerField()
    daily_claims = serializers.IntegerField()
    won_exempt = serializers.BooleanField()


class PoolSerializer(ModelSerializer):
    department: serializers.PrimaryKeyRelatedField[Department] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The department whose pool this is; null for the unit's pool."
    )
    department_name = serializers.CharField(source="department.name", default=None, read_only=True)
    # blank passes here so that the service answers with its own message
    name = serializers.CharField(max_length=50, allow_blank=True)
    hidden_fields = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text=f"Fields hidden until a customer is claimed, among: {', '.join(pool_admin.HIDEABLE)}.",
    )
    effective = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField(help_text="Always ``customer``; the lead pools are ``lead-pools``.")

    class Meta:
        model = Pool
        fields = ["id", "kind", "department", "department_name", "name", *pool_admin.RULE_FIELDS, "hidden_fields"]
        fields += ["line_rules"]
        fields += ["effective", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {
            name: {"help_text": "Empty: the business unit's parameter."} for name in pool_admin.RULE_FIELDS
        } | {
            "line_rules": {
                "help_text": 'By product line (dictionary product_line): {"printer": {"no_followup_days": 12, '
                '"no_deal_days": null}}; the most specific rule applies.'
            }
        }
        validators: list[Any] = []  # the service refuses a second pool for a department

    def get_kind(self, instance: Pool) -> str:
        return "customer"

    @extend_schema_field(PoolRulesSerializer)
    def get_effective(self, instance: Pool) -> dict[str, Any]:
        effective = asdict(pool_rules(instance, self.context.get("parameters")))
        effective.pop("lines")  # the pool's line_rules, as set
        return effective


class PoolCreateSerializer(PoolSerializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), help_text="A department of your business unit without a pool."
    )


class PoolMoveSerializer(Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=5000)
    all = serializers.BooleanField(default=False, help_text="Every unowned customer of the pool instead of ids.")
    target = serializers.PrimaryKeyRelatedField(queryset=Pool.objects.all(), help_text="The pool to move to.")


class PoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The public pools of the caller's business unit: the unit's pool and the department pools, each with
    its own rules (null: the unit's parameter) and its effective ones. POST creates a department's pool
    (it takes over the customers of its members); PATCH changes a pool's name, rules and hidden fields
    (the expiry times of its customers move at once). A pool cannot be deleted."""

    queryset = Pool.objects.select_related("department")
    serializer_class = PoolSerializer
    permission_module = "pool"
    action_permissions = {
        **dict.fromkeys(("list", "retrieve", "create", "partial_update", "metadata"), "configure"),
        "move": "assign",
    }
    filter_backends: list[Any] = []

    def filter_queryset(self, queryset: Any) -> Any:
        if self.action == "move":  # a manager moves between the pools they see
            mine = pools_visible(self.actor).filter(business_unit_id=self.actor.business_unit_id).values("pk")
            return queryset.filter(pk__in=mine)
        # the gate's rows, within the pools the service keeps for the caller's unit
        mine = pool_admin.pools_of_unit(actor=self.actor).values("pk")
        return queryset.filter(pk__in=mine).order_by(F("department__path").asc(nulls_first=True), "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        return {**context, "parameters": unit_parameters(self.actor.business_unit_id)}

    @extend_schema(request=PoolCreateSerializer, responses={201: PoolSerializer})
    def create(self, request: Request) -> Response:
        body = PoolCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        department = data.pop("department")
        saved = pool_admin.pool_save(actor=self.actor, pool=None, data=data, department=department)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PoolSerializer, responses=PoolSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        body = PoolSerializer(row, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        saved = pool_admin.pool_save(actor=self.actor, pool=row, data=body.validated_data)
        return Response(self.get_serializer(saved).data)

    @extend_schema(request=PoolMoveSerializer, responses=BatchResultSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the pool's unowned customers (``ids``, or ``all``) to another pool of the unit (``pool.assign``):
        all or none, audited; the people who could claim from the target are told."""
        row = self.get_object()
        body = PoolMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ids = None if data["all"] else data.get("ids", [])
        moved = services.customers_move(actor=self.actor, pool=row, target=data["target"], ids=ids)
        return Response({"done": moved, "ignored": 0})


# --- holding limits ---------------------------------------------------------------------------------------


class HoldingLimitSerializer(ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        allow_null=True,
        required=False,
        help_text="The department (and those below it) the limits apply to; or give user.",
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        allow_null=True,
        required=False,
        help_text="The one salesperson the limits apply to; or give department.",
    )
    name = serializers.CharField(source="__str__", read_only=True, help_text="The department's or user's name.")
    holding_limit = serializers.IntegerField(allow_null=True, required=False)  # bounds: the service's
    lock_limit = serializers.IntegerField(allow_null=True, required=False)
    won_counts = serializers.BooleanField(allow_null=True, required=False)

    class Meta:
        model = HoldingLimit
        fields = ["id", "department", "user", "name", *pool_admin.LIMIT_FIELDS, "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list[Any] = []  # saving a department's or user's limits again replaces them


class HoldingLimitUpdateSerializer(HoldingLimitSerializer):
    """The limits of a row; whose they are is fixed (delete the row and create another)."""

    department = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    user = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)


class HoldingLimitViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Holding-limit overrides (库容) of the caller's business unit, per department (and those below it) or
    per user: at most ``holding_limit`` customers owned, ``lock_limit`` locked, and whether won customers
    count; null follows the next wider setting (user → nearest department → unit parameter). POST for a
    department or user that has limits already replaces them; PATCH changes the values sent (null clears
    one); DELETE lets the department or user follow the wider setting again."""

    # Not a ScopedViewSet: limits belong to no one's data scope; the pool_admin read keeps the caller's
    # business unit and asks for pool.configure, which ModulePermission checks first.
    queryset = HoldingLimit.objects.select_related("department", "user")
    serializer_class = HoldingLimitSerializer
    permission_classes = [ModulePermission]
    filter_backends: list[Any] = []

    def permission_code(self) -> str:
        return CONFIGURE

    @property
    def actor(self) -> Any:
        """The signed-in user (ModulePermission has already refused anonymous requests)."""
        return self.request.user

    def get_queryset(self) -> Any:
        return pool_admin.limits_of_unit(actor=self.actor).order_by("department__path", "user__username", "pk")

    @extend_schema(request=HoldingLimitSerializer, responses={201: HoldingLimitSerializer})
    def create(self, request: Request) -> Response:
        body = HoldingLimitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        saved = pool_admin.holding_limit_save(
            actor=self.actor, department=data.pop("department", None), user=data.pop("user", None), values=data
        )
        return Response(HoldingLimitSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=HoldingLimitUpdateSerializer, responses=HoldingLimitSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        body = HoldingLimitUpdateSerializer(row, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = {name: body.validated_data.get(name, getattr(row, name)) for name in pool_admin.LIMIT_FIELDS}
        saved = pool_admin.holding_limit_save(actor=self.actor, department=row.department, user=row.user, values=values)
        return Response(HoldingLimitSerializer(saved).data)

    def perform_destroy(self, instance: HoldingLimit) -> None:
        pool_admin.holding_limit_delete(actor=self.actor, row=instance)


# --- viewing limits --------------------------------------------------------------------------------------


class ViewLimitSerializer(ModelSerializer):
    role = serializers.PrimaryKeyRelatedField(
        queryset=Role.objects.all(),
        allow_null=True,
        required=False,
        help_text="The role whose holders the limit applies to; or give department or user.",
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        allow_null=True,
        required=False,
        help_text="The department (and those below it) the limit applies to; or give role or user.",
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        allow_null=True,
        required=False,
        help_text="The one person the limit applies to; or give role or department.",
    )
    name = serializers.CharField(source="__str__", read_only=True, help_text="The role's, department's or user's name.")
    daily_views = serializers.IntegerField(help_text="Pool customers' pages they may open a day; 0: no limit.")

    class Meta:
        model = ViewLimit
        fields = ["id", "role", "department", "user", "name", "daily_views", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list[Any] = []  # saving a role's, department's or user's limit again replaces it


class ViewLimitUpdateSerializer(ViewLimitSerializer):
    """The limit of a row; whose it is is fixed (delete the row and create another)."""

    role = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    department = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    user = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)


class ViewLimitViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Daily viewing-limit overrides (公海每日查看量) of the caller's business unit, per role, department (and
    those below it) or user: how many pool customers' pages they may open a day (0: no limit). The most
    specific applies: user → nearest department → the most generous role → the unit's parameter
    ``pool.daily_views``. POST for a role, department or user that has a limit already replaces it; PATCH
    changes ``daily_views``; DELETE lets them follow the wider setting again."""

    # As holding limits: the pool_admin read keeps the caller's business unit and asks for pool.configure.
    queryset = ViewLimit.objects.select_related("role", "department", "user")
    serializer_class = ViewLimitSerializer
    permission_classes = [ModulePermission]
    filter_backends: list[Any] = []

    def permission_code(self) -> str:
        return CONFIGURE

    @property
    def actor(self) -> Any:
        return self.request.user

    def get_queryset(self) -> Any:
        return pool_admin.view_limits_of_unit(actor=self.actor).order_by(
            "role__name", "department__path", "user__username", "pk"
        )

    @extend_schema(request=ViewLimitSerializer, responses={201: ViewLimitSerializer})
    def create(self, request: Request) -> Response:
        body = ViewLimitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        saved = pool_admin.view_limit_save(
            actor=self.actor,
            daily_views=data["daily_views"],
            role=data.get("role"),
            department=data.get("department"),
            user=data.get("user"),
        )
        return Response(ViewLimitSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ViewLimitUpdateSerializer, responses=ViewLimitSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        body = ViewLimitUpdateSerializer(row, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        saved = pool_admin.view_limit_save(
            actor=self.actor,
            daily_views=body.validated_data.get("daily_views", row.daily_views),
            role=row.role,
            department=row.department,
            user=row.user,
        )
        return Response(ViewLimitSerializer(saved).data)

    def perform_destroy(self, instance: ViewLimit) -> None:
        pool_admin.view_limit_delete(actor=self.actor, row=instance)


# --- customers: the pool's actions -----------------------------------------------------------------------


class ReturnSerializer(Serializer):
    reason = serializers.CharField(max_length=40, help_text="A code of the dictionary type return_reason.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    pool = serializers.PrimaryKeyRelatedField(
        queryset=Pool.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Where the unit has several pools, which one; empty: the customer's own.",
    )


class AssignSerializer(Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(status=User.Status.ACTIVE))
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class NoteSerializer(Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class BatchReturnSerializer(BatchSerializer, ReturnSerializer):
    pass


class PoolCustomerViewSet(CustomerViewSet):
    """The customers resource with the pool's actions (claim, assign, return, lock, unlock) and
    ``?status=pool``, the customers lying in the pools the caller sees. The pool services check the
    ``pool.*`` permissions and rules."""

    action_permissions = {
        **CustomerViewSet.action_permissions,
        "claim": "view",
        "assign": "view",
        "return_to_pool": "view",
        "batch_claim": "view",
        "batch_return": "view",
        "lock": "view",
        "unlock": "view",
    }

    def filter_queryset(self, queryset: Any) -> Any:
        if self.action == "list" and self.request.query_params.get("status") == "pool":
            # ?status=pool lists the pools the caller sees, beyond their data scope (SPEC §3.2)
            queryset = queryset | pool_customers(self.actor)
        return super().filter_queryset(queryset)

    def _reachable(self, pk: str | None, *, claiming: bool = False) -> Customer:
        """A customer in the caller's scope or in a pool they see (404 otherwise)."""
        customer = services.customer_reachable(self.actor, pk, claiming=claiming)
        self.check_object_permissions(self.request, customer)
        return customer

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        """Claim a pool customer (first come first served; 409 ``already_claimed`` names the owner)."""
        customer = services.customer_claim(actor=self.actor, customer=self._reachable(pk, claiming=True))
        return Response(self._out(customer))

    @extend_schema(request=AssignSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Assign a pool customer to a colleague (``pool.assign``)."""
        customer = self._reachable(pk)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_assign(actor=self.actor, customer=customer, **body.validated_data)
        return Response(self._out(customer))

    @extend_schema(request=ReturnSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_pool(self, request: Request, pk: str | None = None) -> Response:
        """Return the customer to its pool with a reason (dictionary ``return_reason``)."""
        customer = self.get_object()
        body = ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_return(actor=self.actor, customer=customer, **body.validated_data)
        return Response(self._out(customer))

    @extend_schema(request=BatchSerializer, responses=BatchResultSerializer)
    @action(detail=False, methods=["post"], url_path="batch-claim")
    def batch_claim(self, request: Request) -> Response:
        """Claim several pool customers at once (at most 100): all or none, as on the pool page."""
        body = BatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claimed = services.customers_claim_selected(actor=self.actor, ids=body.validated_data["ids"])
        return Response({"done": len(claimed), "ignored": 0})

    @extend_schema(request=BatchReturnSerializer, responses=BatchResultSerializer)
    @action(detail=False, methods=["post"], url_path="batch-return")
    def batch_return(self, request: Request) -> Response:
        """Return the selected customers to their pools with one reason: all or none."""
        body = BatchReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(asdict(services.customers_bulk_return(actor=self.actor, **body.validated_data)))

    @extend_schema(request=NoteSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str | None = None) -> Response:
        """Lock the customer with its owner (``pool.assign``): it never returns automatically."""
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_lock(actor=self.actor, customer=self.get_object(), **body.validated_data)
        return Response(self._out(customer))

    @extend_schema(request=NoteSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        """Unlock the customer (``pool.assign``): its expiry clock runs again."""
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_unlock(actor=self.actor, customer=self.get_object(), **body.validated_data)
        return Response(self._out(customer))


# --- conflict cases ----------------------------------------------------------------------------------------


class StatementSerializer(Serializer):
    at = serializers.DateTimeField(read_only=True)
    text = serializers.CharField(read_only=True)


class ConflictSerializer(ModelSerializer):
    statements = StatementSerializer(many=True, read_only=True, help_text="The claimant's evidence, oldest first.")
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    holder_name = serializers.CharField(source="holder.display_name", default=None, read_only=True)
    claimant_name = serializers.CharField(source="claimant.display_name", read_only=True)
    attempted = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ConflictCase
        fields = [
            "id", "customer", "customer_name", "holder", "holder_name", "claimant", "claimant_name", "match",
            "attempted", "status", "decision", "decided_by", "decided_at", "note", "created_at", "evidence",
            "statements",
        ]  # fmt: skip
        read_only_fields = fields

    def get_attempted(self, case: ConflictCase) -> dict[str, str]:
        return conflicts.attempted_shown(actor=self.context["request"].user, case=case)

    def get_evidence(self, case: ConflictCase) -> list[dict[str, Any]]:
        return [
            {"label": row.label, "holder": _plain(row.holder), "claimant": _plain(row.claimant)}
            for row in conflicts.evidence(case)
        ]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


class DecideSerializer(Serializer):
    decision = serializers.ChoiceField(choices=ConflictCase.Decision.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class EvidenceSerializer(Serializer):
    text = serializers.CharField(max_length=1000)


class ConflictViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Conflict cases (撞单): a salesperson registered a customer a colleague holds; a manager decides."""

    queryset = ConflictCase.objects.select_related("customer", "holder", "claimant")
    serializer_class = ConflictSerializer
    permission_module = "pool"
    action_permissions = {"decide": "approve"}
    filterset_fields = ["status", "decision", "claimant", "holder"]
    ordering = ["-created_at"]

    @extend_schema(request=DecideSerializer, responses=ConflictSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """``keep`` (the holder keeps it), ``give`` (to the claimant) or ``pool``."""
        case = self.get_object()
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = conflicts.conflict_decide(actor=self.actor, case=case, **body.validated_data)
        return Response(ConflictSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ConflictSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The claimant drops an open claim: the case closes undecided and the holder keeps the customer."""
        case = conflicts.conflict_withdraw(actor=self.actor, case=self.get_object())
        return Response(ConflictSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=EvidenceSerializer, responses=ConflictSerializer)
    @action(detail=True, methods=["post"])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        """The claimant adds evidence (a visit, a quote sent …) to an open case for the deciding manager."""
        case = self.get_object()
        body = EvidenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = conflicts.conflict_evidence_add(actor=self.actor, case=case, text=body.validated_data["text"])
        return Response(ConflictSerializer(case, context=self.get_serializer_context()).data)
