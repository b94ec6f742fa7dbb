"""The public pool's models now belong to the pool app (``pool.0001``): the customers app forgets them in
Django's state only, and the customer's pool field points at ``pool.Pool``. The tables stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_customer_name_beside_the_row"),
        ("pool", "0001_pool_moves_to_its_own_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="pool",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="customers",
                        to="pool.pool",
                        verbose_name="public pool",
                    ),
                ),
                migrations.DeleteModel(name="ConflictCase"),
                migrations.DeleteModel(name="HoldingLimit"),
                migrations.DeleteModel(name="PoolEvent"),
                migrations.DeleteModel(name="PoolWarning"),
                migrations.DeleteModel(name="Pool"),
            ],
        ),
    ]
