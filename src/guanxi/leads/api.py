"""The leads' REST resources (DESIGN.md §REST API): ``leads`` (+ ``convert``, ``assign``) and ``lead-forms``,
through the same services and gate as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, VisibleRelatedField, version_sent
from guanxi.customers.models import Customer
from guanxi.org.models import User

from . import conversion, selectors, services, webforms
from .models import AssignmentRule, Channel, Lead, LeadForm, LeadPool, LeadPoolEvent, LeadStatus
from .pools import rules as pool_rules
from .pools import services as pools


class LeadSerializer(ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(status=User.Status.ACTIVE),
        allow_null=True,
        required=False,
        help_text="Who works the lead; leave out (or null) with assign_by_rules to let the assignment rules choose.",
    )
    owner_name = serializers.CharField(source="owner.display_name", default=None, read_only=True)
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        allow_null=True,
        required=False,
        help_text="The channel partner who brought the lead: a customer of kind partner in the same unit.",
    )
    partner_name = serializers.CharField(source="partner.name", default=None, read_only=True)
    assign_by_rules = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Create only: the unit's assignment rules choose the owner.",
    )
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")
    pool = serializers.PrimaryKeyRelatedField(
        queryset=LeadPool.objects.all(),
        allow_null=True,
        required=False,
        help_text="Create only: the lead pool it waits in with no owner (instead of an owner).",
    )

    class Meta:
        model = Lead
        fields = ["id", "number", *services.LEAD_FIELDS, "partner_name", "status", "channel", "owner", "owner_name",
                  "department", "form", "invalid_reason", "duplicate_of", "matched_customer", "customer", "contact",
                  "opportunity_id",
                  "last_followup_at", "assigned_at", "converted_at", "custom", "version", "assign_by_rules",
                  "pool", "pooled_at", "expires_at", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "number", "status", "channel", "department", "form", "invalid_reason",
                            "duplicate_of", "matched_customer", "customer", "contact", "opportunity_id",
                            "last_followup_at", "assigned_at", "converted_at", "pooled_at", "expires_at",
                            "created_at", "updated_at"]  # fmt: skip
        extra_kwargs: dict[str, dict[str, Any]] = {"qq": {"validators": []}, "name": {"required": True}}


class LeadAssignSerializer(Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(status=User.Status.ACTIVE), allow_null=True, required=False
    )
    by_rules = serializers.BooleanField(default=False, help_text="Let the assignment rules choose the owner.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class LeadReturnSerializer(Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)
    pool = serializers.PrimaryKeyRelatedField(
        queryset=LeadPool.objects.all(), allow_null=True, required=False, default=None
    )


class StatusSerializer(Serializer):
    status = serializers.ChoiceField(choices=[code for code in LeadStatus.values if code != LeadStatus.CONVERTED])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ConvertSerializer(Serializer):
    customer = VisibleRelatedField(
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        help_text="An existing customer to convert into; leave out to create a new one.",
    )
    customer_data = serializers.DictField(
        required=False, default=dict, help_text="Fields of the new customer over what the lead knows (name, kind …)."
    )
    contact = serializers.DictField(required=False, default=dict, help_text="The contact's fields over the lead's.")
    opportunity = serializers.DictField(
        required=False, allow_null=True, default=None, help_text="Open an opportunity too (name, amount …)."
    )


class ConversionSerializer(Serializer):
    lead = serializers.IntegerField()
    customer = serializers.IntegerField()
    customer_number = serializers.CharField()
    contact = serializers.IntegerField(allow_null=True)
    opportunity = serializers.IntegerField(allow_null=True)


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Leads the caller may see. ``?search=`` finds a phone, e-mail, number or name; ``?scene=`` is a
    ready-made filter (open, mine, unassigned, new, stale, duplicates, all). Creating one is API intake:
    a duplicate of an open lead or an existing customer is refused (409 ``duplicate_lead`` /
    ``duplicate_customer``)."""

    queryset = Lead.objects.select_related("owner", "partner")
    serializer_class = LeadSerializer
    permission_module = "leads"
    action_permissions = {
        "assign": "assign",
        "convert": "edit",
        "status": "edit",
        "claim": "edit",
        "return_to_pool": "edit",
    }
    filterset_fields = [
        "status", "source", "channel", "owner", "department", "province", "form", "customer", "pool", "partner",
    ]  # fmt: skip
    ordering_fields = ["updated_at", "created_at", "last_followup_at"]
    ordering = ["-updated_at"]
    search_fields: list[str] = []

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if query := self.request.query_params.get("search", "").strip():
            queryset = queryset.filter(selectors.search_filter(query))
        if (scene := self.request.query_params.get("scene", "")) in selectors.SCENES:
            queryset = queryset.filter(selectors.scene_filter(self.actor, scene))
        return queryset

    @extend_schema(request=LeadSerializer, responses={201: LeadSerializer})
    def create(self, request: Request) -> Response:
        body = LeadSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        by_rules = data.pop("assign_by_rules", False)
        owner = data.pop("owner", None)
        custom = data.pop("custom", None)
        pool = data.pop("pool", None)
        data.pop("version", None)
        lead = services.lead_create(
            actor=self.actor, data=data, owner=owner, by_rules=by_rules, channel=Channel.API, custom=custom, pool=pool
        )
        return Response(LeadSerializer(lead).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeadSerializer, responses=LeadSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        body = LeadSerializer(lead, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        custom = data.pop("custom", None)
        for name in ("owner", "assign_by_rules", "pool"):
            data.pop(name, None)
        lead = services.lead_update(actor=self.actor, lead=lead, version=version, data=data, custom=custom)
        return Response(LeadSerializer(lead).data)

    def perform_destroy(self, instance: Lead) -> None:
        services.lead_delete(actor=self.actor, lead=instance)

    @extend_schema(request=LeadAssignSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Give the lead to a colleague, or let the assignment rules choose (``by_rules``)."""
        lead = self.get_object()
        body = LeadAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.lead_assign(
            actor=self.actor, leads=[lead], owner=data.get("owner"), by_rules=data["by_rules"], note=data["note"]
        )
        lead.refresh_from_db()
        return Response(LeadSerializer(lead).data)

    def _reachable(self, pk: str | None) -> Lead:
        """A lead in the caller's scope or lying in a pool they see, or claimed from one within the last
        day (so that the loser of a race hears who won rather than "not found"); 404 otherwise."""
        from datetime import timedelta

        from django.http import Http404
        from django.utils import timezone

        recent = LeadPoolEvent.objects.filter(
            kind__in=["claim", "assign"], at__gte=timezone.now() - timedelta(days=1)
        ).values("lead_id")
        claimed = Lead.objects.filter(pool__in=pool_rules.pools_visible(self.actor).values("pk"), pk__in=recent)
        try:
            lead = (Lead.objects.readable_by(self.actor) | claimed).select_related("pool").get(pk=str(pk))
        except (Lead.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        self.check_object_permissions(self.request, lead)
        return lead

    @extend_schema(request=None, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        """Claim a pooled lead: first come first served; 409 ``already_claimed`` names the owner, 409
        ``claim_limit`` / ``holding_limit`` past the lead pools' caps, 400 ``cooling_down``."""
        lead = pools.lead_claim(actor=self.actor, lead=self._reachable(pk))
        lead.refresh_from_db()
        return Response(LeadSerializer(lead).data)

    @extend_schema(request=LeadReturnSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_pool(self, request: Request, pk: str | None = None) -> Response:
        """Return the lead to a lead pool with a reason: the one given, else where it came from, else the most
        specific pool of its department."""
        lead = self.get_object()
        body = LeadReturnSerializer(data=request.data, context={"actor": self.actor})
        body.is_valid(raise_exception=True)
        lead = pools.lead_return(actor=self.actor, lead=lead, **body.validated_data)
        lead.refresh_from_db()
        return Response(LeadSerializer(lead).data)

    @extend_schema(request=StatusSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        """Move the lead: contacted, qualified, invalid (with a reason) or back to new."""
        lead = self.get_object()
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = services.lead_set_status(actor=self.actor, lead=lead, **body.validated_data)
        return Response(LeadSerializer(lead).data)

    @extend_schema(request=ConvertSerializer, responses={200: ConversionSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: str | None = None) -> Response:
        """Convert into a new customer (refused with 409 ``duplicate_customer`` when it exists) or the given
        existing one, with the lead's person as contact and optionally an opportunity."""
        lead = self.get_object()
        body = ConvertSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        done = conversion.lead_convert(
            actor=self.actor,
            lead=lead,
            customer=data.get("customer"),
            customer_data=data["customer_data"],
            contact_data=data["contact"],
            opportunity_data=data.get("opportunity"),
        )
        return Response(
            {
                "lead": lead.pk,
                "customer": done.customer.pk,
                "customer_number": done.customer.number,
                "contact": done.contact.pk if done.contact else None,
                "opportunity": getattr(done.opportunity, "pk", None),
            }
        )


class LeadFormSerializer(ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=LeadForm._meta.get_field("department").related_model.objects.all(),  # type: ignore[union-attr]
        allow_null=True,
        required=False,
    )
    rule = serializers.PrimaryKeyRelatedField(queryset=AssignmentRule.objects.all(), allow_null=True, required=False)
    fields_shown = serializers.ListField(
        source="fields",
        child=serializers.ChoiceField(choices=list(webforms.PUBLIC_FIELDS)),
        help_text="The fields the form asks, of: " + ", ".join(webforms.PUBLIC_FIELDS),
    )
    fields_required = serializers.ListField(
        source="required", child=serializers.ChoiceField(choices=list(webforms.PUBLIC_FIELDS)), required=False
    )
    url = serializers.SerializerMethodField(help_text="The hosted page.")

    class Meta:
        model = LeadForm
        fields = ["id", "key", "url", "name", "title", "intro", "fields_shown", "fields_required", "source",
                  "campaign", "department", "rule", "thank_you", "allowed_sites", "is_active", "submissions",
                  "created_at"]  # fmt: skip
        read_only_fields = ["id", "key", "url", "submissions", "created_at"]

    def get_url(self, instance: LeadForm) -> str:
        from django.urls import reverse

        path = reverse("leads:webform", args=[instance.key])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class LeadFormViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """The unit's web-to-lead forms (``leads.configure``)."""

    queryset = LeadForm.objects.select_related("department", "rule")
    serializer_class = LeadFormSerializer
    permission_module = "leads"
    action_permissions = {
        "list": "configure",
        "retrieve": "configure",
        "create": "configure",
        "update": "configure",
        "partial_update": "configure",
    }
    filterset_fields = ["is_active", "source", "department"]
    ordering = ["name"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = webforms.leadform_save(actor=self.actor, form=None, data=serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = webforms.leadform_save(
            actor=self.actor, form=serializer.instance, data=serializer.validated_data
        )


# --- lead pools ---------------------------------------------------------------------------------------------


class LeadPoolSerializer(ModelSerializer):
    kind = serializers.SerializerMethodField(help_text="Always ``lead``; the customer pools are ``pools``.")
    department = serializers.PrimaryKeyRelatedField(
        queryset=LeadPool._meta.get_field("department").related_model.objects.all(),  # type: ignore[union-attr]
        allow_null=True,
        required=False,
        help_text="The department whose pool it is; null for the whole unit.",
    )
    name = serializers.CharField(max_length=50, allow_blank=True)
    effective_reclaim_days = serializers.SerializerMethodField(help_text="0: claimed leads never return.")

    class Meta:
        model = LeadPool
        fields = [
            "id",
            "kind",
            "name",
            "department",
            "is_failed",
            "reclaim_days",
            "line_rules",
            "effective_reclaim_days",
        ]
        fields += ["created_at"]
        read_only_fields = ["id", "created_at"]

    def get_kind(self, instance: LeadPool) -> str:
        return "lead"

    def get_effective_reclaim_days(self, instance: LeadPool) -> int:
        return pool_rules.pool_rules(instance, instance.business_unit_id, self.context.get("parameters")).reclaim_days


class LeadPoolIdsSerializer(Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_empty=True, max_length=pools.MAX_BATCH
    )


class LeadPoolMoveSerializer(LeadPoolIdsSerializer):
    target = serializers.PrimaryKeyRelatedField(queryset=LeadPool.objects.all(), help_text="The pool to move to.")
    all = serializers.BooleanField(default=False, help_text="Every lead of the pool instead of ``ids``.")


class LeadPoolAssignSerializer(LeadPoolIdsSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(status=User.Status.ACTIVE))


class LeadPoolDoneSerializer(Serializer):
    done = serializers.IntegerField()


class LeadPoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Lead pools (线索池) the caller sees: their unit's, their department's and those above, plus what their
    scope adds; failed-lead pools only to those who assign leads. POST/PATCH (``leads.configure``) create
    and change them. ``claim`` takes the selected leads (all or none); ``assign`` and ``move`` (a manager,
    ``leads.assign``) give them to a colleague or move them to another pool (all or none, or ``all``)."""

    queryset = LeadPool.objects.select_related("department")
    serializer_class = LeadPoolSerializer
    permission_module = "leads"
    action_permissions = {
        "create": "configure",
        "partial_update": "configure",
        "claim": "edit",
        "assign": "assign",
        "move": "assign",
    }
    filter_backends: list[Any] = []

    def filter_queryset(self, queryset: Any) -> Any:
        mine = pool_rules.pools_visible(self.actor).values("pk")
        return LeadPool.objects.filter(pk__in=mine).select_related("department").order_by("is_failed", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        return {**context, "parameters": pool_rules.unit_parameters(self.actor.business_unit_id)}

    @extend_schema(request=LeadPoolSerializer, responses={201: LeadPoolSerializer})
    def create(self, request: Request) -> Response:
        body = LeadPoolSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = pools.lead_pool_save(actor=self.actor, pool=None, data=body.validated_data)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeadPoolSerializer, responses=LeadPoolSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        body = LeadPoolSerializer(row, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = {"name": row.name, "department": row.department, "is_failed": row.is_failed}
        data |= {"reclaim_days": row.reclaim_days, **body.validated_data}
        saved = pools.lead_pool_save(actor=self.actor, pool=row, data=data)
        return Response(self.get_serializer(saved).data)

    @extend_schema(request=LeadPoolIdsSerializer, responses=LeadPoolDoneSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        """Claim the selected leads of the pool: all of them or none."""
        row = self.get_object()
        body = LeadPoolIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = pool_rules.pooled_leads(self.actor, [row.pk])  # the pool was just found among those they see
        leads = pools.leads_selected(self.actor, body.validated_data.get("ids", []), rows)
        return Response({"done": len(pools.leads_claim(actor=self.actor, leads=leads))})

    @extend_schema(request=LeadPoolAssignSerializer, responses=LeadPoolDoneSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Give the selected leads of the pool (a failed-lead pool too) to a colleague: all or none."""
        row = self.get_object()
        body = LeadPoolAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        done = pools.leads_pool_assign(actor=self.actor, pool=row, ids=data.get("ids", []), owner=data["owner"])
        return Response({"done": done})

    @extend_schema(request=LeadPoolMoveSerializer, responses=LeadPoolDoneSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the selected leads (or ``all``) to another pool of the unit: all or nothing, audited; those
        who could claim from the target are told."""
        row = self.get_object()
        body = LeadPoolMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ids = None if data["all"] else data.get("ids", [])
        return Response({"done": pools.leads_move(actor=self.actor, pool=row, ids=ids, target=data["target"])})
