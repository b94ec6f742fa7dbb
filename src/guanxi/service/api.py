"""The service's REST resources (DESIGN.md §REST API): ``tickets`` (+ ``assign``, ``start``, ``resolve``,
``feedback``, ``archive``, ``reopen``, ``attach``), ``articles``, ``article-categories`` and ``service-agents``
(+ ``skills``), through the same services and gate as the pages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import (
    ModelSerializer,
    ModulePermission,
    ScopedViewSet,
    Serializer,
    StoredFileSerializer,
    VisibleRelatedField,
    version_sent,
)
from guanxi.core.rest import Pagination
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import Order
from guanxi.sales.products.models import Product

from . import knowledge, selectors, services, sla
from .models import Article, ArticleCategory, Ticket, TicketAttachment


class TicketAttachmentSerializer(StoredFileSerializer):
    url_name = "service:attachment"

    class Meta(StoredFileSerializer.Meta):
        model = TicketAttachment


class TicketSerializer(ModelSerializer):
    customer = VisibleRelatedField(queryset=Customer.objects.all())
    # the customer's contract or order, a product of the unit: the service checks whose they are
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all(), allow_null=True, required=False)
    order = serializers.PrimaryKeyRelatedField(queryset=Order.objects.all(), allow_null=True, required=False)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), allow_null=True, required=False)
    attachments = TicketAttachmentSerializer(many=True, read_only=True)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, write_only=True, help_text="multipart: attachments"
    )
    contact = VisibleRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)
    assignee_name = serializers.CharField(source="assignee.display_name", default=None, read_only=True)
    minutes_left = serializers.SerializerMethodField(
        help_text="Working minutes to the pending deadline (negative: overdue); null once resolved."
    )
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Ticket
        fields = ["id", "number", "customer", "contact", *services.TICKET_FIELDS, *services.RELATED_FIELDS, "status",
                  "assignee", "assignee_name", "round", "resolution", "satisfaction", "feedback_comment",
                  "response_due_at", "resolve_due_at", "responded_at", "resolved_at", "archived_at", "breached_at",
                  "escalated_at", "minutes_left", "reopened_from", "articles", "attachments", "files", "version",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "number", "status", "assignee", "round", "resolution", "satisfaction",
                            "feedback_comment", "response_due_at", "resolve_due_at", "responded_at", "resolved_at",
                            "archived_at", "breached_at", "escalated_at", "reopened_from", "articles",
                            "created_at", "updated_at"]  # fmt: skip
        extra_kwargs: dict[str, dict[str, Any]] = {
            "type": {"help_text": "A ticket_type code: consultation, suggestion, complaint, repair, visit, other."},
            "channel": {"help_text": "A ticket_channel code: phone_in, phone_out, web, email, wechat, on_site."},
        }

    def get_minutes_left(self, instance: Ticket) -> int | None:
        return sla.minutes_left(instance)


class TicketAssignSerializer(Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(status=User.Status.ACTIVE))
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class TicketResolveSerializer(Serializer):
    resolution = serializers.CharField(allow_blank=True, max_length=5000)
    articles = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class TicketFeedbackSerializer(Serializer):
    # any integer: the service refuses one outside 1–5 with the code ``out_of_range``
    satisfaction = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class TicketAttachSerializer(Serializer):
    files = serializers.ListField(child=serializers.FileField())


class TicketNoteSerializer(Serializer):
    note = serializers.CharField(allow_blank=True, max_length=1000)


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Tickets the caller may see: an agent's own and the unit's unassigned queue, a manager's unit.
    ``?search=`` finds a number or subject; ``?queue=mine|unassigned|breaching`` is the agent's queue.
    Refusals: ``not_assigned`` (start before assignment), ``not_resolved`` (feedback too early),
    ``out_of_range`` (satisfaction outside 1–5), ``not_an_agent`` and ``other_unit`` (assignee),
    ``ticket_archived`` (409), ``wrong_status`` (409)."""

    queryset = Ticket.objects.select_related("assignee").prefetch_related("attachments")
    serializer_class = TicketSerializer
    permission_module = "service"
    action_permissions = {
        "assign": "edit",
        "start": "edit",
        "resolve": "edit",
        "feedback": "edit",
        "archive": "assign",
        "reopen": "create",
        "attach": "edit",
    }
    filterset_fields = ["status", "type", "channel", "priority", "assignee", "customer"]
    ordering_fields = ["created_at", "resolve_due_at", "updated_at"]
    ordering = ["-created_at"]

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if query := self.request.query_params.get("search", "").strip():
            queryset = queryset.filter(pk__in=selectors.ticket_list(actor=self.actor, query=query).values("pk"))
        if (name := self.request.query_params.get("queue", "")) in selectors.QUEUES:
            queryset = queryset.filter(pk__in=selectors.queue(actor=self.actor, name=name).values("pk"))
        return queryset

    @extend_schema(request=TicketSerializer, responses={201: TicketSerializer})
    def create(self, request: Request) -> Response:
        body = TicketSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        ticket = services.ticket_create(
            actor=self.actor, customer=data.pop("customer"), contact=data.pop("contact", None),
            files=data.pop("files", []), data=data,
        )  # fmt: skip
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TicketSerializer, responses=TicketSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        body = TicketSerializer(ticket, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        for fixed in ("customer", "contact", "files"):  # files are added with attach
            data.pop(fixed, None)
        ticket = services.ticket_update(actor=self.actor, ticket=ticket, version=version, data=data)
        return Response(TicketSerializer(ticket).data)

    def perform_destroy(self, instance: Ticket) -> None:
        services.ticket_delete(actor=self.actor, ticket=instance)

    def _body(self, serializer: type[Serializer]) -> dict[str, Any]:
        body = serializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    def _answer(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        ticket.refresh_from_db()
        return Response(TicketSerializer(ticket).data, status=code)

    @extend_schema(request=TicketAssignSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """服务分配: give the ticket to an agent of its unit (an agent may take an unassigned one)."""
        ticket, data = self.get_object(), self._body(TicketAssignSerializer)
        services.ticket_assign(actor=self.actor, ticket=ticket, assignee=data["assignee"], note=data["note"])
        return self._answer(ticket)

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """服务处理: the assignee starts handling an assigned ticket."""
        ticket = self.get_object()
        services.ticket_start(actor=self.actor, ticket=ticket)
        return self._answer(ticket)

    @extend_schema(request=TicketResolveSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """The handling notes, and the knowledge-base articles used."""
        ticket, data = self.get_object(), self._body(TicketResolveSerializer)
        articles = Article.objects.visible_to(self.actor).filter(pk__in=data["articles"])
        services.ticket_resolve(actor=self.actor, ticket=ticket, resolution=data["resolution"], articles=articles)
        return self._answer(ticket)

    @extend_schema(request=TicketFeedbackSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str | None = None) -> Response:
        """服务反馈: satisfaction 1–5; 3 or more archives, less sends it back to its agent."""
        ticket, data = self.get_object(), self._body(TicketFeedbackSerializer)
        services.ticket_feedback(
            actor=self.actor, ticket=ticket, satisfaction=data["satisfaction"], comment=data["comment"]
        )
        return self._answer(ticket)

    @extend_schema(request=TicketNoteSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """服务归档 without feedback (the customer could not be reached), with the reason."""
        ticket, data = self.get_object(), self._body(TicketNoteSerializer)
        services.ticket_archive(actor=self.actor, ticket=ticket, note=data["note"])
        return self._answer(ticket)

    @extend_schema(request=TicketNoteSerializer, responses={201: TicketSerializer})
    @extend_schema(request={"multipart/form-data": TicketAttachSerializer}, responses={201: TicketSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attach(self, request: Request, pk: str | None = None) -> Response:
        """Add files (multipart field ``files``, repeated) to an open ticket."""
        ticket = self.get_object()
        services.ticket_attach(actor=self.actor, ticket=ticket, files=request.FILES.getlist("files"))
        return self._answer(ticket, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """An archived ticket stays final: this opens a new ticket linked to it (``reopened_from``)."""
        ticket, data = self.get_object(), self._body(TicketNoteSerializer)
        created = services.ticket_reopen(actor=self.actor, ticket=ticket, reason=data["note"])
        return self._answer(created, status.HTTP_201_CREATED)


class ArticleCategorySerializer(ModelSerializer):
    class Meta:
        model = ArticleCategory
        fields = ["id", "name", "sort_order"]


class ArticleCategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The knowledge base's categories of the caller's unit; creating one takes ``knowledge.configure``."""

    queryset = ArticleCategory.objects.all()
    serializer_class = ArticleCategorySerializer
    permission_module = "knowledge"
    action_permissions = {"create": "configure", "partial_update": "configure"}
    ordering = ["sort_order", "name"]

    def create(self, request: Request) -> Response:
        body = ArticleCategorySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        category = knowledge.category_create(actor=self.actor, **body.validated_data)
        return Response(ArticleCategorySerializer(category).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        category = self.get_object()
        body = ArticleCategorySerializer(category, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        category = knowledge.category_update(
            actor=self.actor,
            category=category,
            name=data.get("name", category.name),
            sort_order=data.get("sort_order", category.sort_order),
        )
        return Response(ArticleCategorySerializer(category).data)


class ArticleSerializer(ModelSerializer):
    category = VisibleRelatedField(queryset=ArticleCategory.objects.all())
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Article
        fields = ["id", "title", "category", "body", "is_public", "helpful_yes", "helpful_no", "version",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "helpful_yes", "helpful_no", "created_at", "updated_at"]


class ArticleHelpfulSerializer(Serializer):
    helpful = serializers.BooleanField()


class SearchPagination(Pagination):
    """``count`` stops at 200: a common word's matches are read from the top, not counted to the end."""

    django_paginator_class = knowledge.SearchPaginator


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Knowledge-base articles; ``?search=`` finds words and two-character Chinese fragments; the body is
    cleaned of scripts and styles when saved. ``count`` stops at 200."""

    pagination_class = SearchPagination
    queryset = Article.objects.select_related("category")
    serializer_class = ArticleSerializer
    permission_module = "knowledge"
    action_permissions = {"helpful": "view"}
    filterset_fields = ["category", "is_public"]
    ordering = ["-updated_at"]

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if query := self.request.query_params.get("search", "").strip():
            queryset = knowledge.search(queryset, query)
        return queryset

    def create(self, request: Request) -> Response:
        body = ArticleSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        article = knowledge.article_create(actor=self.actor, data=data)
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        body = ArticleSerializer(article, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        merged = {"title": article.title, "body": article.body, "category": article.category,
                  "is_public": article.is_public, **data}  # fmt: skip
        article = knowledge.article_update(actor=self.actor, article=article, version=version, data=merged)
        return Response(ArticleSerializer(article).data)

    def perform_destroy(self, instance: Article) -> None:
        knowledge.article_delete(actor=self.actor, article=instance)

    @extend_schema(request=ArticleHelpfulSerializer, responses=ArticleSerializer)
    @action(detail=True, methods=["post"])
    def helpful(self, request: Request, pk: str | None = None) -> Response:
        """ "Was this helpful?": one answer per reader, which they may change."""
        article = self.get_object()
        body = ArticleHelpfulSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        article = knowledge.article_vote(actor=self.actor, article=article, helpful=body.validated_data["helpful"])
        return Response(ArticleSerializer(article).data)


class AgentSerializer(Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    department = serializers.CharField(source="department.name", default=None)
    open_load = serializers.IntegerField(help_text="Tickets new, assigned or in progress.")
    skills = serializers.SerializerMethodField(help_text="Ticket type codes the agent handles.")

    def get_skills(self, agent: User) -> list[str]:
        return sorted(skill.type for skill in agent.service_skills.all())


class AgentSkillsSerializer(Serializer):
    skills = serializers.ListField(child=serializers.CharField(max_length=40), allow_empty=True)


class AgentViewSet(viewsets.ViewSet):
    """The agents of the caller's unit: the ticket types each handles (dispatch suggests by them, the least
    loaded first) and their open load. Changing skills needs ``service.configure`` in the agent's unit."""

    permission_classes = [ModulePermission]

    def permission_code(self) -> str:
        return "service.configure" if self.action == "skills" else "service.view"

    @property
    def actor(self) -> User:
        return self.request.user  # type: ignore[return-value]  # ModulePermission refused anonymous requests

    @extend_schema(responses=AgentSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(AgentSerializer(services.agents_with_load(self.actor.business_unit_id), many=True).data)

    @extend_schema(request=AgentSkillsSerializer, responses=AgentSerializer)
    @action(detail=True, methods=["put"])
    def skills(self, request: Request, pk: str | None = None) -> Response:
        """Replace the ticket types the agent handles."""
        agents = services.agents_with_load(self.actor.business_unit_id)
        agent = get_object_or_404(agents, pk=pk)
        body = AgentSkillsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.agent_skills_set(actor=self.actor, agent=agent, types=body.validated_data["skills"])
        return Response(AgentSerializer(agents.get(pk=agent.pk)).data)
