"""The pool's move out of the customers app (``customers.0011`` with ``pool.0001``): rows written while the
models belonged to customers are intact and reachable through the pool app's models after migrating forward.
The move touches Django's state only, so it runs the same on both databases: it runs on PostgreSQL, the
production database. Going back to ``customers.0010`` reverses every later migration of most apps, which on
SQLite rebuilds each table it alters (minutes of the suite's time for the same check)."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from guanxi.core.audit import history_of
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.pool.models import ConflictCase, HoldingLimit, Pool, PoolEvent, PoolWarning
from tests.pool.pool_helpers import PoolWorld, registered

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="reversing most of the migrations rebuilds SQLite's tables for minutes; the move is state only",
)

BEFORE = [("customers", "0010_customer_name_beside_the_row"), ("pool", None)]
STATE_BEFORE = [("customers", "0010_customer_name_beside_the_row"), ("contenttypes", "0002_remove_content_type_name")]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.fixture
def schema_restored(transactional_db: None) -> Iterator[None]:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    yield
    migrate(latest)  # the next test finds the schema as it was


def test_rows_written_in_the_customers_app_are_reachable_through_the_pool_app(schema_restored: None) -> None:
    sales = PoolWorld()
    customer = registered(sales.alice)  # through today's services, before the schema goes back
    before_the_move = migrate(BEFORE)
    old = before_the_move.loader.project_state(STATE_BEFORE).apps
    with pytest.raises(LookupError):  # before the move, the models belong to customers
        old.get_model("pool", "Pool")
    OldPool = old.get_model("customers", "Pool")
    now = timezone.now()
    department_pool = OldPool.objects.create(
        business_unit_id=sales.unit.pk, department_id=sales.shanghai.pk, name="上海公海", no_followup_days=9
    )
    limit = old.get_model("customers", "HoldingLimit").objects.create(
        business_unit_id=sales.unit.pk, user_id=sales.alice.pk, holding_limit=40
    )
    event = old.get_model("customers", "PoolEvent").objects.create(
        customer_id=customer.pk, user_id=sales.alice.pk, actor_id=sales.bob.pk, kind="claim", at=now
    )
    old.get_model("customers", "PoolWarning").objects.create(customer_id=customer.pk, expiry=now)
    case = old.get_model("customers", "ConflictCase").objects.create(
        business_unit_id=sales.unit.pk,
        customer_id=customer.pk,
        holder_id=sales.alice.pk,
        claimant_id=sales.charlie.pk,
        match="name",
        attempted={"name": customer.name},
    )
    old.get_model("customers", "Customer").objects.filter(pk=customer.pk).update(pool=department_pool.pk)
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="customers", model="conflictcase"
    )[0]
    AuditEntry.objects.create(
        action=AuditEntry.Action.UPDATE, object_type="customers.pool", object_id=str(department_pool.pk)
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    moved = Pool.objects.get(pk=department_pool.pk)
    assert (moved.name, moved.department_id, moved.no_followup_days) == ("上海公海", sales.shanghai.pk, 9)
    assert Customer.objects.get(pk=customer.pk).pool == moved
    assert HoldingLimit.objects.get(pk=limit.pk).holding_limit == 40
    assert PoolEvent.objects.get(pk=event.pk).customer_id == customer.pk
    assert PoolWarning.objects.get(customer=customer).expiry == now
    assert ConflictCase.objects.get(pk=case.pk).claimant == sales.charlie
    # the content type keeps its id under the new app label; the pool's history reads its old entries
    assert ContentType.objects.get_for_model(ConflictCase).pk == content_type.pk
    assert not ContentType.objects.filter(app_label="customers", model="conflictcase").exists()
    assert history_of(moved).filter(object_type="customers.pool").count() == 1
