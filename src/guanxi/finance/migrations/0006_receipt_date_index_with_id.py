# The receipts by date carry their id, so that the allocations of the receipts since a day are found from the
# index alone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0005_plan_owner'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='receipt',
            name='receipt_received_on',
        ),
        migrations.AddIndex(
            model_name='receipt',
            index=models.Index(fields=['received_on'], include=('id', 'receivable', 'amount', 'status', 'decided_at', 'deleted_at'), name='receipt_received_on'),
        ),
    ]
