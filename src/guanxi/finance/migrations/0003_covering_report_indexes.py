# A salesperson's receivables and their plans, read from the indexes alone (PostgreSQL; SQLite ignores the
# included columns): the receivables report of one owner, its totals and ageing buckets.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0002_customer_credit'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='paymentplan',
            name='plan_receivable_due',
        ),
        migrations.RemoveIndex(
            model_name='receivable',
            name='receivable_owner_customer',
        ),
        migrations.AddIndex(
            model_name='paymentplan',
            index=models.Index(fields=['receivable', 'due_on'], include=('amount', 'received'), name='plan_receivable_due'),
        ),
        migrations.AddIndex(
            model_name='receivable',
            index=models.Index(fields=['owner', 'customer'], include=('id', 'amount', 'invoiced', 'received'), name='receivable_owner_customer'),
        ),
    ]
