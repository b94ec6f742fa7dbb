from django.urls import path

from . import views
from .auditlog import views as audit_views
from .config import views as config
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
    # System settings (SPEC §14.1–14.3)
    path("settings/dictionary/", config.dictionary_list, name="dictionary"),
    path("settings/dictionary/<slug:code>/", config.dictionary_type, name="dictionary_type"),
    path(
        "settings/dictionary/<slug:code>/rename/",
        config.dictionary_type_rename,
        name="dictionary_type_rename",
    ),
    path("settings/dictionary/<slug:code>/reorder/", config.dictionary_reorder, name="dictionary_reorder"),
    path("settings/dictionary/<slug:code>/<int:pk>/", config.dictionary_item_edit, name="dictionary_item"),
    path(
        "settings/dictionary/<slug:code>/<int:pk>/move/",
        config.dictionary_item_move,
        name="dictionary_item_move",
    ),
    path(
        "settings/dictionary/<slug:code>/<int:pk>/toggle/",
        config.dictionary_item_toggle,
        name="dictionary_item_toggle",
    ),
    path(
        "settings/dictionary/<slug:code>/<int:pk>/delete/",
        config.dictionary_item_delete,
        name="dictionary_item_delete",
    ),
    path("settings/parameters/", config.parameters_page, name="parameters"),
    path("settings/custom-fields/", config.custom_field_types, name="custom_field_types"),
    path("settings/custom-fields/<str:model>/", config.custom_field_list, name="custom_fields"),
    path("settings/custom-fields/field/<int:pk>/", config.custom_field_edit, name="custom_field"),
    path("settings/custom-fields/field/<int:pk>/move/", config.custom_field_move, name="custom_field_move"),
    path(
        "settings/custom-fields/field/<int:pk>/toggle/",
        config.custom_field_toggle,
        name="custom_field_toggle",
    ),
    path(
        "settings/custom-fields/field/<int:pk>/delete/",
        config.custom_field_delete,
        name="custom_field_delete",
    ),
]
