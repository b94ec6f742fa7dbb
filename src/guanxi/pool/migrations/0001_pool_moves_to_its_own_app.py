"""The public pool leaves the customers app for its own: its five models move in Django's state only. Their
tables keep their names (``db_table``), so no row moves and the migration takes no time at any size; the
content types are renamed, so anything that points at them follows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ["pool", "holdinglimit", "poolevent", "poolwarning", "conflictcase"]


def content_types_follow(apps, schema_editor, *, source="customers", target="pool"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(app_label=source, model__in=MOVED).update(
        app_label=target
    )


def content_types_return(apps, schema_editor):
    content_types_follow(apps, schema_editor, source="pool", target="customers")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('customers', '0010_customer_name_beside_the_row'),
        ('org', '0002_sign_in_security'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PoolWarning',
                    fields=[
                        ('customer', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='customers.customer')),
                        ('expiry', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'customers_poolwarning',
                    },
                ),
                migrations.CreateModel(
                    name='ConflictCase',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('match', models.CharField(choices=[('name', 'Same name'), ('phone', 'Same phone'), ('tax_number', 'Same tax number')], max_length=20, verbose_name='matched on')),
                        ('attempted', models.JSONField(default=dict, verbose_name='what was registered')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('decided', 'Decided')], default='open', max_length=10, verbose_name='status')),
                        ('decision', models.CharField(blank=True, choices=[('keep', 'The holder keeps it'), ('give', 'Give it to the claimant'), ('pool', 'Return it to the pool')], max_length=10, verbose_name='decision')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided')),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='opened')),
                        ('business_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.businessunit')),
                        ('claimant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='conflict_claims', to=settings.AUTH_USER_MODEL, verbose_name='claimant')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='conflicts', to='customers.customer')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                        ('holder', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='holder')),
                    ],
                    options={
                        'verbose_name': 'conflict case',
                        'verbose_name_plural': 'conflict cases',
                        'db_table': 'customers_conflictcase',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['business_unit', 'status', '-created_at'], name='conflict_inbox')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('customer', 'claimant'), name='conflict_one_open_per_claimant')],
                    },
                ),
                migrations.CreateModel(
                    name='HoldingLimit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('holding_limit', models.PositiveIntegerField(blank=True, null=True, verbose_name='customers owned at most')),
                        ('lock_limit', models.PositiveIntegerField(blank=True, null=True, verbose_name='locked customers at most')),
                        ('won_counts', models.BooleanField(blank=True, null=True, verbose_name='won customers count')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('business_unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.businessunit')),
                        ('department', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='holding_limit', to='org.department', verbose_name='department')),
                        ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='holding_limit', to=settings.AUTH_USER_MODEL, verbose_name='salesperson')),
                    ],
                    options={
                        'verbose_name': 'holding limit',
                        'verbose_name_plural': 'holding limits',
                        'db_table': 'customers_holdinglimit',
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('department__isnull', True), ('user__isnull', False)), models.Q(('department__isnull', False), ('user__isnull', True)), _connector='OR'), name='holding_limit_department_or_user')],
                    },
                ),
                migrations.CreateModel(
                    name='Pool',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=50, verbose_name='pool name')),
                        ('no_followup_days', models.PositiveIntegerField(blank=True, null=True, verbose_name='days without follow-up')),
                        ('no_deal_days', models.PositiveIntegerField(blank=True, null=True, verbose_name='days without a deal')),
                        ('warning_days', models.PositiveIntegerField(blank=True, null=True, verbose_name='warning days')),
                        ('cooldown_days', models.PositiveIntegerField(blank=True, null=True, verbose_name='cool-down days')),
                        ('daily_claims', models.PositiveIntegerField(blank=True, null=True, verbose_name='claims per day')),
                        ('won_exempt', models.BooleanField(blank=True, null=True, verbose_name='won customers exempt')),
                        ('hidden_fields', models.JSONField(blank=True, default=list, verbose_name='fields hidden until claimed')),
                        ('rules_stamp', models.CharField(blank=True, editable=False, max_length=60)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('business_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pools', to='org.businessunit', verbose_name='business unit')),
                        ('department', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='pool', to='org.department', verbose_name='department')),
                    ],
                    options={
                        'verbose_name': 'public pool',
                        'verbose_name_plural': 'public pools',
                        'db_table': 'customers_pool',
                        'ordering': ['business_unit', 'department', 'pk'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('department__isnull', True)), fields=('business_unit',), name='pool_one_per_unit')],
                    },
                ),
                migrations.CreateModel(
                    name='PoolEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('claim', 'Claimed'), ('assign', 'Assigned'), ('return', 'Returned'), ('reclaim', 'Returned automatically'), ('lock', 'Locked'), ('unlock', 'Unlocked'), ('conflict', 'Conflict decided')], max_length=10, verbose_name='kind')),
                        ('reason', models.CharField(blank=True, max_length=40, verbose_name='reason')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('at', models.DateTimeField(verbose_name='time')),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pool_events', to='customers.customer')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='salesperson')),
                    ],
                    options={
                        'verbose_name': 'pool event',
                        'verbose_name_plural': 'pool events',
                        'db_table': 'customers_poolevent',
                        'ordering': ['-at', '-pk'],
                        'indexes': [models.Index(fields=['user', 'kind', 'at'], name='pool_event_user_kind'), models.Index(fields=['customer', 'user', 'at'], name='pool_event_customer_user')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
