"""REST resources of the shared tools: ``announcements`` (+ ``read``), ``document-folders``, ``documents``
(+ ``versions``, ``restore-version``) and ``scripts`` (+ ``vote``). Serializers parse; services decide."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from guanxi.core.api import ModelSerializer, ScopedViewSet, Serializer, version_sent
from guanxi.org.models import Department, Role, User

from .announcements import services as announcement_services
from .announcements.models import AnnouncementFeed, AnnouncementRead, Audience
from .documents import selectors as document_selectors
from .documents import services as document_services
from .documents.access import folder_filter
from .documents.models import Document, DocumentVersion, Folder, Level
from .scripts import services as script_services
from .scripts.models import Script

# --- announcements ---------------------------------------------------------------------------------------


class AnnouncementSerializer(ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = AnnouncementFeed
        fields = [
            "id", "title", "body", "audience", "pinned", "publish_at", "expires_at", "published_at", "author",
            "author_name", "is_read", "attachments",
        ]  # fmt: skip
        read_only_fields = fields

    def get_attachments(self, obj: AnnouncementFeed) -> list[dict[str, Any]]:
        return [{"id": row.pk, "name": row.name, "size": row.size} for row in obj.attachments.all()]


class AnnouncementCreateSerializer(Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=50000)
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.UNIT)
    departments = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), many=True, required=False)
    roles = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all(), many=True, required=False)
    pinned = serializers.BooleanField(default=False)
    publish_at = serializers.DateTimeField(required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class AnnouncementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The live announcements addressed to the caller, pinned first, each with ``is_read``. Those who manage
    announcements publish with POST (``announcements.create``)."""

    queryset = AnnouncementFeed.objects.select_related("author").prefetch_related("attachments")
    serializer_class = AnnouncementSerializer
    permission_module = "announcement_feed"
    action_permissions = {"read": "view"}
    search_fields = ["title"]
    ordering = ["-pinned", "-published_at", "-id"]

    def permission_code(self) -> str:
        return "announcements.create" if self.action == "create" else super().permission_code()

    def filter_queryset(self, queryset: Any) -> Any:
        read = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), user=self.actor)
        return super().filter_queryset(queryset).annotate(is_read=Exists(read)).order_by(*self.ordering)

    @extend_schema(request=AnnouncementCreateSerializer, responses={201: None})
    def create(self, request: Request) -> Response:
        body = AnnouncementCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = announcement_services.announcement_create(actor=self.actor, data=body.validated_data)
        return Response({"id": created.pk, "published_at": created.published_at}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AnnouncementSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """The caller's read receipt (once; reading again changes nothing)."""
        announcement = self.get_object()
        announcement_services.announcement_read(actor=self.actor, announcement=announcement)
        return Response(AnnouncementSerializer(self.filter_queryset(self.get_queryset()).get(pk=announcement.pk)).data)


# --- documents -------------------------------------------------------------------------------------------


class FolderSerializer(ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Folder.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Folder
        fields = ["id", "name", "parent", "inherit", "path", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "path", "created_at", "updated_at"]


class FolderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """The folders the caller may open (their unit's gate, then the folders' own access)."""

    queryset = Folder.objects.all()
    serializer_class = FolderSerializer
    permission_module = "documents"
    filterset_fields = ["parent"]
    search_fields = ["name"]
    ordering = ["path"]

    def filter_queryset(self, queryset: Any) -> Any:
        return super().filter_queryset(queryset.filter(folder_filter(self.actor, Level.VIEW)))

    def _visible_parent(self, parent: Folder | None) -> Folder | None:
        if parent is not None and not document_selectors.folders(actor=self.actor).filter(pk=parent.pk).exists():
            raise serializers.ValidationError({"parent": ["Choose a folder you can open."]})
        return parent

    def create(self, request: Request) -> Response:
        body = FolderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        folder = document_services.folder_create(
            actor=self.actor, name=data["name"], parent=self._visible_parent(data.get("parent")),
            inherit=data.get("inherit", True),
        )  # fmt: skip
        return Response(FolderSerializer(folder).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Rename (``name``) or move (``parent``; a folder never goes into itself or one of its own)."""
        folder = self.get_object()
        body = FolderSerializer(folder, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version_sent(data)
        if "parent" in data:
            folder = document_services.folder_move(
                actor=self.actor, folder=folder, parent=self._visible_parent(data["parent"])
            )
        if "name" in data:
            folder = document_services.folder_update(actor=self.actor, folder=folder, name=data["name"])
        return Response(FolderSerializer(folder).data)

    def perform_destroy(self, instance: Folder) -> None:
        document_services.folder_delete(actor=self.actor, folder=instance)


class DocumentVersionSerializer(ModelSerializer):
    uploaded_by_name = serializers.CharField(source="uploaded_by.display_name", read_only=True)

    class Meta:
        model = DocumentVersion
        fields = [
            "number",
            "file_name",
            "size",
            "content_type",
            "sha256",
            "note",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
        ]
        read_only_fields = fields


class DocumentSerializer(ModelSerializer):
    current_version = serializers.IntegerField(source="current.number", read_only=True, default=None)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = Document
        fields = [
            "id", "name", "tags", "folder", "record_type", "record_id", "size", "content_type", "current_version",
            "owner", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "size", "content_type", "current_version", "owner", "record_type", "record_id",
                            "created_at", "updated_at"]  # fmt: skip


class UploadSerializer(Serializer):
    folder = serializers.PrimaryKeyRelatedField(queryset=Folder.objects.all())
    file = serializers.FileField(allow_empty_file=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    tags = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    record_type = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    record_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class NewVersionSerializer(Serializer):
    file = serializers.FileField(allow_empty_file=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RestoreVersionSerializer(Serializer):
    number = serializers.IntegerField(min_value=1)


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Documents in the folders the caller may open; ``?search=`` finds a name or tag fragment."""

    queryset = Document.objects.select_related("current")
    serializer_class = DocumentSerializer
    permission_module = "documents"
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {"versions": "view", "restore_version": "edit", "add_version": "edit"}
    filterset_fields = ["folder", "record_type", "record_id"]
    search_fields = ["search_text"]
    ordering_fields = ["name", "updated_at", "size"]
    ordering = ["name"]

    def filter_queryset(self, queryset: Any) -> Any:
        return super().filter_queryset(queryset.filter(folder_filter(self.actor, Level.VIEW, prefix="folder__")))

    def _document(self) -> Document:
        try:
            return document_selectors.document_get(actor=self.actor, pk=int(self.kwargs["pk"]))
        except (TypeError, ValueError):
            raise Http404 from None

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: DocumentSerializer})
    def create(self, request: Request) -> Response:
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        folder = data["folder"]
        if not document_selectors.folders(actor=self.actor).filter(pk=folder.pk).exists():
            raise serializers.ValidationError({"folder": ["Choose a folder you can open."]})
        document = document_services.document_upload(
            actor=self.actor, folder=folder, upload=data["file"], name=data["name"], tags=data["tags"],
            record_type=data["record_type"], record_id=data["record_id"],
        )  # fmt: skip
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(DocumentSerializer(self._document()).data)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        document = self._document()
        body = DocumentSerializer(document, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        if "folder" in data and not document_selectors.folders(actor=self.actor).filter(pk=data["folder"].pk).exists():
            raise serializers.ValidationError({"folder": ["Choose a folder you can open."]})
        saved = document_services.document_update(actor=self.actor, document=document, version=version, data=data)
        return Response(DocumentSerializer(saved).data)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        document_services.document_delete(actor=self.actor, document=self._document())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request={"multipart/form-data": NewVersionSerializer}, responses=DocumentVersionSerializer(many=True)
    )
    @action(detail=True, methods=["get", "post"])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """GET: every version, newest first. POST (a multipart ``file``): a new version becomes current."""
        document = self._document()
        if request.method == "POST":
            from guanxi.core.permissions import require_perm

            require_perm(self.actor, "documents.edit")
            body = NewVersionSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            document_services.document_version_add(
                actor=self.actor, document=document, upload=data["file"], note=data["note"]
            )
        rows = document_selectors.versions(document)
        code = status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK
        return Response(DocumentVersionSerializer(rows, many=True).data, status=code)

    @extend_schema(request=RestoreVersionSerializer, responses=DocumentVersionSerializer)
    @action(detail=True, methods=["post"], url_path="restore-version")
    def restore_version(self, request: Request, pk: str | None = None) -> Response:
        """An older version becomes current again (as a new version)."""
        document = self._document()
        body = RestoreVersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = document.versions.filter(number=body.validated_data["number"]).first()
        if version is None:
            raise serializers.ValidationError({"number": ["No such version."]})
        restored = document_services.document_version_restore(actor=self.actor, document=document, version=version)
        return Response(DocumentVersionSerializer(restored).data)


# --- sales scripts ---------------------------------------------------------------------------------------


class ScriptSerializer(ModelSerializer):
    version = serializers.IntegerField(required=False)
    my_vote = serializers.SerializerMethodField()

    class Meta:
        model = Script
        fields = [
            "id", "title", "scenario", "product", "stage", "body", "tags", "featured", "useful_count",
            "not_useful_count", "author", "my_vote", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "useful_count", "not_useful_count", "author", "my_vote", "created_at", "updated_at"]

    def get_my_vote(self, obj: Script) -> bool | None:
        user: User | None = self.context.get("request").user if self.context.get("request") else None  # type: ignore[union-attr]
        return obj.votes.filter(user=user).values_list("useful", flat=True).first() if user else None


class VoteSerializer(Serializer):
    useful = serializers.BooleanField()


class ScriptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """The unit's sales scripts: ``?scenario=``, ``?product=``, ``?stage=``, ``?search=``."""

    queryset = Script.objects.select_related("product", "stage")
    serializer_class = ScriptSerializer
    permission_module = "scripts"
    action_permissions = {"vote": "view"}
    filterset_fields = ["scenario", "product", "stage", "featured"]
    search_fields = ["title", "body", "tags"]
    ordering = ["-featured", "-useful_count", "id"]

    def create(self, request: Request) -> Response:
        body = ScriptSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("version", None)
        script = script_services.script_create(actor=self.actor, data=data)
        return Response(
            ScriptSerializer(script, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        script = self.get_object()
        body = ScriptSerializer(script, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = version_sent(data)
        saved = script_services.script_update(actor=self.actor, script=script, version=version, data=data)
        return Response(ScriptSerializer(saved, context=self.get_serializer_context()).data)

    def perform_destroy(self, instance: Script) -> None:
        script_services.script_delete(actor=self.actor, script=instance)

    @extend_schema(request=VoteSerializer, responses=ScriptSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        """The caller's vote (useful or not); voting again changes it."""
        body = VoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        script = script_services.script_vote(
            actor=self.actor, script=self.get_object(), useful=body.validated_data["useful"]
        )
        return Response(ScriptSerializer(script, context=self.get_serializer_context()).data)
