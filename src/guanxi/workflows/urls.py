from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.approval_detail, name="approval"),
    path("flows/", views.flow_list, name="flows"),
    path("flows/<str:record_type>/", views.flow_edit, name="flow_edit"),
]
