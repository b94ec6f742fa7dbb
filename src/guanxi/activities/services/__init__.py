"""Every write on follow-ups and plans (SPEC §4.1–4.3): one transaction each, permission and scope first,
full validation, audit; the customer's last and next follow-up times kept in step."""

from .customer_changes import (
    customer_plans_close,
    customer_plans_reassign,
    customers_plans_close,
    followups_move_on_merge,
    plans_move_on_merge,
    register,
    related_attach_customer,
)
from .followups import (
    CLOCK_SLACK,
    FOLLOWUP_FIELDS,
    Location,
    followup_attach,
    followup_comment_add,
    followup_create,
    followup_delete,
    followup_record,
)
from .plans import (
    PLAN_FIELDS,
    customer_next_followup_sync,
    open_plans_of,
    opportunity_followup_within,
    plan_cancel,
    plan_complete,
    plan_create,
    plan_ensure_open,
    plan_insert,
    plan_reschedule,
)
from .subjects import (
    related_filter,
)

__all__ = [
    "CLOCK_SLACK",
    "FOLLOWUP_FIELDS",
    "PLAN_FIELDS",
    "Location",
    "customer_next_followup_sync",
    "customer_plans_close",
    "customer_plans_reassign",
    "customers_plans_close",
    "followup_attach",
    "followup_comment_add",
    "followup_create",
    "followup_delete",
    "followup_record",
    "followups_move_on_merge",
    "open_plans_of",
    "opportunity_followup_within",
    "plan_cancel",
    "plan_complete",
    "plan_create",
    "plan_ensure_open",
    "plan_insert",
    "plan_reschedule",
    "plans_move_on_merge",
    "register",
    "related_attach_customer",
    "related_filter",
]
