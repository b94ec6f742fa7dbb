from django.urls import path

from . import views

app_name = "sales"

urlpatterns = [
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity"),
]
