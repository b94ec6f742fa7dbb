"""The base of every API resource: permission codes and the data-scope gate, impossible to skip; and the
base of every serializer, which refuses the input fields it does not write."""

import copy
from collections.abc import Callable, Mapping
from enum import Enum
from types import FunctionType, MethodType
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PKOnlyObject
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .permissions import has_perm


class ModulePermission(permissions.BasePermission):
    """Maps the view's action to a permission code ``<module>.<action>`` (see ScopedViewSet)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return has_perm(request.user, view.permission_code())


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every API resource: rows come only through ``visible_to`` (the data-scope gate), so an
    object out of scope answers 404; each action needs ``<permission_module>.<action>``.
    Subclasses may not override ``get_queryset``: that is checked when the class is defined."""

    permission_classes = [ModulePermission]
    permission_module: str = ""
    # action name → permission action; the standard ones are mapped already
    action_permissions: dict[str, str] = {}
    _standard = {
        "list": "view",
        "retrieve": "view",
        "create": "create",
        "update": "edit",
        "partial_update": "edit",
        "destroy": "delete",
        "metadata": "view",
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} may not override get_queryset: scope goes through visible_to")

    def permission_code(self) -> str:
        name = self.action or ""
        action = self.action_permissions.get(name) or self._standard.get(name, "view")
        return f"{self.permission_module}.{action}"

    @property
    def actor(self) -> Any:
        """The signed-in user (ModulePermission has already refused anonymous requests)."""
        return self.request.user

    def get_queryset(self) -> Any:
        assert self.queryset is not None, f"{type(self).__name__} needs a queryset"
        queryset: Any = self.queryset
        return queryset.visible_to(self.request.user)


def version_sent(data: dict[str, Any]) -> int:
    """Take the ``version`` an update must send out of its data (optimistic locking); 400 when missing."""
    if "version" not in data:
        raise serializers.ValidationError({"version": [_("Send the version you loaded.")]})
    return int(data.pop("version"))


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key in the API that accepts only rows the requesting user may see (else 400)."""

    def get_queryset(self) -> Any:
        queryset: Any = super().get_queryset()
        return queryset.visible_to(self.context["request"].user)


class Serializer(serializers.Serializer):
    """Refuses each input key the serializer does not write, unknown or read-only, with a 400 naming it:
    a typo or an attempt to set ``owner`` or ``status`` is not silently dropped. The base of every
    serializer in the API (tests/core/test_api_contract.py checks)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = [name for name, field in self.fields.items() if not field.read_only]
            refused = {
                name: [_("This field is read-only.") if name in self.fields else _("Unknown field.")]
                for name in data
                if name not in writable
            }
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


_BUILT_FIELDS: dict[type, dict[str, serializers.Field]] = {}


class ModelSerializer(Serializer, serializers.ModelSerializer):
    """A JSON list column (tags, sources …) is a list of strings in the API, not any JSON.

    The fields DRF builds from the model are built once per class and copied for each serializer, as DRF copies
    the declared ones: building them reads the model's fields anew each time, a fifth of a detail request."""

    def get_fields(self) -> dict[str, Any]:
        built = _BUILT_FIELDS.get(type(self))
        if built is None:
            built = _BUILT_FIELDS[type(self)] = super().get_fields()
        return copy.deepcopy(built)

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.JSONField) and model_field.default is list:
            kwargs = {name: kwargs[name] for name in ("label", "help_text", "required", "read_only") if name in kwargs}
            return serializers.ListField, {"child": serializers.CharField(), **kwargs}
        return field_class, kwargs


# --- reading rows without DRF's per-field calls --------------------------------------------------------------


def _datetime(value: Any) -> Any:
    """``DateTimeField.to_representation`` in the ISO format, in the reader's time zone."""
    if not value:
        return None
    if isinstance(value, str):
        return value
    zone = timezone.get_current_timezone()
    text = (value.astimezone(zone) if timezone.is_aware(value) else timezone.make_aware(value, zone)).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _boolean(value: Any) -> bool:
    if value in serializers.BooleanField.TRUE_VALUES:
        return True
    if value in serializers.BooleanField.FALSE_VALUES:
        return False
    return bool(value)


def _choice(known: dict[str, Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value == "":
            return value
        if isinstance(value, Enum) and str(value) != str(value.value):
            value = value.value
        return known.get(str(value), value)

    return convert


def _same(field: serializers.Field, base: type[serializers.Field]) -> bool:
    """Whether the field reads and writes its value as ``base`` does (a subclass may only parse differently)."""
    kind = type(field)
    return (
        isinstance(field, base)
        and kind.to_representation is base.to_representation
        and kind.get_attribute is base.get_attribute
    )


def _converter(field: Any) -> Callable[[Any], Any] | None:
    """What ``field.to_representation`` answers for a value, in fewer steps, for the classes whose answer
    depends on the value alone; None for the others."""
    if _same(field, serializers.CharField):  # e-mail and URL fields too
        return str
    if _same(field, serializers.IntegerField):
        return int
    if _same(field, serializers.BigIntegerField):  # type: ignore[attr-defined]  # (DRF 3.15; the stubs lack it)
        return str if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING) else int
    if _same(field, serializers.BooleanField):
        return _boolean
    if _same(field, serializers.ChoiceField):
        return _choice(field.choice_strings_to_values)
    if _same(field, serializers.DateTimeField) and not hasattr(field, "timezone") and not hasattr(field, "format"):
        return _datetime if settings.USE_TZ and api_settings.DATETIME_FORMAT == "iso-8601" else None
    if _same(field, serializers.JSONField) and not field.binary:
        return lambda value: value
    if _same(field, serializers.ListField) and type(field.child) is serializers.CharField:
        return lambda items: [None if item is None else str(item) for item in items]
    return None


# DRF's fields (these classes exactly, not subclasses) whose reading and writing of a value need no request or
# context: the plan calls the field itself, bound once to a placeholder parent
_CONTEXT_FREE = (
    serializers.DecimalField, serializers.FloatField, serializers.DateField, serializers.TimeField,
    serializers.DurationField, serializers.UUIDField, serializers.ReadOnlyField, serializers.ModelField,
)  # fmt: skip


class _Read:
    """One readable field of a lean serializer: where its value comes from and how it is written."""

    def __init__(self, model: type[models.Model], field: Any) -> None:
        self.name: str = field.field_name
        self.field = field
        self.method: str | None = None
        self.convert = _converter(field)
        self.attrs: list[str] = list(field.source_attrs)
        self.own = True  # DRF's field, bound to the placeholder, reads it (else the live serializer's copy)
        attnames = {column.name: column.attname for column in model._meta.concrete_fields}
        if isinstance(field, serializers.SerializerMethodField):
            self.method = field.method_name
        elif _same(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None and len(self.attrs) == 1:
            if self.attrs[0] in attnames:  # the key column, as DRF's ``use_pk_only_optimization``: no row is loaded
                self.attrs = [attnames[self.attrs[0]]]
                self.convert = lambda value: value
            else:
                self.convert = None
        if self.convert is None and self.method is None:
            self.own = type(field) in _CONTEXT_FREE or _same(field, serializers.PrimaryKeyRelatedField)
        # a column of the row with a plain conversion: read without the checks a path through relations needs
        plain = self.convert is not None and len(self.attrs) == 1 and self.attrs[0] in attnames.values()
        self.column = self.attrs[0] if plain else None

    def value(self, instance: Any) -> Any:
        """``field.get_attribute(instance)``: raises SkipField where DRF leaves the field out."""
        value = instance
        try:
            for attr in self.attrs:
                value = getattr(value, attr)
                if type(value) in (MethodType, FunctionType):
                    value = value()
        except ObjectDoesNotExist:
            return None
        except (KeyError, AttributeError):
            field = self.field
            if field.default is not empty:
                return field.get_default()
            if field.allow_null:
                return None
            if not field.required:
                raise SkipField() from None
            raise
        return value


_PLANS: dict[type, list[_Read]] = {}


class LeanReadSerializer(ModelSerializer):
    """A model serializer whose output is written from a plan made once per class: each readable field's
    attribute path and a plain conversion for the common field classes (text, numbers, choices, times, keys,
    JSON). The JSON is the one DRF writes (tests/customers/test_api_output.py compares them); a page of 25 customers
    no longer copies the serializer's fields and walks each value through DRF's calls. The plan covers the
    fields ``ModelSerializer`` builds and declares; a subclass that adds fields in ``get_fields`` writes those
    itself."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = _PLANS.get(type(self)) or self._plan()
        data: dict[str, Any] = {}
        for read in plan:
            if read.column is not None:
                value = getattr(instance, read.column)
                data[read.name] = None if value is None else read.convert(value)  # type: ignore[misc]
                continue
            if read.method is not None:
                data[read.name] = getattr(self, read.method)(instance)
                continue
            field = read.field if read.own else self.fields[read.name]
            try:
                value = read.value(instance) if read.convert is not None else field.get_attribute(instance)
            except SkipField:
                continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                data[read.name] = None
            else:
                data[read.name] = read.convert(value) if read.convert is not None else field.to_representation(value)
        return data

    def _plan(self) -> list[_Read]:
        placeholder: serializers.Serializer[Any] = serializers.Serializer()
        fields = ModelSerializer.get_fields(self)
        for name, field in fields.items():
            field.bind(name, placeholder)
        plan = _PLANS[type(self)] = [_Read(self.Meta.model, field) for field in fields.values() if not field.write_only]
        return plan


class StoredFileSerializer(ModelSerializer):
    """A record's attached file (``core.uploads.StoredFile``) with the address of its checked download; each
    record type names its download route in ``url_name`` and its model in ``Meta``."""

    url_name = ""
    url = serializers.SerializerMethodField()

    class Meta:
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, stored: Any) -> str:
        return reverse(self.url_name, args=[stored.pk])
