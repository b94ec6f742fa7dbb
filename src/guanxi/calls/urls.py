from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("pop/", views.pop, name="pop"),
    path("dial/", views.dial, name="dial"),
    path("settings/", views.call_settings, name="settings"),
    path("settings/extensions/", views.extension_save, name="extension_save"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/ticket/", views.ticket_from_call, name="ticket"),
    path("<int:pk>/lead/", views.lead_from_call, name="lead"),
]
