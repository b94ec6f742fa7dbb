# A receipt keeps its receivable's owner and an allocation its plan's (moved with them at a hand-over), so that a
# salesperson's report as of an earlier day reads their receipts and allocations since that day from one index
# range each, instead of the whole company's matched to their receivables.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BATCH = 50_000

# PostgreSQL: a join per batch rather than a subquery per row
JOINED = {
    "finance_receipt": "UPDATE finance_receipt t SET owner_id = r.owner_id FROM finance_receivable r "
    "WHERE r.id = t.receivable_id AND t.id > %s AND t.id <= %s",
    "finance_allocation": "UPDATE finance_allocation t SET owner_id = p.owner_id FROM finance_paymentplan p "
    "WHERE p.id = t.plan_id AND t.id > %s AND t.id <= %s",
}


def copy_owner(apps, schema_editor):
    Receivable = apps.get_model("finance", "Receivable")
    PaymentPlan = apps.get_model("finance", "PaymentPlan")
    copies = [
        (apps.get_model("finance", "Receipt"), Receivable, "receivable_id"),
        (apps.get_model("finance", "Allocation"), PaymentPlan, "plan_id"),
    ]
    postgres = schema_editor.connection.vendor == "postgresql"
    for model, source, link in copies:
        owner = Subquery(source.objects.filter(pk=OuterRef(link)).values("owner_id")[:1])
        last = model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
        for start in range(0, last, BATCH):  # in batches of ids: no single update of every row
            if postgres:
                schema_editor.execute(JOINED[model._meta.db_table], [start, start + BATCH])
            else:
                model._base_manager.filter(pk__gt=start, pk__lte=start + BATCH).update(owner_id=owner)
    if postgres:  # the foreign keys' deferred checks now, not at the ALTER TABLE below
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0008_receivable_owner_outstanding'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='allocation',
            options={'ordering': ['receipt', 'plan__due_on', 'pk'], 'verbose_name': 'receipt allocation', 'verbose_name_plural': 'receipt allocations'},
        ),
        migrations.AddField(
            model_name='receipt',
            name='owner',
            field=models.ForeignKey(db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.AddField(
            model_name='allocation',
            name='owner',
            field=models.ForeignKey(db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.RunPython(copy_owner, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='receipt',
            name='owner',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.AlterField(
            model_name='allocation',
            name='owner',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.AddIndex(
            model_name='receipt',
            index=models.Index(fields=['owner', 'received_on'], include=('id', 'receivable', 'amount', 'status', 'decided_at', 'deleted_at'), name='receipt_owner_received_on'),
        ),
        migrations.AddIndex(
            model_name='allocation',
            index=models.Index(condition=models.Q(('released_at__isnull', True)), fields=['owner', 'received_on'], include=('plan', 'amount'), name='allocation_owner_received_on'),
        ),
    ]
