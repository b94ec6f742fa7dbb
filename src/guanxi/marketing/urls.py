from django.urls import path

from .campaigns import views as campaigns

app_name = "marketing"

urlpatterns = [
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/launch/", campaigns.campaign_launch, name="campaign_launch"),
    path("campaigns/<int:pk>/status/", campaigns.campaign_status, name="campaign_status"),
    path("campaigns/<int:pk>/delete/", campaigns.campaign_delete, name="campaign_delete"),
    path("campaigns/<int:pk>/costs/", campaigns.cost_add, name="cost_add"),
    path("costs/<int:pk>/delete/", campaigns.cost_delete, name="cost_delete"),
    path("campaigns/<int:pk>/audience/", campaigns.source_add, name="source_add"),
    path("audience/<int:pk>/delete/", campaigns.source_remove, name="source_remove"),
    path("campaigns/<int:pk>/members/", campaigns.members_add, name="members_add"),
    path("members/<int:pk>/delete/", campaigns.member_remove, name="member_remove"),
]
