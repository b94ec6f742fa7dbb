"""The REST resources of activities (DESIGN.md §REST API): ``followups``, ``plans`` (+ ``complete``,
``cancel``), ``plan-templates`` (+ ``apply``); ``calendar.ics?token=`` is a plain view (views.agenda)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import (
    ModelSerializer,
    ScopedViewSet,
    Serializer,
    StoredFileSerializer,
    VisibleRelatedField,
    version_sent,
)
from guanxi.core.errors import DomainError
from guanxi.core.scope import rule_for
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from . import plan_templates, services
from .models import (
    FollowUp,
    FollowUpAttachment,
    FollowUpComment,
    Plan,
    PlanTemplate,
    PlanTemplateStep,
)
from .selectors import followup_visible_rows, next_plan_proposal


def _related(data: dict[str, Any], actor: Any) -> models.Model | None:
    """``related_type`` ("sales.opportunity") + ``related_id`` → the record, read through the scope gate
    (only models registered with it may be referred to)."""
    label, pk = data.pop("related_type", None), data.pop("related_id", None)
    if not label and pk is None:
        return None
    if not label or pk is None:
        raise DomainError("Give both related_type and related_id.", field="related_type")
    try:
        app_label, model_name = label.split(".")
        model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
        assert model is not None
        rule_for(model)
    except (ValueError, ContentType.DoesNotExist, AssertionError, LookupError):
        raise DomainError("Unknown record type.", field="related_type") from None
    row = model._default_manager.visible_to(actor).filter(pk=pk).first()  # type: ignore[attr-defined,unused-ignore]
    if row is None:  # out of scope answers the same as missing: the API does not tell which
        raise DomainError("No such record.", field="related_id")
    return row


class RelatedTypeField(serializers.CharField):
    def to_representation(self, value: Any) -> str:
        return f"{value.app_label}.{value.model}" if value is not None else ""


class AttachmentSerializer(StoredFileSerializer):
    url_name = "activities:attachment"

    class Meta(StoredFileSerializer.Meta):
        model = FollowUpAttachment


class CommentSerializer(ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = FollowUpComment
        fields = ["id", "author", "author_name", "text", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class FollowUpSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all(), allow_null=True, required=False)
    contact = VisibleRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)
    related_type = RelatedTypeField(required=False, allow_blank=True, help_text='e.g. "sales.opportunity"')
    related_id = serializers.IntegerField(required=False, allow_null=True)
    plan = VisibleRelatedField(
        queryset=Plan.objects.all(), required=False, write_only=True, help_text="The open plan this fulfils."
    )
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    comments = CommentSerializer(many=True, read_only=True)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, write_only=True, help_text="multipart: attachments"
    )
    add_to_calendar = serializers.BooleanField(
        default=True, write_only=True, help_text="With next_contact_at: plan the next contact (the next plan)."
    )
    next_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, write_only=True,
        help_text="Whom the next plan is for: the caller (default) or a colleague they may plan for.",
    )  # fmt: skip

    class Meta:
        model = FollowUp
        fields = [
            "id", "customer", "contact", "related_type", "related_id", "owner", "owner_name", "channel",
            "occurred_at", "content", "feedback", "next_step", "next_contact_at", "add_to_calendar", "next_owner",
            "latitude", "longitude", "location_accuracy", "location_address", "attachments", "comments", "plan",
            "files", "created_at", "version",
        ]  # fmt: skip
        read_only_fields = ["id", "owner", "created_at", "version"]
        extra_kwargs = {"occurred_at": {"required": False}}


class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Follow-up records of the caller's scope, newest first; ``?customer=`` gives one customer's."""

    queryset = FollowUp.objects.select_related("owner", "related_type").prefetch_related("attachments", "comments")
    serializer_class = FollowUpSerializer
    permission_module = "activities"
    action_permissions = {"comment": "approve"}
    filterset_fields = ["customer", "owner", "channel", "feedback", "related_id"]
    ordering_fields = ["occurred_at", "created_at"]
    ordering = ["-occurred_at", "-id"]

    @extend_schema(request=FollowUpSerializer, responses=FollowUpSerializer)
    def create(self, request: Request) -> Response:
        body = FollowUpSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        with transaction.atomic():
            related = _related(data, self.actor)
            followup = services.followup_create(
                actor=self.actor,
                customer=data.get("customer"),
                contact=data.get("contact"),
                related=related,
                channel=data.get("channel") or "phone",
                occurred_at=data.get("occurred_at"),
                content=data.get("content", ""),
                feedback=data.get("feedback", ""),
                next_step=data.get("next_step", ""),
                location=services.Location(data["latitude"], data["longitude"], data.get("location_accuracy"),
                                           data.get("location_address", ""))
                if data.get("latitude") is not None and data.get("longitude") is not None
                else None,
                files=request.FILES.getlist("files") if hasattr(request, "FILES") else [],
                plan=data.get("plan"),
                next_contact_at=data.get("next_contact_at"),
                add_to_calendar=data["add_to_calendar"],
                next_owner=data.get("next_owner"),
            )  # fmt: skip
        return Response(FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: FollowUp) -> None:
        services.followup_delete(actor=self.actor, followup=instance)

    def filter_queryset(self, queryset: Any) -> Any:
        if self.action == "list" and self.request.query_params.get("customer"):
            # one customer's timeline, as its 360 page shows it: whoever may open the customer (a pool
            # customer too) sees its whole history (SPEC §3.2)
            queryset = self.queryset.filter(pk__in=followup_visible_rows(actor=self.actor).values("pk"))
        return super().filter_queryset(queryset)

    @extend_schema(request=CommentSerializer, responses=CommentSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, pk: str | None = None) -> Response:
        """A manager's comment (领导批示); the salesperson is notified."""
        followup = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.followup_comment_add(actor=self.actor, followup=followup, text=body.validated_data["text"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class PlanSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all(), allow_null=True, required=False)
    contact = VisibleRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    related_type = RelatedTypeField(required=False, allow_blank=True, help_text='e.g. "sales.opportunity"')
    related_id = serializers.IntegerField(required=False, allow_null=True)
    overdue = serializers.SerializerMethodField()
    next_plan_proposal = serializers.SerializerMethodField(
        help_text="After completing a customer's last open plan: when to plan the next one (SPEC §4.3)."
    )
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to reschedule.")

    class Meta:
        model = Plan
        fields = [
            "id", "customer", "contact", "related_type", "related_id", "owner", "owner_name", "kind", "subject",
            "script", "starts_at", "due_at", "status", "overdue", "origin", "followup", "completed_at",
            "cancelled_at", "cancel_reason", "created_at", "version", "next_plan_proposal",
        ]  # fmt: skip
        read_only_fields = [
            "id", "status", "origin", "followup", "completed_at", "cancelled_at", "cancel_reason", "created_at",
        ]  # fmt: skip
        extra_kwargs = {"starts_at": {"required": False}}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, plan: Plan) -> bool:
        return plan.is_overdue(self.context.get("now"))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_next_plan_proposal(self, plan: Plan) -> Any:
        proposal = self.context.get("proposals", {}).get(plan.pk)
        return serializers.DateTimeField().to_representation(proposal) if proposal else None


class CompleteSerializer(Serializer):
    followup = serializers.IntegerField(required=False, allow_null=True, help_text="The follow-up that fulfilled it")
    # The next plan (SPEC §4.3); without a time, an open opportunity's last plan is followed by one at the
    # proposed time.
    next_subject = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="The next plan's subject."
    )
    next_due_at = serializers.DateTimeField(required=False, allow_null=True, help_text="When the next plan is due.")


class CancelSerializer(Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Plans of the caller's scope. Filters: ``status``, ``owner``, ``customer``, ``overdue=true``,
    ``due_before`` / ``due_after`` (ISO times). PATCH reschedules (``due_at`` [+ ``owner``], ``version``)."""

    queryset = Plan.objects.select_related("owner", "related_type")
    serializer_class = PlanSerializer
    permission_module = "activities"
    action_permissions = {"complete": "edit", "cancel": "edit"}
    filterset_fields = ["status", "owner", "customer", "kind", "origin", "related_id"]
    ordering_fields = ["due_at", "starts_at", "created_at"]
    ordering = ["due_at", "id"]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        parameters=[
            OpenApiParameter("overdue", bool),
            OpenApiParameter("due_before", OpenApiTypes.DATETIME),
            OpenApiParameter("due_after", OpenApiTypes.DATETIME),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if params.get("overdue") in ("true", "1"):
            queryset = queryset.filter(status=Plan.Status.OPEN, due_at__lt=timezone.now())
        for name, lookup in (("due_before", "due_at__lt"), ("due_after", "due_at__gte")):
            if params.get(name):
                moment = serializers.DateTimeField().to_internal_value(params[name])
                queryset = queryset.filter(**{lookup: moment})
        return queryset

    @extend_schema(request=PlanSerializer, responses=PlanSerializer)
    def create(self, request: Request) -> Response:
        body = PlanSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        related = _related(data, self.actor)
        plan = services.plan_create(
            actor=self.actor,
            subject=data.get("subject", ""),
            due_at=data["due_at"],
            starts_at=data.get("starts_at"),
            customer=data.get("customer"),
            contact=data.get("contact"),
            related=related,
            owner=data.get("owner"),
            kind=data.get("kind") or "call",
            script=data.get("script", ""),
        )
        return Response(
            PlanSerializer(plan, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=PlanSerializer, responses=PlanSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        body = PlanSerializer(plan, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        plan = services.plan_reschedule(
            actor=self.actor,
            plan=plan,
            due_at=data.get("due_at", plan.due_at),
            starts_at=data.get("starts_at"),
            owner=data.get("owner"),
            version=version,
        )
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data)

    @extend_schema(request=CompleteSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Complete the plan, optionally with the follow-up record that did it."""
        plan = self.get_object()
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        followup = None
        if body.validated_data.get("followup"):
            followup = FollowUp.objects.visible_to(self.actor).filter(pk=body.validated_data["followup"]).first()
            if followup is None:
                raise DomainError("No such follow-up.", field="followup")
        plan = services.plan_complete(
            actor=self.actor,
            plan=plan,
            followup=followup,
            next_subject=body.validated_data.get("next_subject", ""),
            next_due_at=body.validated_data.get("next_due_at"),
        )
        context = self.get_serializer_context()
        if plan.customer_id and not services.open_plans_of(customer=plan.customer).exists():
            context["proposals"] = {plan.pk: next_plan_proposal(customer=plan.customer, at=timezone.now())}
        return Response(PlanSerializer(plan, context=context).data)

    @extend_schema(request=CancelSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the plan, with an optional reason."""
        plan = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.plan_cancel(actor=self.actor, plan=plan, reason=body.validated_data.get("reason", ""))
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data)


class StepSerializer(ModelSerializer):
    class Meta:
        model = PlanTemplateStep
        fields = ["subject", "kind", "script", *plan_templates.STEP_FIELDS[3:]]

    def to_representation(self, instance: PlanTemplateStep) -> dict[str, Any]:
        """A shipped step's subject and script in the reader's language, until rewritten."""
        data = super().to_representation(instance)
        data["subject"], data["script"] = instance.shown_subject, instance.shown_script
        return data


class PlanTemplateSerializer(ModelSerializer):
    steps = StepSerializer(many=True, required=False)

    def to_representation(self, instance: PlanTemplate) -> dict[str, Any]:
        """A shipped template's name and description in the reader's language, until renamed."""
        data = super().to_representation(instance)
        data["name"], data["description"] = instance.shown_name, instance.shown_description
        return data

    class Meta:
        model = PlanTemplate
        fields = ["id", "code", "name", "event", "description", "active", "business_unit", "steps", "updated_at"]
        read_only_fields = ["id", "code", "business_unit", "updated_at"]


class ApplySerializer(Serializer):
    customer = serializers.IntegerField()


class PlanTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Plan templates of the caller's unit and group-wide ones; administrators (``activities.configure``)
    create and change them; ``apply`` creates a template's plans for a customer."""

    queryset = PlanTemplate.objects.prefetch_related("steps")
    serializer_class = PlanTemplateSerializer
    permission_module = "activities"
    action_permissions = {"apply": "create", "destroy": "configure", "update": "configure"}
    ordering = ["name", "id"]

    def permission_code(self) -> str:
        if self.action in ("create", "partial_update"):
            return "activities.configure"
        return super().permission_code()

    def _save(self, request: Request, template: PlanTemplate | None) -> PlanTemplate:
        body = PlanTemplateSerializer(template, data=request.data, partial=template is not None)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        steps = data.pop("steps", None)
        if steps is None:
            steps = [StepSerializer(step).data for step in template.steps.all()] if template else []
        merged = {name: data.get(name, getattr(template, name, None)) for name in ("name", "event", "description")}
        merged["active"] = data.get("active", template.active if template else True)
        return plan_templates.plan_template_save(actor=self.actor, data=merged, steps=steps, template=template)

    @extend_schema(request=PlanTemplateSerializer, responses=PlanTemplateSerializer)
    def create(self, request: Request) -> Response:
        template = self._save(request, None)
        return Response(PlanTemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlanTemplateSerializer, responses=PlanTemplateSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        template = self._save(request, self.get_object())
        return Response(PlanTemplateSerializer(template).data)

    def perform_destroy(self, instance: PlanTemplate) -> None:
        plan_templates.plan_template_delete(actor=self.actor, template=instance)

    @extend_schema(request=ApplySerializer, responses=PlanSerializer(many=True))
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        """Create the template's plans for a customer you can see."""
        template = self.get_object()
        body = ApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = Customer.objects.visible_to(self.actor).filter(pk=body.validated_data["customer"]).first()
        if customer is None:
            raise DomainError("No such customer.", field="customer")
        plans = plan_templates.plan_template_apply(actor=self.actor, template=template, customer=customer)
        context = {"now": timezone.now()}
        return Response(PlanSerializer(plans, many=True, context=context).data, status=status.HTTP_201_CREATED)
