from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/retain/", views.alert_retain, name="retain"),
    path("<int:pk>/recover/", views.alert_recover, name="recover"),
    path("<int:pk>/lost/", views.alert_lost, name="lost"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/train/", views.model_train, name="train"),
    path("settings/care/new/", views.care_rule_form, name="care_create"),
    path("settings/care/<int:pk>/", views.care_rule_form, name="care_edit"),
    path("settings/care/<int:pk>/delete/", views.care_rule_delete, name="care_delete"),
    path("customers/<int:customer_pk>/", views.customer_tab, name="customer_tab"),
]
