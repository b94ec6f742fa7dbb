"""API: China's administrative divisions, read-only reference data for every signed-in user."""

from typing import Any, cast

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer

from .models import Region
from .services import region_children


class RegionSerializer(ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "active"]
        read_only_fields = fields


class RegionViewSet(viewsets.GenericViewSet):
    """China's provinces, cities and counties by code, for any signed-in user. `GET regions/` lists the
    provinces; `?parent=<code>` lists the regions directly under that one (none for an unknown code)."""

    # Not a ScopedViewSet: regions belong to nobody, so there is no scope to apply; the default
    # IsAuthenticated permission lets every signed-in user read them.
    serializer_class = RegionSerializer
    queryset = Region.objects.all()
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="A region's code: list its children (default: provinces)")
        ]
    )
    def list(self, request: Request) -> Response:
        parent = request.query_params.get("parent", "").strip()
        regions = region_children(parent_code=parent or None)
        page = self.paginate_queryset(cast(Any, regions))  # DRF pages any sequence
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """One region by code, retired ones included (``active`` false), so old records can be labelled."""
        region = get_object_or_404(Region, code=pk)
        return Response(self.get_serializer(region).data)
