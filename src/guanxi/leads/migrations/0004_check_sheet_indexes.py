# The daily check sheet reads its rows in the order it shows them and stops at the first 200.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_customer_name_beside_the_row'),
        ('leads', '0003_lead_name_index'),
        ('org', '0002_sign_in_security'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), ('status__in', ('new', 'contacted', 'qualified'))), fields=['last_followup_at', 'created_at', 'id'], name='lead_open_stale'),
        ),
    ]
