"""REST resource ``campaigns`` (+ ``launch``, ``members``, ``costs``, ``audience``, ``results``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, version_sent
from guanxi.core.paginator import CappedPaginator
from guanxi.leads.models import LeadForm

from . import selectors, services
from .models import AudienceKind, Campaign, CampaignCost, CampaignMember, MemberKind


class CostSerializer(ModelSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = CampaignCost
        fields = ["id", "item", "spent_on", "amount", "note"]
        read_only_fields = ["id"]


class CampaignSerializer(ModelSerializer):
    web_form = serializers.PrimaryKeyRelatedField(queryset=LeadForm.objects.all(), allow_null=True, required=False)
    costs = CostSerializer(many=True, read_only=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    name = serializers.CharField(max_length=100, allow_blank=True)  # the service reports every field at once
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Campaign
        fields = [
            "id", "number", "name", "kind", "status", "starts_on", "ends_on", "budget", "actual_cost", "description",
            "web_form", "owner", "launched_at", "costs", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "number", "status", "actual_cost", "owner", "launched_at", "created_at", "updated_at"]


class MemberSerializer(ModelSerializer):
    class Meta:
        model = CampaignMember
        fields = ["id", "kind", "customer", "contact", "lead", "name", "company", "email", "mobile", "added_at"]
        read_only_fields = fields


class MembersAddSerializer(Serializer):
    kind = serializers.ChoiceField(choices=MemberKind.choices)
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=1000)


class AudienceSerializer(Serializer):
    kind = serializers.ChoiceField(choices=AudienceKind.choices)
    name = serializers.CharField(max_length=100)
    query = serializers.CharField(max_length=2000, allow_blank=True, help_text="The filter of the list's URL.")


class ResultsSerializer(Serializer):
    leads = serializers.IntegerField()
    opportunities = serializers.IntegerField()
    won = serializers.IntegerField()
    won_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    roi = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True, help_text="Per cent.")
    per_lead = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class CampaignResultsSerializer(Serializer):
    first = ResultsSerializer(help_text="First-touch attribution.")
    last = ResultsSerializer(help_text="Last-touch attribution.")


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Campaigns the caller may see; their figures under ``results``."""

    queryset = Campaign.objects.prefetch_related("costs")
    serializer_class = CampaignSerializer
    permission_module = "campaigns"
    action_permissions = {"launch": "edit", "members": "view", "costs": "edit", "audience": "edit", "results": "view"}
    filterset_fields = ["status", "kind", "owner"]
    search_fields = ["number", "name"]
    ordering_fields = ["starts_on", "updated_at", "budget", "actual_cost"]
    ordering = ["-starts_on"]

    def _out(self, campaign: Campaign) -> dict[str, Any]:
        return CampaignSerializer(self.get_queryset().get(pk=campaign.pk), context=self.get_serializer_context()).data

    @extend_schema(request=CampaignSerializer, responses=CampaignSerializer)
    def create(self, request: Request) -> Response:
        body = CampaignSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        campaign = services.campaign_create(actor=self.actor, data=data)
        return Response(self._out(campaign), status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignSerializer, responses=CampaignSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        body = CampaignSerializer(campaign, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        services.campaign_update(actor=self.actor, campaign=campaign, version=version, data=data)
        return Response(self._out(campaign))

    def perform_destroy(self, instance: Campaign) -> None:
        services.campaign_delete(actor=self.actor, campaign=instance)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def launch(self, request: Request, pk: str | None = None) -> Response:
        """Take the audience's members (a snapshot) and start; refused (400 ``empty_audience``) with nobody."""
        campaign = self.get_object()
        services.campaign_launch(actor=self.actor, campaign=campaign)
        return Response(self._out(campaign))

    @extend_schema(methods=["GET"], request=None, responses=MemberSerializer(many=True))
    @extend_schema(methods=["POST"], request=MembersAddSerializer, responses=None)
    @action(detail=True, methods=["get", "post"])
    def members(self, request: Request, pk: str | None = None) -> Response:
        """GET: the members, 200 a page (``?page=``). POST: add customers, contacts or leads by hand; those
        who opted out are skipped and counted."""
        campaign = self.get_object()
        if request.method == "POST":
            body = MembersAddSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            done = services.campaign_members_add(actor=self.actor, campaign=campaign, **body.validated_data)
            return Response(done)
        page = CappedPaginator(campaign.members.order_by("pk"), 200).get_page(request.query_params.get("page"))
        return Response({"count": page.paginator.count, "results": MemberSerializer(page.object_list, many=True).data})

    @extend_schema(request=CostSerializer, responses=CostSerializer)
    @action(detail=True, methods=["post"])
    def costs(self, request: Request, pk: str | None = None) -> Response:
        """Add an item of actual cost."""
        body = CostSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cost = services.campaign_cost_add(actor=self.actor, campaign=self.get_object(), data=body.validated_data)
        return Response(CostSerializer(cost).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AudienceSerializer, responses=None)
    @action(detail=True, methods=["post"])
    def audience(self, request: Request, pk: str | None = None) -> Response:
        """Aim the campaign at the matches of a list's filter."""
        body = AudienceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        source = services.campaign_source_add(
            actor=self.actor, campaign=self.get_object(), kind=data["kind"], label=data["name"], query=data["query"]
        )
        return Response({"id": source.pk, "members_taken": source.members_taken}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CampaignResultsSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """Leads, opportunities, won amount, ROI and cost per lead under first- and last-touch attribution."""
        report = selectors.campaign_report(actor=self.actor, campaign=self.get_object())
        return Response(CampaignResultsSerializer(report["figures"]).data)
