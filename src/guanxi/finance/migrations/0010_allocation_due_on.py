# An allocation keeps its plan's due date (a plan with standing allocations cannot change it), so that an earlier
# day's ageing puts what was allocated since in its bucket from the allocations' index alone, instead of reading
# each of the owner's plans to find their dates.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BATCH = 50_000

# PostgreSQL: a join per batch rather than a subquery per row
JOINED = (
    "UPDATE finance_allocation t SET due_on = p.due_on FROM finance_paymentplan p "
    "WHERE p.id = t.plan_id AND t.id > %s AND t.id <= %s"
)


def copy_due_on(apps, schema_editor):
    Allocation = apps.get_model("finance", "Allocation")
    PaymentPlan = apps.get_model("finance", "PaymentPlan")
    due_on = Subquery(PaymentPlan.objects.filter(pk=OuterRef("plan_id")).values("due_on")[:1])
    last = Allocation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for start in range(0, last, BATCH):  # in batches of ids: no single update of every row
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(JOINED, [start, start + BATCH])
        else:
            Allocation.objects.filter(pk__gt=start, pk__lte=start + BATCH).update(due_on=due_on)


class Migration(migrations.Migration):

    dependencies = [
        ("finance", "0009_receipt_allocation_owner"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="allocation", name="allocation_received_on"),
        migrations.RemoveIndex(model_name="allocation", name="allocation_owner_received_on"),
        migrations.AddField(
            model_name="allocation",
            name="due_on",
            field=models.DateField(editable=False, null=True, verbose_name="due date"),
        ),
        migrations.RunPython(copy_due_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="allocation",
            name="due_on",
            field=models.DateField(editable=False, verbose_name="due date"),
        ),
        migrations.AddIndex(
            model_name="allocation",
            index=models.Index(
                condition=models.Q(("released_at__isnull", True)),
                fields=["received_on"],
                include=("plan", "amount", "due_on"),
                name="allocation_received_since",
            ),
        ),
        migrations.AddIndex(
            model_name="allocation",
            index=models.Index(
                condition=models.Q(("released_at__isnull", True)),
                fields=["owner", "received_on"],
                include=("plan", "amount", "due_on"),
                name="allocation_owner_since",
            ),
        ),
    ]
