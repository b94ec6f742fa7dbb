from django.urls import path

from .mailboxes import views as mail
from .webhooks import views as hooks

app_name = "integrations"

urlpatterns = [
    path("webhooks/", hooks.webhook_list, name="webhooks"),
    path("webhooks/new/", hooks.webhook_create, name="webhook_create"),
    path("webhooks/<int:pk>/", hooks.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/edit/", hooks.webhook_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/test/", hooks.webhook_test, name="webhook_test"),
    path("webhooks/<int:pk>/secret/", hooks.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:pk>/delete/", hooks.webhook_delete, name="webhook_delete"),
    path("webhooks/deliveries/<int:pk>/redeliver/", hooks.delivery_redeliver, name="redeliver"),
    path("mailbox/", mail.mailbox_page, name="mailbox"),
    path("mailbox/test/", mail.mailbox_test, name="mailbox_test"),
    path("mailbox/sync/", mail.mailbox_sync, name="mailbox_sync"),
    path("mailbox/disconnect/", mail.mailbox_disconnect, name="mailbox_disconnect"),
    path("mailbox/templates/", mail.template_create, name="template_create"),
    path("mailbox/templates/<int:pk>/delete/", mail.template_delete, name="template_delete"),
    path("mail/<int:pk>/", mail.email_detail, name="email"),
    path("mail/new/", mail.compose, name="compose"),
    path("mail/attachments/<int:pk>/", mail.attachment, name="attachment"),
    path("customers/<int:customer_pk>/mail/", mail.customer_tab, name="customer_tab"),
]
