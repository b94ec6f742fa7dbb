from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from guanxi.core import views as core_views

urlpatterns = [
    path("", include("guanxi.core.urls")),
    path("", include("guanxi.org.urls")),
    path("customers/", include("guanxi.customers.urls")),
    path("customers/", include("guanxi.pool.urls")),
    path("sales/", include("guanxi.sales.urls")),
    path("activities/", include("guanxi.activities.urls")),
    path("leads/", include("guanxi.leads.urls")),
    path("approvals/", include("guanxi.workflows.urls")),
    path("service/", include("guanxi.service.urls")),
    path("finance/", include("guanxi.finance.urls")),
    path("", include("guanxi.collab.urls")),
    path("expenses/", include("guanxi.expenses.urls")),
    path("retention/", include("guanxi.retention.urls")),
    path("calls/", include("guanxi.calls.urls")),
    path("marketing/", include("guanxi.marketing.urls")),
    path("io/", include("guanxi.io.urls")),
    path("integrations/", include("guanxi.integrations.urls")),
    path("reports/", include("guanxi.analytics.urls")),
    path("", include("guanxi.portal.urls")),  # /portal/ for channel partners; the Portal tab of a partner's page
    path("", include("guanxi.customers.regions.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", include("guanxi.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
handler404 = core_views.page_not_found
handler500 = core_views.server_error

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
