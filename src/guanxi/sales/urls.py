from django.urls import path

from .contracts import views as contract_views
from .orders import views as order_views
from .partners import views as partner_views
from .products import views as product_views
from .quotes import views as quote_views
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
    path("products/", product_views.product_list, name="products"),
    path("products/new/", product_views.product_form, name="product_create"),
    path("products/picker/", product_views.product_picker, name="product_picker"),
    path("products/categories/", product_views.category_list, name="product_categories"),
    path("products/<int:pk>/", product_views.product_form, name="product"),
    path("quotes/", quote_views.quote_list, name="quotes"),
    path("quotes/new/", quote_views.quote_create, name="quote_create"),
    path("quotes/<int:pk>/", quote_views.quote_detail, name="quote"),
    path("quotes/<int:pk>/edit/", quote_views.quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/print/", quote_views.quote_print, name="quote_print"),
    path("quotes/<int:pk>/pdf/", quote_views.quote_pdf, name="quote_pdf"),
    path("quotes/<int:pk>/<slug:name>/", quote_views.quote_action, name="quote_action"),
    path("customers/<int:pk>/quotes/", quote_views.customer_quotes, name="customer_quotes"),
    path("contracts/", contract_views.contract_list, name="contracts"),
    path("contracts/new/", contract_views.contract_create, name="contract_create"),
    path("contracts/export/", contract_views.contract_export, name="contract_export"),
    path("contracts/<int:pk>/", contract_views.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", contract_views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/attachments/", contract_views.contract_attach, name="contract_attach"),
    path("contracts/attachments/<int:pk>/", contract_views.attachment_download, name="contract_attachment"),
    path("contracts/<int:pk>/<slug:name>/", contract_views.contract_action, name="contract_action"),
    path("customers/<int:pk>/contracts/", contract_views.customer_contracts, name="customer_contracts"),
    path("orders/", order_views.order_list, name="orders"),
    path("orders/new/", order_views.order_create, name="order_create"),
    path("orders/export/", order_views.order_export, name="order_export"),
    path("orders/<int:pk>/", order_views.order_detail, name="order"),
    path("orders/<int:pk>/<slug:name>/", order_views.order_action, name="order_action"),
    path("customers/<int:pk>/orders/", order_views.customer_orders, name="customer_orders"),
    path("customers/<int:pk>/partner/", partner_views.customer_partner, name="customer_partner"),
    path("customers/<int:pk>/partner/list/", partner_views.customer_partner_section, name="customer_partner_section"),
]
