from django.urls import path

from .campaigns import views as campaigns
from .events import views as events
from .messages import views as messages

app_name = "marketing"

urlpatterns = [
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/launch/", campaigns.campaign_launch, name="campaign_launch"),
    path("campaigns/<int:pk>/status/", campaigns.campaign_status, name="campaign_status"),
    path("campaigns/<int:pk>/delete/", campaigns.campaign_delete, name="campaign_delete"),
    path("campaigns/<int:pk>/costs/", campaigns.cost_add, name="cost_add"),
    path("costs/<int:pk>/delete/", campaigns.cost_delete, name="cost_delete"),
    path("campaigns/<int:pk>/audience/", campaigns.source_add, name="source_add"),
    path("audience/<int:pk>/delete/", campaigns.source_remove, name="source_remove"),
    path("campaigns/<int:pk>/members/", campaigns.members_add, name="members_add"),
    path("campaigns/<int:pk>/members/find/", campaigns.members_find, name="members_find"),
    path("campaigns/<int:pk>/members/pick/", campaigns.members_pick, name="members_pick"),
    path("members/<int:pk>/delete/", campaigns.member_remove, name="member_remove"),
    path("campaigns/<int:pk>/send/", messages.message_send, name="message_send"),
    path("templates/", messages.template_list, name="templates"),
    path("templates/new/", messages.template_create, name="template_create"),
    path("templates/<int:pk>/", messages.template_detail, name="template"),
    path("templates/<int:pk>/edit/", messages.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", messages.template_delete, name="template_delete"),
    path("messages/<int:pk>/", messages.message_detail, name="message"),
    path("messages/<int:pk>/progress/", messages.message_progress, name="message_progress"),
    path("opt-outs/", messages.opt_out_list, name="opt_outs"),
    path("opt-outs/<int:pk>/delete/", messages.opt_out_delete, name="opt_out_delete"),
    path("sms-provider/", messages.gateway_settings, name="gateway"),
    path("customers/<int:customer_pk>/", messages.customer_tab, name="customer_tab"),
    path("do-not-contact/<str:kind>/<int:pk>/", messages.do_not_contact, name="do_not_contact"),
    path("campaigns/<int:pk>/events/new/", events.event_create, name="event_create"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path("events/<int:pk>/edit/", events.event_edit, name="event_edit"),
    path("events/<int:pk>/registrations/", events.registration_add, name="registration_add"),
    path("registrations/<int:pk>/qr.svg", events.registration_qr, name="registration_qr"),
    path("check-in/", events.check_in, name="check_in"),
    # public: unguessable tokens
    path("e/<str:key>/", events.register, name="register"),
    path("e/<str:key>/r/<str:code>/", events.registered, name="registered"),
    path("m/o/<str:token>.gif", messages.opened, name="opened"),
    path("m/c/<str:signed>/", messages.click, name="click"),
    path("m/u/<str:token>/", messages.unsubscribe, name="unsubscribe"),
    path("sms/inbound/<str:token>/", messages.sms_inbound, name="sms_inbound"),
    path("sms/report/<str:token>/", messages.sms_report, name="sms_report"),
    path("mail/bounces/<str:token>/", messages.mail_bounce, name="mail_bounce"),
]
