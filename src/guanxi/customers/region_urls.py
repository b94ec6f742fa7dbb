from django.urls import path

from . import region_views

app_name = "regions"
urlpatterns = [
    path("regions/options/", region_views.region_options, name="options"),
]
