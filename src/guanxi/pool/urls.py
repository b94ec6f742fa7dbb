from django.urls import path

from . import views

# Mounted under /customers/ like before the pool had an app of its own, so every address stays the same.
app_name = "pool"
urlpatterns = [
    path("pool/", views.pool_list, name="pool"),
    path("pool/claim/", views.pool_claim_many, name="pool_claim_many"),
    path("pool/move/", views.pool_move, name="pool_move"),
    path("pool/settings/", views.pool_settings, name="pool_settings"),
    path("pool/settings/new/", views.pool_edit, name="pool_create"),
    path("pool/settings/<int:pk>/", views.pool_edit, name="pool_edit"),
    path("pool/limits/", views.holding_limit_edit, name="holding_limit"),
    path("pool/limits/<int:pk>/delete/", views.holding_limit_delete, name="holding_limit_delete"),
    path("pool/view-limits/", views.view_limit_edit, name="view_limit"),
    path("pool/line-rules/", views.line_rule_edit, name="line_rule"),
    path("pool/view-limits/<int:pk>/delete/", views.view_limit_delete, name="view_limit_delete"),
    path("conflicts/", views.conflict_inbox, name="conflicts"),
    path("conflicts/<int:pk>/", views.conflict_detail, name="conflict"),
    path("conflicts/<int:pk>/withdraw/", views.conflict_withdraw, name="conflict_withdraw"),
    path("conflicts/<int:pk>/evidence/", views.conflict_evidence_add, name="conflict_evidence"),
    path("<int:pk>/claim/", views.pool_claim, name="claim"),
    path("<int:pk>/assign/", views.pool_assign, name="assign"),
    path("<int:pk>/return/", views.customer_return, name="return"),
    path("<int:pk>/lock/", views.customer_lock, name="lock"),
]
