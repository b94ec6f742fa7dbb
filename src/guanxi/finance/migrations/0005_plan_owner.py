# A plan keeps its receivable's owner (moved with it at a hand-over), so that a salesperson's ageing totals read
# their plans from one index instead of through every receivable they own.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_owner(apps, schema_editor):
    PaymentPlan = apps.get_model("finance", "PaymentPlan")
    Receivable = apps.get_model("finance", "Receivable")
    PaymentPlan.objects.update(
        owner_id=Subquery(Receivable.objects.filter(pk=OuterRef("receivable_id")).values("owner_id")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0004_past_report_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='paymentplan',
            name='owner',
            field=models.ForeignKey(db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.RunPython(copy_owner, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='paymentplan',
            name='owner',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.AddIndex(
            model_name='paymentplan',
            index=models.Index(condition=models.Q(('received__lt', models.F('amount'))), fields=['owner', 'due_on'], include=('amount', 'received'), name='plan_owed_owner_due'),
        ),
    ]
