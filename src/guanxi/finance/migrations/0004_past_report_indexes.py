# The receivables report read from indexes: the whole company's by customer (the receivables with the figures
# it adds up), and an earlier day's as today's less what moved since (receipts, invoices and allocations
# dated after that day).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0003_report_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='receivable',
            name='receivable_customer',
        ),
        migrations.AddIndex(
            model_name='allocation',
            index=models.Index(condition=models.Q(('released_at__isnull', False)), fields=['released_at'], name='allocation_released'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), ('status', 'issued')), fields=['issued_on'], include=('receivable', 'amount'), name='invoice_issued_on'),
        ),
        migrations.AddIndex(
            model_name='receipt',
            index=models.Index(fields=['received_on'], include=('receivable', 'amount', 'status', 'decided_at', 'deleted_at'), name='receipt_received_on'),
        ),
        migrations.AddIndex(
            model_name='receipt',
            index=models.Index(condition=models.Q(('status', 'reversed')), fields=['reversed_at'], name='receipt_reversed'),
        ),
        migrations.AddIndex(
            model_name='receivable',
            index=models.Index(fields=['customer'], include=('amount', 'invoiced', 'received'), name='receivable_customer'),
        ),
    ]
