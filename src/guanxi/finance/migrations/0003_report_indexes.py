# A salesperson's receivables report read from indexes alone (PostgreSQL; SQLite ignores the included columns):
# their receivables with the figures the report adds up, and the plans with money still owed (today's buckets).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0002_customer_credit'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='receivable',
            name='receivable_owner_customer',
        ),
        migrations.AddIndex(
            model_name='paymentplan',
            index=models.Index(condition=models.Q(('received__lt', models.F('amount'))), fields=['receivable', 'due_on'], include=('amount', 'received'), name='plan_owed_receivable_due'),
        ),
        migrations.AddIndex(
            model_name='receivable',
            index=models.Index(fields=['owner', 'customer'], include=('id', 'amount', 'invoiced', 'received'), name='receivable_owner_customer'),
        ),
    ]
