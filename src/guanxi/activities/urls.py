from django.urls import path

from .views import agenda, records

app_name = "activities"

urlpatterns = [
    path("agenda/", agenda.agenda, name="agenda"),
    path("calendar/", agenda.calendar_view, name="calendar"),
    path("calendar/feed/", agenda.feed_settings, name="feed"),
    path("reminders/", agenda.reminder_settings, name="reminders"),
    path("compliance/", agenda.compliance, name="compliance"),
    path("overdue-for-level/", agenda.overdue_for_level, name="overdue_for_level"),
    path("templates/", agenda.template_list, name="templates"),
    path("templates/new/", agenda.template_form, name="template_create"),
    path("templates/<int:pk>/", agenda.template_form, name="template_edit"),
    path("templates/<int:pk>/delete/", agenda.template_delete, name="template_delete"),
    path("customers/<int:pk>/followups/", records.customer_followups, name="customer_followups"),
    path("customers/<int:pk>/apply-template/", records.template_apply, name="template_apply"),
    path("related/<str:reference>/followups/", records.related_followups, name="related_followups"),
    path("followups/new/", records.followup_create, name="followup_create"),
    path("followups/<int:pk>/", records.followup_detail, name="followup"),
    path("attachments/<int:pk>/", records.attachment_download, name="attachment"),
    path("plans/new/", records.plan_create, name="plan_create"),
    path("plans/<int:pk>/", records.plan_detail, name="plan"),
    path("plans/<int:pk>/complete/", records.plan_complete, name="plan_complete"),
    path("plans/<int:pk>/reschedule/", records.plan_reschedule, name="plan_reschedule"),
    path("plans/<int:pk>/cancel/", records.plan_cancel, name="plan_cancel"),
]
