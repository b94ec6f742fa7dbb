from django.urls import path

from .views import configuration, leads, pools, public

app_name = "leads"
urlpatterns = [
    path("", leads.lead_list, name="list"),
    path("new/", leads.lead_create, name="create"),
    path("assign/", leads.lead_bulk_assign, name="bulk_assign"),
    path("<int:pk>/", leads.lead_detail, name="detail"),
    path("<int:pk>/edit/", leads.lead_edit, name="edit"),
    path("<int:pk>/status/", leads.lead_status, name="status"),
    path("<int:pk>/assign/", leads.lead_assign, name="assign"),
    path("<int:pk>/convert/", leads.lead_convert, name="convert"),
    path("<int:pk>/followups/", leads.lead_followup, name="followup"),
    path("<int:pk>/delete/", leads.lead_delete, name="delete"),
    path("<int:pk>/claim/", pools.lead_claim, name="claim"),
    path("<int:pk>/return/", pools.lead_return, name="return"),
    path("pools/", pools.pool_list, name="pools"),
    path("pools/<int:pk>/", pools.pool_list, name="pool"),
    path("pools/<int:pk>/act/", pools.pool_act, name="pool_act"),
    path("settings/pools/", pools.pool_settings, name="pool_settings"),
    path("settings/pools/new/", pools.pool_edit, name="pool_create"),
    path("settings/pools/<int:pk>/", pools.pool_edit, name="pool_edit"),
    path("customer/<int:customer_pk>/", leads.customer_tab, name="customer_tab"),
    path("settings/forms/", configuration.form_list, name="forms"),
    path("settings/forms/new/", configuration.form_edit, name="form_create"),
    path("settings/forms/<int:pk>/", configuration.form_edit, name="form_edit"),
    path("settings/rules/", configuration.rule_list, name="rules"),
    path("settings/rules/new/", configuration.rule_edit, name="rule_create"),
    path("settings/rules/<int:pk>/", configuration.rule_edit, name="rule_edit"),
    # public: a visitor's web form and its thank-you page (no sign-in)
    path("web/<str:key>/", public.webform, name="webform"),
    path("web/<str:key>/thanks/", public.webform_thanks, name="webform_thanks"),
]
