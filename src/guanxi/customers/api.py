"""The customers' REST resources (DESIGN.md §REST API): the same services and gate as the pages."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import (
    LeanReadSerializer,
    ModelSerializer,
    ScopedViewSet,
    Serializer,
    VisibleRelatedField,
    version_sent,
)
from guanxi.core.scope import get_readable_or_404, get_visible_or_404
from guanxi.org.models import Department, User

from . import bulk, history, hooks, keys, selectors, services
from . import facts as customer_facts
from . import warnings as customer_warnings
from .merge import KEEP, MERGE_FIELDS, OTHER, customer_merge
from .models import Contact, Customer

WRITABLE = [name for name in services.CUSTOMER_FIELDS if name != "referrer"]


def _warning_count(context: dict[str, Any], customer_id: int, code: str) -> int:
    found = context.get("warnings", {}).get(customer_id, [])
    return next((warning.count for warning in found if warning.code == code), 0)


def _warning_messages(context: dict[str, Any], customer_id: int) -> list[str]:
    return [str(warning.message) for warning in context.get("warnings", {}).get(customer_id, [])]


def _fact(context: dict[str, Any], code: str, customer_id: int) -> Any:
    return context.get("facts", {}).get(code, {}).get(customer_id)


class WarningCountField(serializers.IntegerField):
    """How many of one registered warning (``open_complaints``: open complaints, …) the customer has; the view
    puts the page's warnings in the context."""

    def __init__(self, code: str, **kwargs: Any) -> None:
        self.code = code
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> int:
        return _warning_count(self.context, instance.pk, self.code)


class WarningMessagesField(serializers.ListField):
    """The customer's warnings in the reader's language, for a banner."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(), source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> list[str]:
        return _warning_messages(self.context, instance.pk)


class FactField(serializers.JSONField):
    """A figure an app above keeps about the customer (``churn_risk``: the risk score and its factors); the
    view puts the page's values in the context."""

    def __init__(self, code: str, **kwargs: Any) -> None:
        self.code = code
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> Any:
        return _fact(self.context, self.code, instance.pk)


class CustomerSerializer(LeanReadSerializer):
    referrer = VisibleRelatedField(queryset=Customer.objects.all(), allow_null=True, required=False)
    # any live partner of the customer's unit, seen or not: the service checks its kind and unit
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        allow_null=True,
        required=False,
        help_text="The channel partner who brought the customer: a customer of kind partner in the same unit.",
    )
    partner_name = serializers.CharField(source="partner.name", default=None, read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", default=None, read_only=True)
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")
    days_to_expiry = serializers.SerializerMethodField(
        help_text="Whole days before the customer returns to the pool; null when it never does."
    )
    locked = serializers.BooleanField(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "number", *services.CUSTOMER_FIELDS, "credit_rating", "partner_name", "owner", "owner_name",
                  "status", "custom"]  # fmt: skip
        fields += ["version"]
        fields += ["created_at", "updated_at", "last_followup_at", "next_followup_at", "last_order_at"]
        fields += ["pool", "claimed_at", "expires_at", "days_to_expiry", "locked"]
        read_only_fields = ["id", "number", "owner", "status", "created_at", "updated_at", "last_followup_at"]
        read_only_fields += ["credit_rating"]  # kept by finance's credit assessment
        read_only_fields += ["next_followup_at", "last_order_at", "pool", "claimed_at", "expires_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {name: {"validators": []} for name in ("postcode", "qq")}

    def get_days_to_expiry(self, instance: Customer) -> int | None:
        return selectors.days_to_expiry(instance.expires_at)

    def to_representation(self, instance: Customer) -> dict[str, Any]:
        data = super().to_representation(instance)
        # the fields of ``get_fields`` below, written here as they would write themselves
        context, pk = self.context, instance.pk
        for code in customer_warnings.warning_codes():
            data[code] = _warning_count(context, pk, code)
        data["warnings"] = _warning_messages(context, pk)
        for code in customer_facts.FACTS:
            data[code] = _fact(context, code, pk)
        if instance.pk not in context.get("unmasked", set()):
            data["phone"] = keys.mask_phone(instance.phone) if instance.phone else ""
            data["email"] = keys.mask_email(instance.email) if instance.email else ""
        if instance.owner_id is None and instance.pool_id is not None:  # fields the pool hides until claimed
            for name in selectors.hidden_fields(instance) - {"phone", "email"}:
                if data.get(name):
                    data[name] = "***"
        return data

    def get_fields(self) -> dict[str, Any]:
        """What the apps above warn of (an open complaint): each a count under its code, then the messages."""
        fields = super().get_fields()
        for code in customer_warnings.warning_codes():
            fields[code] = WarningCountField(code)
        fields["warnings"] = WarningMessagesField()
        for code, fact in customer_facts.FACTS.items():
            fields[code] = FactField(code, help_text=fact.help or fact.label)
        return fields


class ContactSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all())
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Contact
        fields = ["id", "customer", *services.CONTACT_FIELDS, "custom", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        """Phones and e-mail masked as on the customer's page (``masks`` from the view for a whole page)."""
        data = super().to_representation(instance)
        masks = self.context.get("masks")
        if masks is None:
            masks = history.contact_masks(self.context["request"].user, [str(instance.pk)])
        for name, mask in masks.get(str(instance.pk), {}).items():
            if data.get(name):
                data[name] = mask(str(data[name]))
        return data


class RevealSerializer(Serializer):
    field = serializers.ChoiceField(choices=["phone", "email"])
    value = serializers.CharField(read_only=True)


class TransferSerializer(Serializer):
    # any active colleague; whether the actor may give the customer to them is the service's rule
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(status=User.Status.ACTIVE))
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ShareSerializer(Serializer):
    users = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(status=User.Status.ACTIVE), many=True, required=False
    )
    departments = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), many=True, required=False)
    can_edit = serializers.BooleanField(default=False)


class MergeSerializer(Serializer):
    other = serializers.IntegerField(help_text="The customer merged into this one (then deleted).")
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=[KEEP, OTHER]),
        required=False,
        default=dict,
        help_text='Per field, "keep" (the default) or "other": whose value the kept customer takes.',
    )

    def validate_choices(self, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(MERGE_FIELDS))
        if unknown:
            raise serializers.ValidationError(f"Unknown fields: {', '.join(unknown)}.")
        return value


class DuplicateSerializer(Serializer):
    reason = serializers.CharField(help_text="Which key matched: name, similar_name, phone or tax_number.")
    number = serializers.CharField()
    name = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)
    owner = serializers.CharField(help_text="The owner's name, or the pool's.")


class BatchSerializer(Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=bulk.MAX_SELECTION, help_text="Customer ids."
    )


class BatchTransferSerializer(BatchSerializer, TransferSerializer):
    pass


class BatchResultSerializer(Serializer):
    done = serializers.IntegerField(help_text="Customers changed.")
    ignored = serializers.IntegerField(help_text="Selected ids outside your data scope, left out.")


def _as_shown(rows: Any) -> Any:
    """The customers as the API shows them: of the owner, the pool and the partner read with each row only what
    it prints (the owner's and partner's names, the fields the pool hides), not three more whole rows: the
    partner alone is another customer of sixty columns, about a third of a page's reading of its rows."""
    return rows.select_related("owner", "pool", "partner").only(*_SHOWN)


_SHOWN = [
    *(field.name for field in Customer._meta.concrete_fields),
    "owner__display_name", "pool__hidden_fields", "partner__name",
]  # fmt: skip


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Customers the caller may see. ``?search=`` is the one-box search (name, pinyin, initials, number,
    any phone, contact name); ``?scene=`` a ready-made filter (mine, shared, team, recent …); ``?ordering=``
    also takes the figures of the apps above (``churn_risk``: the highest risk first)."""

    queryset = Customer.objects.select_related("owner", "pool", "partner")
    serializer_class = CustomerSerializer
    permission_module = "customers"
    action_permissions = {
        "transfer": "assign",
        "share": "edit",
        "duplicates": "view",
        "reveal": "view",
        "merge": "delete",
        "batch_transfer": "assign",
    }
    filterset_fields = [
        "status", "level", "industry", "source", "owner", "province", "city", "county", "kind", "partner",
        "partner_type", "partner_level",
    ]  # fmt: skip
    ordering_fields = ["updated_at", "created_at", "name_pinyin", "last_followup_at", "expires_at"]
    ordering = ["-updated_at"]
    search_fields: list[str] = []  # the one-box search below replaces DRF's

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if query := self.request.query_params.get("search", "").strip():
            queryset = queryset.filter(selectors.search_filter(query))
        if (scene := self.request.query_params.get("scene", "")) in selectors.SCENES:
            queryset = queryset.filter(selectors.scene_filter(self.actor, scene))
        if fact_ordering := customer_facts.orderings().get(self.request.query_params.get("ordering", "")):
            queryset = queryset.order_by(*fact_ordering)  # a figure of an app above (``?ordering=churn_risk``)
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(_as_shown(self.filter_queryset(self.get_queryset())))
        rows = list(page or [])
        context = {
            **self.get_serializer_context(),
            "unmasked": services.customers_seen_plainly(self.actor, rows),
            "warnings": customer_warnings.warnings_for([row.pk for row in rows], actor=self.actor),
            "facts": customer_facts.facts_for(customer_facts.FACTS, rows),
        }
        return self.get_paginated_response(CustomerSerializer(rows, many=True, context=context).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # the 360 page's gate: a pool customer opens, masked, to whoever sees its pool (SPEC §3.2)
        customer = get_readable_or_404(_as_shown(Customer.objects), self.actor, pk=kwargs["pk"])
        hooks.detail_opened(actor=self.actor, customer=customer)  # the pool's daily viewing limit: 403 view_limit
        return Response(self._out(customer))

    def _out(self, customer: Customer) -> dict[str, Any]:
        context = {
            **self.get_serializer_context(),
            "unmasked": services.customers_seen_plainly(self.actor, [customer]),
            "warnings": customer_warnings.warnings_for([customer.pk], actor=self.actor),
            "facts": customer_facts.facts_for(customer_facts.FACTS, [customer]),
        }
        return CustomerSerializer(customer, context=context).data

    @extend_schema(request=CustomerSerializer, responses=CustomerSerializer)
    def create(self, request: Request) -> Response:
        body = CustomerSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        custom = data.pop("custom", None)
        data.pop("version", None)
        customer = services.customer_create(actor=self.actor, data=data, custom=custom)
        return Response(self._out(customer), status=status.HTTP_201_CREATED)

    @extend_schema(request=CustomerSerializer, responses=CustomerSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        body = CustomerSerializer(customer, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        custom = data.pop("custom", None)
        customer = services.customer_update(
            actor=self.actor, customer=customer, version=version, data=data, custom=custom
        )
        return Response(self._out(customer))

    def perform_destroy(self, instance: Customer) -> None:
        services.customer_delete(actor=self.actor, customer=instance)

    @extend_schema(request=TransferSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        """Give the customer to another salesperson (``customers.assign``); the new owner is notified."""
        customer = self.get_object()
        body = TransferSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        customer = services.customer_transfer(actor=self.actor, customer=customer, **body.validated_data)
        return Response(self._out(customer))

    @extend_schema(request=BatchTransferSerializer, responses=BatchResultSerializer)
    @action(detail=False, methods=["post"], url_path="batch-transfer")
    def batch_transfer(self, request: Request) -> Response:
        """Give the selected customers to another salesperson (``customers.assign``): all or none."""
        body = BatchTransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = bulk.customers_bulk_transfer(actor=self.actor, **body.validated_data)
        return Response(asdict(result))

    @extend_schema(request=ShareSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def share(self, request: Request, pk: str | None = None) -> Response:
        """Share the customer with colleagues or departments, to view or (``can_edit``) to edit."""
        customer = self.get_object()
        body = ShareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.customer_share(actor=self.actor, customer=customer, **body.validated_data)
        return Response(self._out(customer))

    @extend_schema(request=MergeSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Merge ``other`` into this customer, field by field; the other's records move here."""
        keep = self.get_object()
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = get_visible_or_404(Customer.objects.all(), self.actor, pk=body.validated_data["other"])
        customer = customer_merge(actor=self.actor, keep=keep, other=other, choices=body.validated_data["choices"])
        return Response(self._out(customer))

    @extend_schema(request=RevealSerializer, responses={200: RevealSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """The unmasked phone or e-mail of a customer, for holders of ``customers.unmask``; logged."""
        customer = self.get_object()
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        return Response(
            {"field": field, "value": services.customer_reveal(actor=self.actor, customer=customer, field=field)}
        )

    @extend_schema(
        parameters=[OpenApiParameter(name, str) for name in ("name", "phone", "tax_number")],
        responses=DuplicateSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def duplicates(self, request: Request) -> Response:
        """Existing customers that a new one with these keys would duplicate (for imports and forms); ``id``
        is null for one outside your data scope."""
        params = request.query_params
        found = (
            services.customer_duplicates(
                unit_id=self.actor.business_unit_id,
                name=params.get("name", ""),
                phones=[params["phone"]] if params.get("phone") else [],
                tax_number=params.get("tax_number", ""),
            )
            if self.actor.business_unit_id
            else []
        )
        visible = set(
            Customer.objects.visible_to(self.actor)
            .filter(pk__in=[d.customer.pk for d in found])
            .values_list("pk", flat=True)
        )
        rows = [
            {
                "reason": match.reason,
                "number": match.customer.number,
                "name": match.customer.name,
                "id": match.customer.pk if match.customer.pk in visible else None,
                "owner": services.owner_label(self.actor, match.customer, visible=match.customer.pk in visible),
            }
            for match in found
        ]
        return self.get_paginated_response(DuplicateSerializer(self.paginate_queryset(rows), many=True).data)  # type: ignore[arg-type]


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    queryset = Contact.objects.select_related("customer")
    serializer_class = ContactSerializer
    permission_module = "customers"
    filterset_fields = ["customer", "is_primary", "decision_role"]
    search_fields = ["name", "mobile", "email"]
    ordering = ["-is_primary", "name"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())) or [])
        masks = history.contact_masks(self.actor, [str(row.pk) for row in rows])
        context = {**self.get_serializer_context(), "masks": masks}
        return self.get_paginated_response(ContactSerializer(rows, many=True, context=context).data)

    def create(self, request: Request) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        customer = data.pop("customer")
        contact = services.contact_save(actor=self.actor, customer=customer, contact=None, data=data)
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        contact = self.get_object()
        body = self.get_serializer(contact, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("customer", None)
        version = data.pop("version", contact.version)
        saved = services.contact_save(
            actor=self.actor, customer=contact.customer, contact=contact, data=data, version=version
        )
        return Response(self.get_serializer(saved).data)

    def perform_destroy(self, instance: Contact) -> None:
        services.contact_delete(actor=self.actor, contact=instance)

    def filter_queryset(self, queryset: Any) -> Any:
        if self.action == "list" and self.request.query_params.get("customer"):
            # one customer's contacts, as its 360 page shows them: a pool customer's too (masked)
            queryset = Contact.objects.select_related("customer").readable_by(self.actor)
        return super().filter_queryset(queryset)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contact = get_readable_or_404(Contact.objects.select_related("customer"), self.actor, pk=kwargs["pk"])
        return Response(self.get_serializer(contact).data)
