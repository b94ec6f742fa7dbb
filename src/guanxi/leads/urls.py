from django.urls import path

from . import admin_views, public_views, views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("new/", views.lead_create, name="create"),
    path("assign/", views.lead_bulk_assign, name="bulk_assign"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.lead_edit, name="edit"),
    path("<int:pk>/status/", views.lead_status, name="status"),
    path("<int:pk>/assign/", views.lead_assign, name="assign"),
    path("<int:pk>/convert/", views.lead_convert, name="convert"),
    path("<int:pk>/followups/", views.lead_followup, name="followup"),
    path("<int:pk>/delete/", views.lead_delete, name="delete"),
    path("customer/<int:customer_pk>/", views.customer_tab, name="customer_tab"),
    path("settings/forms/", admin_views.form_list, name="forms"),
    path("settings/forms/new/", admin_views.form_edit, name="form_create"),
    path("settings/forms/<int:pk>/", admin_views.form_edit, name="form_edit"),
    path("settings/rules/", admin_views.rule_list, name="rules"),
    path("settings/rules/new/", admin_views.rule_edit, name="rule_create"),
    path("settings/rules/<int:pk>/", admin_views.rule_edit, name="rule_edit"),
    # public: a visitor's web form and its thank-you page (no sign-in)
    path("web/<str:key>/", public_views.webform, name="webform"),
    path("web/<str:key>/thanks/", public_views.webform_thanks, name="webform_thanks"),
]
