"""The analytics REST resources (DESIGN.md §REST API): ``reports`` and ``reports/<name>`` (the page's filters
as query parameters), ``targets`` (+ ``grid`` to set a grid of months at once, ``attainment``) and
``dashboards`` (the user's cards with their figures). Same selectors, services and gate as the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as BadRequest
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer
from guanxi.core.permissions import has_perm
from guanxi.core.replica import reads_replica

from . import services
from .dashboards import cards_of
from .forms import ReportFilterForm
from .framework import Result, report_get, reports_for, run
from .models import Target, TargetKind
from .targets import attainment


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # amounts as the other resources give them; rates with two decimals too
    if isinstance(value, date):
        return value.isoformat()
    return value


class ReportSummarySerializer(Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    dimensions = serializers.ListField(child=serializers.CharField())
    measures = serializers.ListField(child=serializers.CharField())
    filters = serializers.ListField(child=serializers.CharField())


class ReportRowSerializer(Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]
    values = serializers.DictField()
    previous = serializers.DictField()
    drill = serializers.CharField(help_text="The records behind the row: the ordinary list with the same filters.")


class ReportResultSerializer(Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    dimension = serializers.CharField()
    period = serializers.DictField(allow_null=True)
    compared_with = serializers.DictField(allow_null=True)
    measures = serializers.ListField(child=serializers.DictField())
    rows = ReportRowSerializer(many=True)
    totals = serializers.DictField()
    previous_totals = serializers.DictField()


def result_data(result: Result) -> dict[str, Any]:
    period, previous = result.filters.period, result.filters.previous
    return {
        "name": result.report.name,
        "title": str(result.report.title),
        "dimension": result.dimension.code,
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()} if period else None,
        "compared_with": {"from": previous.start.isoformat(), "to": previous.end.isoformat()} if previous else None,
        "measures": [{"code": m.code, "label": str(m.label), "kind": m.kind} for m in result.measures],
        "rows": [
            {
                "key": None if row.key in (None, "") else str(_plain(row.key)),
                "label": row.label,
                "values": {code: _plain(value) for code, value in row.values.items()},
                "previous": {code: _plain(value) for code, value in row.previous.items()},
                "drill": row.drill,
            }
            for row in result.rows
        ],
        "totals": {code: _plain(value) for code, value in result.totals.items()},
        "previous_totals": {code: _plain(value) for code, value in result.previous_totals.items()},
    }


FILTER_PARAMETERS = [
    OpenApiParameter("date_from", str, description="first day of the period (company time), YYYY-MM-DD"),
    OpenApiParameter("date_to", str, description="last day of the period, included"),
    OpenApiParameter(
        "compare", str, enum=["previous", "year"], description="compare with the period before or a year earlier"
    ),
    OpenApiParameter("by", str, description="the dimension to group by (see the report's dimensions)"),
    OpenApiParameter("unit", int, description="business unit id (all-units scope only)"),
    OpenApiParameter("department", int, description="department id: it and those below it"),
    OpenApiParameter("owner", int, description="user id"),
]


class ReportListView(APIView):
    """The reports the signed-in user may run, with their dimensions, measures and own filters."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReportSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, "reports.view"):
            raise PermissionDenied
        data = [
            {
                "name": report.name,
                "title": str(report.title),
                "description": str(report.description),
                "dimensions": [dimension.code for dimension in report.dimensions],
                "measures": [measure.code for measure in report.measures],
                "filters": [extra.code for extra in report.extra_filters],
            }
            for report in reports_for(request.user)  # type: ignore[arg-type]
        ]
        return Response(data)


class ReportView(APIView):
    """One report's figures for the signed-in user, with the same filters as its page (400 with a message per
    bad filter); each row's ``drill`` is the list of the records behind it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=ReportResultSerializer)
    @reads_replica
    def get(self, request: Request, name: str) -> Response:
        try:
            report = report_get(name)
        except LookupError:
            raise Http404 from None
        actor: Any = request.user
        if not report.allowed(actor):
            raise PermissionDenied
        form = ReportFilterForm(request.query_params, report=report, actor=actor)
        if not form.is_valid():
            raise BadRequest({field: [str(message) for message in messages] for field, messages in form.errors.items()})
        return Response(result_data(run(actor=actor, report=report, filters=form.filters())))


class TargetSerializer(ModelSerializer):
    class Meta:
        model = Target
        fields = ["id", "business_unit", "department", "user", "kind", "year", "month", "value", "updated_at"]
        read_only_fields = fields


class TargetGridSerializer(Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    cells = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="`u<user>-<month>`, `d<department>-<month>` or `unit-<month>` → value; empty removes it.",
    )


class AttainmentRowSerializer(Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    level = serializers.CharField()
    key = serializers.IntegerField(allow_null=True)
    target = serializers.DecimalField(max_digits=16, decimal_places=2)
    actual = serializers.DecimalField(max_digits=16, decimal_places=2)
    rate = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)


class TargetViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Monthly sales targets (SPEC §12.6) the user may see; filter with ``?year=``, ``?kind=``, ``?month=``."""

    queryset = Target.objects.select_related(None).order_by("year", "month", "pk")
    serializer_class = TargetSerializer
    permission_module = "targets"
    action_permissions = {"grid": "configure", "attainment": "view"}

    def filter_queryset(self, queryset: Any) -> Any:
        params = self.request.query_params
        for name in ("year", "month"):
            if params.get(name, "").isdigit():
                queryset = queryset.filter(**{name: int(params[name])})
        if params.get("kind") in TargetKind.values:
            queryset = queryset.filter(kind=params["kind"])
        return queryset

    @extend_schema(request=TargetGridSerializer, responses={200: dict[str, int]})
    @action(detail=False, methods=["post"])
    def grid(self, request: Request) -> Response:
        """Set a grid of monthly targets at once: all or nothing, 400 with a message per bad cell."""
        data = TargetGridSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            changed = services.targets_set(actor=self.actor, **data.validated_data)
        except ValidationError as error:
            raise BadRequest(error.message_dict) from None
        return Response({"changed": changed})

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("period", str, description="y, q1–q4 or m1–m12"),
            OpenApiParameter("kind", str, enum=TargetKind.values),
        ],
        responses=AttainmentRowSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    @reads_replica
    def attainment(self, request: Request) -> Response:
        """Targets against results for a period, people ranked by their rate, then departments and the unit."""
        params = request.query_params
        year = int(params["year"]) if params.get("year", "").isdigit() else date.today().year
        kind = str(params.get("kind")) if params.get("kind") in TargetKind.values else TargetKind.AMOUNT
        result = attainment(actor=self.actor, year=year, period=params.get("period", "y"), kind=kind)
        rows = [*result.people, *result.departments, *([result.unit] if result.unit else [])]
        data = [
            {
                "label": r.label,
                "level": r.level,
                "key": r.key,
                "target": r.target,
                "actual": r.actual,
                "rate": r.rate,
                "rank": r.rank,
            }
            for r in rows
        ]
        return Response(AttainmentRowSerializer(data, many=True).data)


class DashboardCardSerializer(Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    audience = serializers.CharField()
    link = serializers.CharField()
    figures = serializers.DictField(help_text="The card's figures (counts and amounts).")


class DashboardView(APIView):
    """The signed-in user's dashboard cards, in their order, with each card's figures."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DashboardCardSerializer(many=True))
    @reads_replica
    def get(self, request: Request) -> Response:
        actor: Any = request.user
        cards = []
        for card in cards_of(actor):
            figures = {key: _plain(value) for key, value in card.data(actor).items() if _scalar(value)}
            cards.append(
                {
                    "code": card.code,
                    "title": str(card.title),
                    "audience": card.audience,
                    "link": card.link(actor),
                    "figures": figures,
                }
            )
        return Response(cards)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (int, float, str, Decimal, date))
