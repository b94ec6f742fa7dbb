# The daily check sheet reads its rows in the order it shows them and stops at the first 200.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_customer_name_beside_the_row'),
        ('org', '0002_sign_in_security'),
        ('sales', '0003_opportunity_name_trigram'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), ('status', 'open')), fields=['stage_entered_at', 'id'], name='opportunity_open_stale'),
        ),
    ]
