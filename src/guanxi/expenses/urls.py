from django.urls import path

from . import views

app_name = "expenses"

urlpatterns = [
    path("", views.expense_list, name="list"),
    path("new/", views.expense_create, name="create"),
    path("<int:pk>/", views.expense_detail, name="detail"),
    path("<int:pk>/edit/", views.expense_edit, name="edit"),
    path("<int:pk>/submit/", views.expense_submit, name="submit"),
    path("<int:pk>/withdraw/", views.expense_withdraw, name="withdraw"),
    path("<int:pk>/pay/", views.expense_pay, name="pay"),
    path("<int:pk>/delete/", views.expense_delete, name="delete"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("customers/<int:customer_pk>/", views.customer_tab, name="customer_tab"),
    path("of/<str:record_type>/<int:pk>/", views.opportunity_panel, name="opportunity_panel"),
]
