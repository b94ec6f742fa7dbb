"""API: the audit log, read-only, through the gate (``audit.view``)."""

from typing import Any

from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet
from guanxi.core.models import AuditEntry

from .filters import AuditApiFilter
from .presentation import masked_changes, masks_for, note_labels, note_sentence


class AuditEntrySerializer(ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    note_text = serializers.SerializerMethodField(help_text="The note as a sentence in the reader's language.")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "ip",
            "action",
            "action_label",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "note",
            "note_text",
        ]
        read_only_fields = fields

    def to_representation(self, instance: AuditEntry) -> dict[str, Any]:
        """Values the record masks for the reader stay masked here too (``masks`` from the view)."""
        data = super().to_representation(instance)
        masks = self.context.get("masks")
        if masks is None:
            masks = masks_for(actor=self.context["request"].user, entries=[instance])
        data["changes"] = masked_changes(instance.changes, masks.get(instance.pk, {}))
        return data

    def get_note_text(self, instance: AuditEntry) -> str:
        if not instance.note:
            return ""
        if "note_labels" not in self.context:
            self.context["note_labels"] = note_labels()
        return note_sentence(instance.note, self.context["note_labels"])


class AuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The audit log: `?object=org.user:3` for one record's history; `actor`, `action`, `object_type`,
    `date_from`, `date_to`, `q` (record name) filter it."""

    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    permission_module = "audit"
    filterset_class = AuditApiFilter
    search_fields = ["object_repr", "actor_name"]
    ordering_fields = ["at"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())) or [])
        context = {**self.get_serializer_context(), "masks": masks_for(actor=self.actor, entries=rows)}
        return self.get_paginated_response(AuditEntrySerializer(rows, many=True, context=context).data)
