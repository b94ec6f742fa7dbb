# The customer row keeps only the indexes that serve a read: the pool sweep rewrites rows by the thousand,
# and each index costs a write per row. At a million customers it ran in 8 s on PostgreSQL.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0008_pool'),
        ('org', '0002_sign_in_security'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='customer',
            name='customer_pool_expiry',
        ),
        migrations.AlterField(
            model_name='customer',
            name='business_unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='org.businessunit', verbose_name='business unit'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='created_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='deleted_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='customer',
            name='name_initials',
            field=models.CharField(editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name='customer',
            name='name_key',
            field=models.CharField(editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name='customer',
            name='name_pinyin',
            field=models.CharField(editable=False, max_length=300),
        ),
        migrations.AlterField(
            model_name='customer',
            name='number',
            field=models.CharField(editable=False, max_length=30, verbose_name='number'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='owner',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='owned_customers', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='phone',
            field=models.CharField(blank=True, max_length=30, verbose_name='phone'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='referrer',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='referrals', to='customers.customer', verbose_name='referred by'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='tax_number',
            field=models.CharField(blank=True, max_length=30, verbose_name='tax number'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='updated_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated at'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), ('expires_at__isnull', False)), fields=['expires_at', 'id'], name='customer_pool_expiry'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['name_pinyin'], name='customer_pinyin'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['name_initials'], name='customer_initials_prefix', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['phone'], name='customer_phone'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('tax_number', ''), _negated=True), fields=['tax_number'], name='customer_tax_number'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('referrer__isnull', False)), fields=['referrer'], name='customer_referrer'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('deleted_at__isnull', False)), fields=['deleted_at'], name='customer_deleted'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.UniqueConstraint(fields=('number',), name='customer_number_unique'),
        ),
    ]
