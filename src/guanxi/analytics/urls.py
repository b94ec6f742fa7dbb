from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("targets/", views.targets_grid, name="targets"),
    path("targets/template/", views.targets_template, name="targets_template"),
    path("attainment/", views.attainment_page, name="attainment"),
    path("dashboard/", views.dashboard_settings, name="dashboard"),
    path("cards/<slug:code>/", views.card, name="card"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="view_delete"),
    path("<slug:name>/", views.report_page, name="report"),
    path("<slug:name>/export/", views.report_export, name="export"),
    path("<slug:name>/records/", views.report_records, name="records"),
    path("<slug:name>/views/", views.saved_view_create, name="view_create"),
]
