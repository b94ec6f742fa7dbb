"""REST resources (DESIGN.md §REST API): ``imports`` (upload → a job with ``status``, ``progress`` and
``errors_url``), ``exports`` (a list's export as a background job) and ``contacts/vcf``."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer
from guanxi.core.exports import FORMATS
from guanxi.leads.models import LeadPool
from guanxi.org.models import User
from guanxi.pool.models import Pool

from . import exports, services, vcards
from .kinds import KINDS
from .models import ExportJob, ImportJob, Strategy


class ImportSerializer(ModelSerializer):
    progress = serializers.IntegerField(source="percent", read_only=True, help_text="Percent of the rows done.")
    errors_url = serializers.SerializerMethodField(help_text="The rejected rows with their reasons (.xlsx).")

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "file_name", "status", "progress", "total", "processed", "created", "updated",
                  "skipped", "failed", "mapping", "strategy", "owner", "pool", "lead_pool", "message", "errors_url",
                  "created_at", "finished_at"]  # fmt: skip
        read_only_fields = fields

    def get_errors_url(self, job: ImportJob) -> str | None:
        if not job.failed:
            return None
        return self.context["request"].build_absolute_uri(reverse("io:import_errors", args=[job.pk]))


class ImportStartSerializer(Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS))
    file = serializers.FileField()
    strategy = serializers.ChoiceField(choices=Strategy.choices, default=Strategy.SKIP)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(status=User.Status.ACTIVE), required=False)
    pool = serializers.PrimaryKeyRelatedField(queryset=Pool.objects.all(), required=False)
    lead_pool = serializers.PrimaryKeyRelatedField(
        queryset=LeadPool.objects.all(), required=False, help_text="A lead pool of your unit: the leads wait there."
    )
    mapping = serializers.JSONField(
        required=False, help_text="Column index → field; guessed from the header if left out."
    )
    check_only = serializers.BooleanField(default=False, help_text="Only check the rows (a preview); save nothing.")


class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = ImportJob.objects.all()
    serializer_class = ImportSerializer
    permission_module = "imports"
    action_permissions = {"create": "view"}  # each record type's own ``<module>.import`` is the service's check

    @extend_schema(request={"multipart/form-data": ImportStartSerializer}, responses={202: ImportSerializer})
    def create(self, request: Request) -> Response:
        data = ImportStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        upload = given["file"]
        job = services.import_upload(actor=self.actor, kind=given["kind"], file_name=upload.name, content=upload.read())
        services.import_configure(
            actor=self.actor, job=job, mapping=given.get("mapping") or job.mapping, strategy=given["strategy"],
            owner=given.get("owner"), pool=given.get("pool"), lead_pool=given.get("lead_pool"),
        )  # fmt: skip
        start = services.import_check if given["check_only"] else services.import_start
        job = start(actor=self.actor, job=job)
        job.refresh_from_db()
        return Response(ImportSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ExportSerializer(ModelSerializer):
    progress = serializers.IntegerField(source="percent", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "name", "params", "file_format", "status", "progress", "total", "processed", "message",
                  "download_url", "created_at", "expires_at"]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if not job.file_path:
            return None
        return self.context["request"].build_absolute_uri(reverse("io:export_download", args=[job.pk]))


class ExportStartSerializer(Serializer):
    name = serializers.CharField(help_text="The list, e.g. opportunities.")
    format = serializers.ChoiceField(choices=FORMATS, default="xlsx")
    filters = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = ExportJob.objects.all()
    serializer_class = ExportSerializer
    permission_module = "imports"
    action_permissions = {"create": "view"}  # the list's own ``<module>.export`` is checked by the export

    @extend_schema(request=ExportStartSerializer, responses={202: ExportSerializer})
    def create(self, request: Request) -> Response:
        data = ExportStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        job = exports.export_start(
            actor=self.actor, name=given["name"], query=given["filters"], file_format=given["format"]
        )
        job.refresh_from_db()
        return Response(ExportSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ContactsVcfView(APIView):
    """``GET /api/v1/contacts/vcf/?ids=1,2``: the visible contacts among them as vCard 3.0."""

    @extend_schema(responses={(200, "text/vcard"): bytes})
    def get(self, request: Request) -> HttpResponse:
        ids = [part for value in request.query_params.getlist("ids") for part in value.split(",")]
        text, _count = vcards.contacts_vcard(actor=request.user, ids=ids)  # type: ignore[arg-type]
        response = HttpResponse(text, content_type="text/vcard; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
        return response
