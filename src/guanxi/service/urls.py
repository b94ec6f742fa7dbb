from django.urls import path

from . import views

app_name = "service"
urlpatterns = [
    path("", views.ticket_queue, name="queue"),
    path("tickets/", views.ticket_list, name="list"),
    path("tickets/export/", views.ticket_export, name="export"),
    path("tickets/new/", views.ticket_create, name="create"),
    path("tickets/<int:pk>/", views.ticket_detail, name="detail"),
    path("tickets/<int:pk>/edit/", views.ticket_edit, name="edit"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="assign"),
    path("tickets/<int:pk>/start/", views.ticket_start, name="start"),
    path("tickets/<int:pk>/resolve/", views.ticket_resolve, name="resolve"),
    path("tickets/<int:pk>/feedback/", views.ticket_feedback, name="feedback"),
    path("tickets/<int:pk>/feedback-link/", views.ticket_feedback_link, name="feedback_link"),
    path("tickets/<int:pk>/archive/", views.ticket_archive, name="archive"),
    path("tickets/<int:pk>/reopen/", views.ticket_reopen, name="reopen"),
    path("tickets/<int:pk>/attachments/", views.ticket_attach, name="attach"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="reply"),
    path("tickets/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("customer/<int:customer_pk>/", views.customer_tab, name="customer_tab"),
    path("sla/", views.sla_settings, name="sla"),
    path("agents/", views.agent_list, name="agents"),
    path("agents/<int:pk>/skills/", views.agent_skills, name="agent_skills"),
    path("knowledge/", views.article_list, name="articles"),
    path("knowledge/new/", views.article_edit, name="article_create"),
    path("knowledge/<int:pk>/", views.article_detail, name="article"),
    path("knowledge/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("knowledge/categories/", views.category_list, name="categories"),
    # public: the customer's feedback link and the FAQ (no sign-in)
    path("feedback/<str:token>/", views.public_feedback, name="public_feedback"),
    path("faq/", views.public_faq, name="faq"),
    path("faq/<slug:unit>/", views.public_faq, name="unit_faq"),
]
