from django.urls import path

from . import agenda_views, views

app_name = "activities"

urlpatterns = [
    path("agenda/", agenda_views.agenda, name="agenda"),
    path("calendar/", agenda_views.calendar_view, name="calendar"),
    path("calendar/feed/", agenda_views.feed_settings, name="feed"),
    path("reminders/", agenda_views.reminder_settings, name="reminders"),
    path("compliance/", agenda_views.compliance, name="compliance"),
    path("overdue-for-level/", agenda_views.overdue_for_level, name="overdue_for_level"),
    path("templates/", agenda_views.template_list, name="templates"),
    path("templates/new/", agenda_views.template_form, name="template_create"),
    path("templates/<int:pk>/", agenda_views.template_form, name="template_edit"),
    path("templates/<int:pk>/delete/", agenda_views.template_delete, name="template_delete"),
    path("customers/<int:pk>/followups/", views.customer_followups, name="customer_followups"),
    path("customers/<int:pk>/apply-template/", views.template_apply, name="template_apply"),
    path("related/<str:reference>/followups/", views.related_followups, name="related_followups"),
    path("followups/new/", views.followup_create, name="followup_create"),
    path("followups/<int:pk>/", views.followup_detail, name="followup"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/complete/", views.plan_complete, name="plan_complete"),
    path("plans/<int:pk>/reschedule/", views.plan_reschedule, name="plan_reschedule"),
    path("plans/<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
]
