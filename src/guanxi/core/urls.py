from django.urls import path

from . import views
from .auditlog import views as audit_views
from .notifications import views as notification_views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/menu/", notification_views.notification_menu, name="notification_menu"),
    path("notifications/read-all/", notification_views.notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/settings/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path("notifications/<int:pk>/open/", notification_views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", notification_views.notification_read, name="notification_read"),
    path("audit/", audit_views.audit_list, name="audit"),
    path("history/<str:object_type>/<str:object_id>/", audit_views.history, name="record_history"),
]
