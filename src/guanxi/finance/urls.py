from django.urls import path

from . import views

app_name = "finance"

urlpatterns = [
    path("", views.receivable_report, name="receivables"),
    path("export/", views.receivable_export, name="receivables_export"),
    path("open/<str:kind>/<int:pk>/", views.receivable_open, name="open"),
    path("receivables/<int:pk>/", views.receivable_detail, name="receivable"),
    path("receivables/<int:pk>/plans/", views.plan_create, name="plan_create"),
    path("receivables/<int:pk>/plans/generate/", views.plans_generate, name="plans_generate"),
    path("receivables/<int:pk>/receipts/new/", views.receipt_create, name="receipt_create"),
    path("receivables/<int:pk>/invoices/new/", views.invoice_create, name="invoice_create"),
    path("plans/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
    path("receipts/", views.receipt_list, name="receipts"),
    path("receipts/<int:pk>/", views.receipt_detail, name="receipt"),
    path("receipts/<int:pk>/edit/", views.receipt_edit, name="receipt_edit"),
    path("receipts/<int:pk>/submit/", views.receipt_submit, name="receipt_submit"),
    path("receipts/<int:pk>/decide/", views.receipt_decide, name="receipt_decide"),
    path("receipts/<int:pk>/reverse/", views.receipt_reverse, name="receipt_reverse"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("deliveries/", views.delivery_list, name="deliveries"),
    path("deliveries/new/<int:order_pk>/", views.delivery_create, name="delivery_create"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:pk>/ship/", views.delivery_ship, name="delivery_ship"),
    path("deliveries/<int:pk>/receive/", views.delivery_receive, name="delivery_receive"),
    path("deliveries/<int:pk>/delete/", views.delivery_delete, name="delivery_delete"),
    path("of/<str:record_type>/<int:pk>/", views.money_panel, name="money_panel"),
    path("customers/<int:customer_pk>/", views.customer_tab, name="customer_tab"),
]
