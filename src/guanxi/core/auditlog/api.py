"""API: the audit log, read-only, through the gate (``audit.view``)."""

from rest_framework import mixins, serializers

from guanxi.core.api import ModelSerializer, ScopedViewSet
from guanxi.core.models import AuditEntry

from .filters import AuditApiFilter


class AuditEntrySerializer(ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)

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
        ]
        read_only_fields = fields


class AuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The audit log: `?object=org.user:3` for one record's history; `actor`, `action`, `object_type`,
    `date_from`, `date_to`, `q` (record name) filter it."""

    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    permission_module = "audit"
    filterset_class = AuditApiFilter
    search_fields = ["object_repr", "actor_name"]
    ordering_fields = ["at"]
