"""REST resources of the catalogue: ``products`` and ``product-categories``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, VisibleRelatedField, version_sent

from . import selectors, services
from .models import Product, ProductCategory


class ProductSerializer(ModelSerializer):
    category = VisibleRelatedField(queryset=ProductCategory.objects.all(), allow_null=True, required=False)
    version = serializers.IntegerField(required=False, help_text="The version you loaded; required to update.")

    class Meta:
        model = Product
        fields = ["id", *services.PRODUCT_FIELDS, "version", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[object] = []  # the unique code is the service's check (409 ``duplicate``)


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """The caller's unit's products. ``?search=`` matches a code, a name, its pinyin or initials (the picker);
    ``?on_sale=true`` leaves out what cannot be quoted."""

    queryset = Product.objects.select_related("category")
    serializer_class = ProductSerializer
    permission_module = "products"
    action_permissions = {"create": "configure", "partial_update": "configure", "destroy": "configure"}
    filterset_fields = ["category", "on_sale"]
    ordering_fields = ["code", "name_pinyin", "list_price", "updated_at"]

    def filter_queryset(self, queryset: Any) -> Any:
        if self.action != "list":
            return super().filter_queryset(queryset)
        # The unit's catalogue through the same gate, searched the picker's way.
        search = self.request.query_params.get("search", "")
        return super().filter_queryset(selectors.product_search(actor=self.actor, query=search))

    @extend_schema(request=ProductSerializer, responses=ProductSerializer)
    def create(self, request: Request) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        product = services.product_create(actor=self.actor, data=data)
        return Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProductSerializer, responses=ProductSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        product = self.get_object()
        body = self.get_serializer(product, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        saved = services.product_update(actor=self.actor, product=product, data=data, version=version)
        return Response(self.get_serializer(saved).data)

    def perform_destroy(self, instance: Product) -> None:
        services.product_delete(actor=self.actor, product=instance)


class CategorySerializer(ModelSerializer):
    parent = VisibleRelatedField(  # type: ignore[assignment]
        queryset=ProductCategory.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = ProductCategory
        fields = ["id", "name", "parent", "sort_order"]
        read_only_fields = ["id", "sort_order"]
        validators: list[object] = []


class ProductCategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The caller's unit's category tree (each row names its parent)."""

    queryset = ProductCategory.objects.all()
    serializer_class = CategorySerializer
    permission_module = "products"
    action_permissions = {"create": "configure", "partial_update": "configure"}

    def filter_queryset(self, queryset: Any) -> Any:
        return super().filter_queryset(queryset).filter(business_unit_id=self.actor.business_unit_id)

    @extend_schema(request=CategorySerializer, responses=CategorySerializer)
    def create(self, request: Request) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.product_category_save(actor=self.actor, **body.validated_data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CategorySerializer, responses=CategorySerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        category = self.get_object()
        body = self.get_serializer(category, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        row = services.product_category_save(
            actor=self.actor,
            category=category,
            name=data.get("name", category.name),
            parent=data.get("parent", category.parent),
        )
        return Response(self.get_serializer(row).data)
