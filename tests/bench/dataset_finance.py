"""Money for the benchmark (SPEC §8): a receivable for every signed, running or completed contract, five
instalments each (a million at 200,000 contracts) spread from the signing over a year, the ones already due
mostly received (a receipt and its allocation each: about 800,000) and the rest overdue or pending, and an
invoice for each received instalment in two (about 300,000). Built by INSERT … SELECT in the database."""

from __future__ import annotations

import time

from django.db import connection, transaction

from guanxi.finance.models import Receivable

from .dataset import Out, vacuum_swept

STEPS = [
    # receivables: one per contract that takes money
    """INSERT INTO finance_receivable (business_unit_id, customer_id, owner_id, contract_id, order_id, number,
           owed_from, amount, planned, invoiced, received, created_at, updated_at)
       SELECT business_unit_id, customer_id, owner_id, id, NULL, number, coalesce(signed_on, start_on), amount, amount,
              0, 0, now(), now()
       FROM sales_contract WHERE status IN ('signed', 'in_progress', 'completed') AND deleted_at IS NULL""",
    # five instalments, every 73 days from the signing
    """INSERT INTO finance_paymentplan (receivable_id, owner_id, owed_from, number, due_on, amount, received, status,
           note, overdue_at, reminded_at, version, created_at, updated_at)
       SELECT r.id, r.owner_id, r.owed_from, k, r.owed_from + (k - 1) * 73, r.amount / 5, 0, 'pending',
              '', NULL, NULL, 1, now(), now()
       FROM finance_receivable r, generate_series(1, 5) AS k""",
    # what is due is received, but for one instalment in five (overdue, unmarked: the sweep has work)
    """UPDATE finance_paymentplan SET received = amount, status = 'received'
       WHERE due_on < current_date AND mod(id, 5) <> 0""",
    """INSERT INTO finance_receipt (created_at, updated_at, created_by_id, version, deleted_at, custom, number,
           business_unit_id, receivable_id, customer_id, owner_id, received_on, amount, method, account, payer,
           reference, note, chosen_plans, status, submitted_at, decided_at, reversed_at, reverse_reason)
       SELECT p.due_on + time '10:00', p.due_on + time '14:00', r.owner_id, 1, NULL, '{}',
              'HKB' || lpad(p.id::text, 10, '0'),
              r.business_unit_id, r.id, r.customer_id, r.owner_id, p.due_on, p.amount, 'transfer', '', '', '', '',
              ('[' || p.id || ']')::jsonb, 'approved', p.due_on + time '10:00', p.due_on + time '14:00', NULL, ''
       FROM finance_paymentplan p JOIN finance_receivable r ON r.id = p.receivable_id WHERE p.status = 'received'""",
    """INSERT INTO finance_allocation (receipt_id, plan_id, amount, owner_id, received_on, due_on, owed_from,
           released_at)
       SELECT r.id, p.id, r.amount, r.owner_id, r.received_on, p.due_on, p.owed_from, NULL
       FROM finance_receipt r JOIN finance_paymentplan p ON p.id = (r.chosen_plans->>0)::bigint""",
    """UPDATE finance_receivable r SET received = s.total
       FROM (SELECT receivable_id, sum(amount) AS total FROM finance_receipt GROUP BY receivable_id) s
       WHERE s.receivable_id = r.id""",
    """INSERT INTO finance_invoice (created_at, updated_at, created_by_id, version, deleted_at, custom, number,
           invoice_number, business_unit_id, receivable_id, customer_id, kind, title, tax_number, address_phone,
           bank_account, amount, issued_on, status, note, void_reason)
       SELECT created_at, updated_at, created_by_id, 1, NULL, '{}', 'KPB' || lpad(id::text, 10, '0'), id::text,
              business_unit_id, receivable_id, customer_id, 'normal', '客户', '', '', '', amount, received_on,
              'issued', '', ''
       FROM finance_receipt WHERE mod(id, 8) < 3""",
    """UPDATE finance_receivable r SET invoiced = s.total
       FROM (SELECT receivable_id, sum(amount) AS total FROM finance_invoice GROUP BY receivable_id) s
       WHERE s.receivable_id = r.id""",
    "ANALYZE finance_receivable",
    "ANALYZE finance_paymentplan",
    "ANALYZE finance_receipt",
    "ANALYZE finance_allocation",
    "ANALYZE finance_invoice",
]


def prepare(out: Out) -> None:
    from .dataset_contracts import prepare as contracts

    contracts(out)
    if Receivable.objects.exists():
        vacuum_after_earlier_runs(out)
        return
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for step in STEPS:
            cursor.execute(step)
        cursor.execute("SELECT (SELECT count(*) FROM finance_paymentplan), (SELECT count(*) FROM finance_receipt), "
                       "(SELECT count(*) FROM finance_invoice)")  # fmt: skip
        plans, receipts, invoices = cursor.fetchone()
    out(f"money: {plans} plans, {receipts} receipts, {invoices} invoices in {time.monotonic() - started:.0f} s")


SWEPT_TABLES = [
    "finance_paymentplan", "finance_receivable", "finance_receipt", "finance_allocation", "finance_invoice",
    "core_notification",
]  # fmt: skip
REWRITTEN_TABLES = {"finance_paymentplan"}  # the overdue sweep rewrites every unpaid instalment past its date


def vacuum_after_earlier_runs(out: Out) -> None:
    """The load's updates (the received instalments, the roll-ups) and the sweep and approval cases, rolled
    back so that every run finds the same work, leave dead row versions behind, and nothing vacuums them on
    the benchmark server: the tables were twice their size and never had their visibility map set. Vacuum
    the tables with many dead rows (and rebuild the indexes of the one the sweep rewrites), as a live
    system's autovacuum would, so every run measures the dataset as loaded."""
    vacuum_swept(out, "money", SWEPT_TABLES, REWRITTEN_TABLES, unvacuumed=True)
