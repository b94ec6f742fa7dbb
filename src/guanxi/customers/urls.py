from django.urls import path

from . import views
from .lists import views as lists

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("picker/", views.customer_picker, name="picker"),
    path("export/", views.customer_export, name="export"),
    path("bulk/", lists.customer_bulk, name="bulk"),
    path("columns/", lists.list_columns, name="columns"),
    path("filters/", lists.saved_filter_create, name="filter_save"),
    path("filters/<int:pk>/delete/", lists.saved_filter_delete, name="filter_delete"),
    path("deleted/", lists.deleted_list, name="deleted"),
    path("<int:pk>/restore/", lists.customer_restore, name="restore"),
    path("<int:pk>/star/", lists.customer_star, name="star"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/delete/", views.customer_delete, name="delete"),
    path("<int:pk>/transfer/", views.customer_transfer, name="transfer"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/share/", views.customer_share, name="share"),
    path("<int:pk>/share/<int:user_pk>/remove/", views.customer_unshare, name="unshare"),
    path("<int:pk>/reveal/", views.customer_reveal, name="reveal"),
    path("<int:pk>/contacts/new/", views.contact_form, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_form, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_pk>/delete/", views.contact_delete, name="contact_delete"),
    path("<int:pk>/contacts/<int:contact_pk>/move/", views.contact_move, name="contact_move"),
]
