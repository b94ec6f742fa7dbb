"""Routes of the REST API v1; each app contributes its resources here."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from guanxi.activities import api as activity_api
from guanxi.activities.views import agenda as activity_views
from guanxi.analytics import api as analytics_api
from guanxi.calls import api as call_api
from guanxi.collab import api as collab_api
from guanxi.core.auditlog import api as audit_api
from guanxi.core.config import api as config_api
from guanxi.core.notifications import api as notification_api
from guanxi.customers import api as customer_api
from guanxi.customers.regions import api as region_api
from guanxi.expenses import api as expense_api
from guanxi.finance import api as finance_api
from guanxi.finance.credit import api as credit_api
from guanxi.integrations.mailboxes import api as mailbox_api
from guanxi.integrations.webhooks import api as webhook_api
from guanxi.io import api as io_api
from guanxi.leads import api as lead_api
from guanxi.marketing.campaigns import api as campaign_api
from guanxi.marketing.events import api as event_api
from guanxi.marketing.messages import api as message_api
from guanxi.org import api as org_api
from guanxi.pool import api as pool_api
from guanxi.portal import api as portal_api
from guanxi.retention import api as retention_api
from guanxi.sales import api as sales_api
from guanxi.sales.contracts import api as contract_api
from guanxi.sales.orders import api as order_api
from guanxi.sales.products import api as product_api
from guanxi.sales.quotes import api as quote_api
from guanxi.service import api as service_api
from guanxi.workflows import api as workflow_api

router = SimpleRouter(use_regex_path=False)
router.register("users", org_api.UserViewSet, basename="user")
router.register("departments", org_api.DepartmentViewSet, basename="department")
router.register("teams", org_api.TeamViewSet, basename="team")
router.register("roles", org_api.RoleViewSet, basename="role")
router.register("business-units", org_api.BusinessUnitViewSet, basename="business-unit")
router.register("online-sessions", org_api.OnlineSessionViewSet, basename="online-session")
router.register("notifications", notification_api.NotificationViewSet, basename="notification")
router.register("audit", audit_api.AuditViewSet, basename="audit")
router.register("customers", pool_api.PoolCustomerViewSet, basename="customer")
router.register("contacts", customer_api.ContactViewSet, basename="contact")
router.register("conflicts", pool_api.ConflictViewSet, basename="conflict")
router.register("pools", pool_api.PoolViewSet, basename="pool")
router.register("holding-limits", pool_api.HoldingLimitViewSet, basename="holding-limit")
router.register("view-limits", pool_api.ViewLimitViewSet, basename="view-limit")
router.register("regions", region_api.RegionViewSet, basename="region")
router.register("pipelines", sales_api.PipelineViewSet, basename="pipeline")
router.register("opportunities", sales_api.OpportunityViewSet, basename="opportunity")
router.register("competitors", sales_api.CompetitorViewSet, basename="competitor")
router.register("products", product_api.ProductViewSet, basename="product")
router.register("product-categories", product_api.ProductCategoryViewSet, basename="product-category")
router.register("quotes", quote_api.QuoteViewSet, basename="quote")
router.register("contracts", contract_api.ContractViewSet, basename="contract")
router.register("orders", order_api.OrderViewSet, basename="order")
router.register("followups", activity_api.FollowUpViewSet, basename="followup")
router.register("plans", activity_api.PlanViewSet, basename="plan")
router.register("plan-templates", activity_api.PlanTemplateViewSet, basename="plan-template")
router.register("leads", lead_api.LeadViewSet, basename="lead")
router.register("lead-forms", lead_api.LeadFormViewSet, basename="lead-form")
router.register("lead-pools", lead_api.LeadPoolViewSet, basename="lead-pool")
router.register("approval-flows", workflow_api.ApprovalFlowViewSet, basename="approval-flow")
router.register("approvals", workflow_api.ApprovalViewSet, basename="approval")
router.register("tickets", service_api.TicketViewSet, basename="ticket")
router.register("articles", service_api.ArticleViewSet, basename="article")
router.register("article-categories", service_api.ArticleCategoryViewSet, basename="article-category")
router.register("announcements", collab_api.AnnouncementViewSet, basename="announcement")
router.register("document-folders", collab_api.FolderViewSet, basename="document-folder")
router.register("documents", collab_api.DocumentViewSet, basename="document")
router.register("scripts", collab_api.ScriptViewSet, basename="script")
router.register("expenses", expense_api.ExpenseViewSet, basename="expense")
router.register("campaigns", campaign_api.CampaignViewSet, basename="campaign")
router.register("message-templates", message_api.TemplateViewSet, basename="message-template")
router.register("messages", message_api.MessageViewSet, basename="message")
router.register("opt-outs", message_api.OptOutViewSet, basename="opt-out")
router.register("events", event_api.EventViewSet, basename="event")
router.register("registrations", event_api.RegistrationViewSet, basename="registration")
router.register("payment-plans", finance_api.PaymentPlanViewSet, basename="payment-plan")
router.register("receipts", finance_api.ReceiptViewSet, basename="receipt")
router.register("invoices", finance_api.InvoiceViewSet, basename="invoice")
router.register("deliveries", finance_api.DeliveryViewSet, basename="delivery")
router.register("receivables", finance_api.ReceivableViewSet, basename="receivable")
router.register("credit-overrides", credit_api.CreditOverrideViewSet, basename="credit-override")
router.register("churn-alerts", retention_api.ChurnAlertViewSet, basename="churn-alert")
router.register("care-rules", retention_api.CareRuleViewSet, basename="care-rule")
router.register("service-agents", service_api.AgentViewSet, basename="service-agent")
router.register("imports", io_api.ImportViewSet, basename="import")
router.register("exports", io_api.ExportViewSet, basename="export")
router.register("webhooks", webhook_api.WebhookViewSet, basename="webhook")
router.register("mailboxes", mailbox_api.MailboxViewSet, basename="mailbox")
router.register("emails", mailbox_api.EmailViewSet, basename="email")
router.register("targets", analytics_api.TargetViewSet, basename="target")
# The partner portal: a channel partner's people reach only these (guanxi.core.boundary)
router.register("portal/customers", portal_api.PortalCustomerViewSet, basename="portal-customer")
router.register("portal/leads", portal_api.PortalLeadViewSet, basename="portal-lead")
router.register("portal/tickets", portal_api.PortalTicketViewSet, basename="portal-ticket")
router.register("portal/registrations", portal_api.PortalRegistrationViewSet, basename="portal-registration")
router.register("calls", call_api.CallViewSet, basename="call")
router.register("extensions", call_api.ExtensionViewSet, basename="extension")

_items = config_api.DictionaryItemViewSet
_fields = config_api.CustomFieldViewSet

urlpatterns = [
    path("auth/token/", org_api.TokenView.as_view(), name="api-token"),
    path("me/", org_api.MeView.as_view(), name="api-me"),
    path("phone-lookup/", call_api.PhoneLookupView.as_view(), name="api-phone-lookup"),
    path("calendar.ics", activity_views.calendar_feed, name="api-calendar-feed"),
    path("contacts/vcf/", io_api.ContactsVcfView.as_view(), name="api-contacts-vcf"),  # before contacts/<pk>/
    *router.urls,
    # Configuration (SPEC §14.1–14.3)
    path("dictionary/", config_api.DictionaryTypeViewSet.as_view({"get": "list"}), name="api-dictionary"),
    path(
        "dictionary/<slug:type>/",
        _items.as_view({"get": "list", "post": "create"}),
        name="api-dictionary-items",
    ),
    path(
        "dictionary/<slug:type>/reorder/",
        _items.as_view({"post": "reorder"}),
        name="api-dictionary-reorder",
    ),
    path(
        "dictionary/<slug:type>/<slug:code>/",
        _items.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}),
        name="api-dictionary-item",
    ),
    path("parameters/", config_api.ParametersView.as_view(), name="api-parameters"),
    path("reports/", analytics_api.ReportListView.as_view(), name="api-reports"),
    path("reports/<slug:name>/", analytics_api.ReportView.as_view(), name="api-report"),
    path("dashboards/", analytics_api.DashboardView.as_view(), name="api-dashboards"),
    path("custom-fields/", _fields.as_view({"get": "list", "post": "create"}), name="api-custom-fields"),
    path(
        "custom-fields/<int:pk>/",
        _fields.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}),
        name="api-custom-field",
    ),
]
