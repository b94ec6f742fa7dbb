from django.urls import path

from . import vcards, views

app_name = "io"

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/rejected.xlsx", views.import_errors, name="import_errors"),
    path("imports/template/<slug:kind>.xlsx", views.import_template, name="template"),
    path("exports/<slug:name>/", views.export_start, name="export"),
    path("exports/job/<int:pk>/", views.export_job, name="export_job"),
    path("exports/job/<int:pk>/download/", views.export_download, name="export_download"),
    path("contacts.vcf", vcards.contacts_vcf_view, name="contacts_vcf"),
]
