# A receivable keeps the date it is owed from (the contract's signing date, the order's date), and its plans and
# their allocations a copy of it, so that the ageing as of an earlier day leaves out the contracts signed and the
# orders placed after that day, reading each by its owner's index alone.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce

BATCH = 50_000

# PostgreSQL: a join per batch rather than a subquery per row; in this order, each copies from the one before
JOINED = [
    (
        "finance_receivable",
        "UPDATE finance_receivable t SET owed_from = coalesce(c.signed_on, c.start_on) FROM sales_contract c "
        "WHERE c.id = t.contract_id AND t.id > %s AND t.id <= %s",
    ),
    (
        "finance_receivable",
        "UPDATE finance_receivable t SET owed_from = o.ordered_on FROM sales_order o "
        "WHERE o.id = t.order_id AND t.id > %s AND t.id <= %s",
    ),
    (
        "finance_paymentplan",
        "UPDATE finance_paymentplan t SET owed_from = r.owed_from FROM finance_receivable r "
        "WHERE r.id = t.receivable_id AND t.id > %s AND t.id <= %s",
    ),
    (
        "finance_allocation",
        "UPDATE finance_allocation t SET owed_from = p.owed_from FROM finance_paymentplan p "
        "WHERE p.id = t.plan_id AND t.id > %s AND t.id <= %s",
    ),
]


def _last(schema_editor, table):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {table}")  # a table name of this file, not input
        return cursor.fetchone()[0] or 0


def copy_owed_from(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, statement in JOINED:
            for start in range(0, _last(schema_editor, table), BATCH):  # no single update of every row
                schema_editor.execute(statement, [start, start + BATCH])
        return
    # SQLite, an embedded database's few thousand rows: one statement a table
    Receivable = apps.get_model("finance", "Receivable")
    PaymentPlan = apps.get_model("finance", "PaymentPlan")
    Allocation = apps.get_model("finance", "Allocation")
    Contract = apps.get_model("sales", "Contract")
    Order = apps.get_model("sales", "Order")
    signed = Contract.objects.filter(pk=OuterRef("contract_id")).values(day=Coalesce("signed_on", "start_on"))[:1]
    ordered = Order.objects.filter(pk=OuterRef("order_id")).values("ordered_on")[:1]
    Receivable.objects.filter(contract__isnull=False).update(owed_from=Subquery(signed))
    Receivable.objects.filter(order__isnull=False).update(owed_from=Subquery(ordered))
    PaymentPlan.objects.update(
        owed_from=Subquery(Receivable.objects.filter(pk=OuterRef("receivable_id")).values("owed_from")[:1])
    )
    Allocation.objects.update(
        owed_from=Subquery(PaymentPlan.objects.filter(pk=OuterRef("plan_id")).values("owed_from")[:1])
    )


def _required(model_name):
    return migrations.AlterField(
        model_name=model_name,
        name="owed_from",
        field=models.DateField(editable=False, verbose_name="owed from"),
    )


SINCE = {"condition": models.Q(("released_at__isnull", True)), "include": ("plan", "amount", "due_on", "owed_from")}


class Migration(migrations.Migration):

    dependencies = [
        ("finance", "0010_allocation_due_on"),
        ("sales", "0010_opportunity_funnel_closed_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="receivable", name="receivable_owner_customer"),
        migrations.RemoveIndex(model_name="receivable", name="receivable_customer"),
        migrations.RemoveIndex(model_name="receivable", name="receivable_owner_outstanding"),
        migrations.RemoveIndex(model_name="paymentplan", name="plan_owed_owner_due"),
        migrations.RemoveIndex(model_name="allocation", name="allocation_received_since"),
        migrations.RemoveIndex(model_name="allocation", name="allocation_owner_since"),
        *(
            migrations.AddField(
                model_name=model_name,
                name="owed_from",
                field=models.DateField(editable=False, null=True, verbose_name="owed from"),
            )
            for model_name in ("receivable", "paymentplan", "allocation")
        ),
        migrations.RunPython(copy_owed_from, migrations.RunPython.noop),
        *(_required(model_name) for model_name in ("receivable", "paymentplan", "allocation")),
        migrations.AddIndex(
            model_name="receivable",
            index=models.Index(
                fields=["owner", "customer"],
                include=("id", "owed_from", "amount", "invoiced", "received"),
                name="receivable_owner_customer",
            ),
        ),
        migrations.AddIndex(
            model_name="receivable",
            index=models.Index(
                fields=["customer"], include=("owed_from", "amount", "invoiced", "received"), name="receivable_customer"
            ),
        ),
        migrations.AddIndex(
            model_name="receivable",
            index=models.Index(
                models.F("owner"),
                models.OrderBy(CombinedExpression(models.F("amount"), "-", models.F("received")), descending=True),
                models.F("id"),
                include=("owed_from", "amount", "invoiced", "received"),
                name="receivable_owner_outstanding",
            ),
        ),
        migrations.AddIndex(
            model_name="paymentplan",
            index=models.Index(
                condition=models.Q(("received__lt", models.F("amount"))),
                fields=["owner", "due_on"],
                include=("amount", "received", "owed_from"),
                name="plan_owed_owner_due",
            ),
        ),
        migrations.AddIndex(
            model_name="allocation",
            index=models.Index(fields=["received_on"], name="allocation_received_since", **SINCE),
        ),
        migrations.AddIndex(
            model_name="allocation",
            index=models.Index(fields=["owner", "received_on"], name="allocation_owner_since", **SINCE),
        ),
    ]
