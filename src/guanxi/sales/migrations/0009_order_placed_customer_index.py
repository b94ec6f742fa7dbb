# The placed orders (not drafts) by customer, from the index alone: the partner portal counts those of a
# partner's ten thousand customers without reading the whole table.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0008_order_waiting_for_approval'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), models.Q(('status', 'draft'), _negated=True)), fields=['customer'], name='order_placed_customer'),
        ),
    ]
