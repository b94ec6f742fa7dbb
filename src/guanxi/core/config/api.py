"""REST API of the configuration tools: ``dictionary/<type>``, ``parameters``, ``custom-fields``, and
``CustomFieldsSerializerMixin`` that other resources use to expose their records' ``custom`` values."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..api import ModelSerializer, ModulePermission, ScopedViewSet, Serializer
from ..models import CustomField, DictionaryItem, DictionaryType
from ..rest import Pagination
from . import custom_fields, dictionary, parameters

CONFIGURE_ACTIONS = {
    "create": "configure",
    "update": "configure",
    "partial_update": "configure",
    "destroy": "configure",
    "reorder": "configure",
}

# --- custom values on other resources ---------------------------------------------------------------


class CustomValuesField(serializers.JSONField):
    """``custom``: the record's custom field values by key, e.g. ``{"hire_date": "2024-03-01"}``."""


class CustomFieldsSerializerMixin(Serializer):
    """Add to a ModelSerializer of a record type registered for custom fields. On write, the keys sent
    change those values (``null`` clears one), the others stay; the result is checked by
    ``custom_values_clean`` (errors: ``{"custom": {"<key>": ["…"]}}``). The validated ``custom`` is the
    record's complete new JSON: pass it to the service that saves the record."""

    custom = CustomValuesField(required=False)

    def validate_custom(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Send an object of field values by key."))
        model = self.Meta.model  # type: ignore[attr-defined]
        current = getattr(self.instance, "custom", None) or {}
        # The record's unit, or for a new one the caller's: the service checks again with the unit it gives.
        unit = custom_fields.record_unit(self.instance or self.context["request"].user)
        try:
            return custom_fields.custom_values_merge(model=model, unit=unit, current=current, changes=value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {key.removeprefix("custom."): messages for key, messages in error.message_dict.items()}
            ) from None


# --- dictionary -------------------------------------------------------------------------------------


class DictionaryTypeSerializer(ModelSerializer):
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = DictionaryType
        fields = ["code", "label", "is_system"]


@extend_schema_view(list=extend_schema(operation_id="dictionary_types_list"))
class DictionaryTypeViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The dictionary's types; their items are at ``dictionary/<type>/``."""

    queryset = DictionaryType.objects.all()
    serializer_class = DictionaryTypeSerializer
    permission_module = "system"


class DictionaryItemSerializer(ModelSerializer):
    code = serializers.CharField(max_length=50, required=False, allow_blank=True)

    class Meta:
        model = DictionaryItem
        fields = ["code", "label", "sort_order", "is_enabled"]
        read_only_fields = ["sort_order"]
        validators: list[Any] = []  # the service checks uniqueness, with field-specific messages

    def to_representation(self, instance: DictionaryItem) -> dict[str, Any]:
        """A shipped item's label in the reader's language, until renamed."""
        return {**super().to_representation(instance), "label": instance.shown_label}


class ReorderSerializer(Serializer):
    codes = serializers.ListField(child=serializers.CharField(max_length=50))


@extend_schema(parameters=[OpenApiParameter("type", str, OpenApiParameter.PATH)])
class DictionaryItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Items of one dictionary type, by their stable ``code``. ``?enabled=true`` lists only the ones
    forms offer. Disabling (``is_enabled: false``) is always allowed; deleting an item records use
    answers 409 ``in_use``."""

    queryset = DictionaryItem.objects.select_related("type")
    serializer_class = DictionaryItemSerializer
    permission_module = "system"
    action_permissions = CONFIGURE_ACTIONS
    lookup_field = "code"
    filterset_fields = ["is_enabled"]
    search_fields = ["label", "code"]
    ordering_fields = ["sort_order", "label", "code"]

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset).filter(type__code=self.kwargs["type"])
        if self.request.query_params.get("enabled") in ("true", "1"):
            queryset = queryset.filter(is_enabled=True)
        return queryset

    def _type(self) -> DictionaryType:
        return dictionary.dictionary_type_get(actor=self.request.user, code=self.kwargs["type"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._type()  # an unknown type answers 404, not an empty list
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = dictionary.dictionary_item_create(
            actor=self.request.user, type=self._type(), label=data.get("label", ""), code=data.get("code", "")
        )

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        if "code" in data and data["code"] != serializer.instance.code:
            raise serializers.ValidationError({"code": [_("The code cannot be changed.")]})
        serializer.instance = dictionary.dictionary_item_update(
            actor=self.request.user,
            item=serializer.instance,
            label=data.get("label"),
            is_enabled=data.get("is_enabled"),
        )

    def perform_destroy(self, instance: DictionaryItem) -> None:
        dictionary.dictionary_item_delete(actor=self.request.user, item=instance)

    @extend_schema(request=ReorderSerializer, responses={204: None})
    def reorder(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Put all the type's items in the given order (every code exactly once)."""
        body = ReorderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dictionary.dictionary_items_reorder(actor=request.user, type=self._type(), codes=body.validated_data["codes"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- parameters -------------------------------------------------------------------------------------


class ParameterSerializer(Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    group = serializers.CharField()
    type = serializers.CharField()
    value = serializers.JSONField()
    default = serializers.JSONField()
    overridden = serializers.BooleanField()
    min = serializers.CharField(allow_null=True)
    max = serializers.CharField(allow_null=True)
    choices = serializers.ListField(child=serializers.DictField())
    help = serializers.CharField()


def _parameter_data(row: parameters.Row) -> dict[str, Any]:
    parameter = row.parameter
    return {
        "code": parameter.code,
        "label": str(parameter.label),
        "group": parameter.group,
        "type": parameter.type,
        "value": parameter.to_json(row.value),
        "default": parameter.to_json(parameter.default),
        "overridden": row.overridden,
        "min": None if parameter.min is None else str(parameter.min),
        "max": None if parameter.max is None else str(parameter.max),
        "choices": [{"value": code, "label": str(label)} for code, label in parameter.choices],
        "help": str(parameter.help),
    }


class ParametersView(APIView):
    """Every parameter with its effective value for a business unit (the actor's own, or ``?unit=<id>``
    among those they may configure). PATCH ``{"<code>": value, …}`` sets some at once — all or none,
    400 with a message per bad code; ``null`` returns one to its default."""

    permission_classes = [ModulePermission]
    serializer_class = ParameterSerializer

    def permission_code(self) -> str:
        return "system.configure" if self.request.method == "PATCH" else "system.view"

    def _unit(self) -> Any:
        units = parameters.parameter_units(actor=self.request.user)
        wanted = self.request.query_params.get("unit") or str(getattr(self.request.user, "business_unit_id", ""))
        unit = next((unit for unit in units if str(unit.pk) == wanted), None)
        if unit is None and not self.request.query_params.get("unit") and units:
            unit = units[0]
        if unit is None:
            raise Http404
        return unit

    def _page(self, unit: Any) -> Response:
        rows = [_parameter_data(row) for row in parameters.parameters_effective(unit=unit)]
        paginator = Pagination()
        page: Any = paginator.paginate_queryset(rows, self.request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(page)

    @extend_schema(
        parameters=[OpenApiParameter("unit", int, description="business unit id")],
        responses=ParameterSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self._page(self._unit())

    @extend_schema(request=dict[str, Any], responses=ParameterSerializer(many=True))
    def patch(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"detail": _("Send an object of values by code.")})
        parameters.parameters_set(actor=request.user, unit=self._unit(), values=dict(request.data))
        return self._page(self._unit())


# --- custom fields ----------------------------------------------------------------------------------


class CustomFieldSerializer(ModelSerializer):
    dictionary_type = serializers.SlugRelatedField(
        slug_field="code", queryset=DictionaryType.objects.all(), required=False, allow_null=True
    )
    key = serializers.CharField(max_length=40, required=False, allow_blank=True)

    class Meta:
        model = CustomField
        fields = [
            "id",
            "model",
            "key",
            "label",
            "type",
            "dictionary_type",
            "required",
            "help_text",
            "sort_order",
            "is_enabled",
            "show_in_list",
        ]
        read_only_fields = ["id", "sort_order"]
        validators: list[Any] = []  # the service checks uniqueness, with field-specific messages


class CustomFieldViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Custom field definitions; ``?model=org.user`` for one record type. ``model``, ``key``, ``type`` and
    ``dictionary_type`` are fixed once created. Deleting a field records have values for answers 409
    ``in_use`` (disable it instead)."""

    queryset = CustomField.objects.select_related("dictionary_type")
    serializer_class = CustomFieldSerializer
    permission_module = "system"
    action_permissions = CONFIGURE_ACTIONS
    filterset_fields = ["model", "type", "is_enabled"]
    ordering_fields = ["sort_order", "label"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("is_enabled", None)  # a new field is enabled
        serializer.instance = custom_fields.custom_field_create(actor=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        field = serializer.instance
        data = serializer.validated_data
        for name in ("model", "key", "type", "dictionary_type"):
            current = getattr(field, name)
            if name in data and data[name] != current:
                raise serializers.ValidationError({name: [_("This cannot be changed once the field exists.")]})
        values = {name: data[name] for name in custom_fields.EDITABLE if name in data}
        serializer.instance = custom_fields.custom_field_update(actor=self.request.user, field=field, **values)

    def perform_destroy(self, instance: CustomField) -> None:
        custom_fields.custom_field_delete(actor=self.request.user, field=instance)
