from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("regions/options/", views.region_options, name="options"),
]
