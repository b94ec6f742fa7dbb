# An allocation keeps its receipt's date, and a plan's owner is indexed with the plan's id and due date: an
# earlier day's report meets the allocations since that day and one owner's plans in a hash join of two index
# ranges, where it looked up each receipt's allocation and each allocation's plan one at a time.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BATCH = 50_000


def copy_date(apps, schema_editor):
    Allocation = apps.get_model("finance", "Allocation")
    Receipt = apps.get_model("finance", "Receipt")
    date = Subquery(Receipt.objects.filter(pk=OuterRef("receipt_id")).values("received_on")[:1])
    last = Allocation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for start in range(0, last, BATCH):  # in batches of ids: no single update of every row
        Allocation.objects.filter(pk__gt=start, pk__lte=start + BATCH).update(received_on=date)


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0006_receipt_date_index_with_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='allocation',
            name='received_on',
            field=models.DateField(editable=False, null=True, verbose_name='date received'),
        ),
        migrations.RunPython(copy_date, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='allocation',
            name='received_on',
            field=models.DateField(editable=False, verbose_name='date received'),
        ),
        migrations.AddIndex(
            model_name='allocation',
            index=models.Index(condition=models.Q(('released_at__isnull', True)), fields=['received_on'], include=('plan', 'amount'), name='allocation_received_on'),
        ),
        migrations.AddIndex(
            model_name='paymentplan',
            index=models.Index(fields=['owner'], include=('id', 'due_on'), name='plan_owner'),
        ),
    ]
