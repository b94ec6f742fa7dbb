from django.urls import path

from .views import configuration, opportunities

app_name = "sales"

urlpatterns = [
    path("board/", opportunities.board, name="board"),
    path("board/columns/<int:stage_pk>/", opportunities.board_column, name="board_column"),
    path("opportunities/", opportunities.opportunity_list, name="list"),
    path("opportunities/new/", opportunities.opportunity_create, name="create"),
    path("opportunities/export/", opportunities.opportunity_export, name="export"),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity"),
    path("opportunities/<int:pk>/edit/", opportunities.opportunity_edit, name="edit"),
    path("opportunities/<int:pk>/move/", opportunities.opportunity_move, name="move"),
    path("opportunities/<int:pk>/win/", opportunities.opportunity_win, name="win"),
    path("opportunities/<int:pk>/lose/", opportunities.opportunity_lose, name="lose"),
    path("opportunities/<int:pk>/reopen/", opportunities.opportunity_reopen, name="reopen"),
    path("opportunities/<int:pk>/decide/", opportunities.opportunity_decide, name="decide"),
    path("opportunities/<int:pk>/delete/", opportunities.opportunity_delete, name="delete"),
    path("customers/<int:pk>/opportunities/", opportunities.customer_opportunities, name="customer_opportunities"),
    path("forecast/", opportunities.forecast, name="forecast"),
    path("competitors/", configuration.competitor_list, name="competitors"),
    path("competitors/new/", configuration.competitor_form, name="competitor_create"),
    path("competitors/<int:pk>/", configuration.competitor_detail, name="competitor"),
    path("competitors/<int:pk>/edit/", configuration.competitor_form, name="competitor_edit"),
    path("pipelines/", configuration.pipeline_list, name="pipelines"),
    path("pipelines/new/", configuration.pipeline_form, name="pipeline_create"),
    path("pipelines/<int:pk>/", configuration.pipeline_form, name="pipeline_edit"),
]
