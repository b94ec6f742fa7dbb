from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("followups/<int:pk>/", views.followup_detail, name="followup"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
]
