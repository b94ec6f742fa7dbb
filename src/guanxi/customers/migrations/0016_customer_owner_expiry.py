# One owner's customers by expiry time (the "returning to the pool" dashboard card), counted from the index alone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0015_credit_rating_scale'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), ('expires_at__isnull', False)), fields=['owner', 'expires_at'], name='customer_owner_expiry'),
        ),
    ]
