# One owner's receivables report per contract/order, biggest outstanding first: a page is the first rows of an
# index instead of a sort of all their receivables (some 14,000 for the busiest salesperson).

import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0007_allocation_received_on'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='receivable',
            index=models.Index(models.F('owner'), models.OrderBy(django.db.models.expressions.CombinedExpression(models.F('amount'), '-', models.F('received')), descending=True), models.F('id'), include=('amount', 'invoiced', 'received'), name='receivable_owner_outstanding'),
        ),
    ]
