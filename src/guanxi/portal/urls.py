from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    # the partners' portal
    path("portal/", views.home, name="home"),
    path("portal/login/", views.PortalLoginView.as_view(), name="login"),
    path("portal/logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("portal/invitation/<str:token>/", views.accept, name="accept"),
    path("portal/password/", views.password, name="password"),
    path("portal/registrations/", views.registration_list, name="registrations"),
    path("portal/registrations/customer/", views.register_customer, name="register_customer"),
    path("portal/registrations/lead/", views.register_lead, name="register_lead"),
    path("portal/customers/", views.customer_list, name="customers"),
    path("portal/customers/<int:pk>/", views.customer_detail, name="customer"),
    path("portal/leads/", views.lead_list, name="leads"),
    path("portal/orders/", views.order_list, name="orders"),
    path("portal/deliveries/", views.delivery_list, name="deliveries"),
    path("portal/tickets/", views.ticket_list, name="tickets"),
    path("portal/tickets/new/", views.ticket_new, name="ticket_new"),
    path("portal/tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("portal/tickets/<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    # the company's own people: the Portal tab of a channel partner's 360 page
    path("customers/<int:pk>/portal/", views.partner_tab, name="partner_tab"),
    path("customers/<int:pk>/portal/invite/", views.invite, name="invite"),
    path("customers/portal-invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("customers/portal-users/<int:pk>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("customers/portal-users/<int:pk>/reactivate/", views.member_reactivate, name="member_reactivate"),
]
