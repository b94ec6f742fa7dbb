# The overdue plans of a team, per person (the manager's dashboard card), counted from the index alone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0005_followup_next_contact_at'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='plan',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), ('status', 'open')), fields=['owner', 'due_at'], name='plan_open_owner_due'),
        ),
    ]
