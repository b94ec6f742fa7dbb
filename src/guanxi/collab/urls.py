from django.urls import path

from .views import announcements, documents, scripts

app_name = "collab"

urlpatterns = [
    path("announcements/", announcements.announcement_list, name="announcements"),
    path("announcements/new/", announcements.announcement_create, name="announcement_create"),
    path("announcements/<int:pk>/", announcements.announcement_detail, name="announcement"),
    path("announcements/<int:pk>/edit/", announcements.announcement_edit, name="announcement_edit"),
    path("announcements/<int:pk>/remind/", announcements.announcement_remind, name="announcement_remind"),
    path("announcements/<int:pk>/delete/", announcements.announcement_delete, name="announcement_delete"),
    path("announcements/files/<int:pk>/", announcements.attachment_download, name="announcement_file"),
    path("documents/", documents.document_home, name="documents"),
    path("documents/bin/", documents.document_bin, name="document_bin"),
    path("documents/folders/new/", documents.folder_create, name="folder_create"),
    path("documents/folders/<int:pk>/", documents.folder_detail, name="folder"),
    path("documents/folders/<int:pk>/move/", documents.folder_move, name="folder_move"),
    path("documents/folders/<int:pk>/access/", documents.folder_access, name="folder_access"),
    path("documents/folders/<int:pk>/upload/", documents.document_upload, name="document_upload"),
    path("documents/<int:pk>/", documents.document_detail, name="document"),
    path("documents/<int:pk>/file/", documents.document_file, name="document_file"),
    path("documents/<int:pk>/file/<int:number>/", documents.document_file, name="document_version_file"),
    path("documents/<int:pk>/preview/", documents.document_preview, name="document_preview"),
    path("documents/<int:pk>/versions/", documents.document_version_add, name="document_version_add"),
    path(
        "documents/<int:pk>/versions/<int:number>/restore/",
        documents.document_version_restore,
        name="document_version_restore",
    ),
    path("documents/<int:pk>/delete/", documents.document_delete, name="document_delete"),
    path("documents/<int:pk>/restore/", documents.document_restore, name="document_restore"),
    path("documents/of/<str:record_type>/<int:pk>/", documents.record_documents, name="record_documents"),
    path("scripts/", scripts.script_list, name="scripts"),
    path("scripts/new/", scripts.script_create, name="script_create"),
    path("scripts/<int:pk>/edit/", scripts.script_edit, name="script_edit"),
    path("scripts/<int:pk>/vote/", scripts.script_vote, name="script_vote"),
    path("scripts/<int:pk>/feature/", scripts.script_feature, name="script_feature"),
    path("scripts/<int:pk>/delete/", scripts.script_delete, name="script_delete"),
    path("scripts/for/<str:record_type>/<int:pk>/", scripts.stage_scripts, name="stage_scripts"),
]
