"""Every write on money (SPEC §8), by workflow; callers write ``services.receipt_submit`` and so on."""

from . import common
from .common import OverInvoice, OverReceipt, receivable_open
from .deliveries import delivery_create, delivery_delete, delivery_receive, delivery_ship, remaining
from .invoices import billing_of, invoice_issue, invoice_request, invoice_void, tax_number_problem
from .plans import plan_create, plan_delete, plan_status, plan_update, plans_generate, split_amount, terms_split
from .receipts import (
    RECEIPT_APPROVAL,
    allocate,
    receipt_create,
    receipt_decide,
    receipt_reverse,
    receipt_submit,
    receipt_update,
    receipt_withdraw,
)

__all__ = [
    "RECEIPT_APPROVAL",
    "OverInvoice",
    "OverReceipt",
    "allocate",
    "billing_of",
    "common",
    "delivery_create",
    "delivery_delete",
    "delivery_receive",
    "delivery_ship",
    "invoice_issue",
    "invoice_request",
    "invoice_void",
    "plan_create",
    "plan_delete",
    "plan_status",
    "plan_update",
    "plans_generate",
    "receipt_create",
    "receipt_decide",
    "receipt_reverse",
    "receipt_submit",
    "receipt_update",
    "receipt_withdraw",
    "receivable_open",
    "remaining",
    "split_amount",
    "tax_number_problem",
    "terms_split",
]  # fmt: skip


def register() -> None:
    from . import deliveries, invoices, receipts

    receipts.register()
    invoices.register()
    deliveries.register()
