"""The base of every API resource: permission codes and the data-scope gate, impossible to skip; and the
base of every serializer, which refuses the input fields it does not write."""

import copy
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request

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
