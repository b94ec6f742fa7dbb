"""Choosing the destination pool and a manager's bulk move between pools: all or nothing, audited, told."""

import pytest

from guanxi.core.errors import DomainError
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.pool import configuration
from guanxi.pool import services as pool
from guanxi.pool.models import Pool
from tests.conftest import TwoUnits, client_for, grant
from tests.customers.test_api import api
from tests.pool.pool_helpers import PoolWorld, in_pool, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(db: None) -> PoolWorld:
    world = PoolWorld()
    grant(world.root, "unit_head")
    return world


def _beijing_pool(world: PoolWorld) -> Pool:
    return configuration.pool_save(actor=world.root, pool=None, data={"name": "北京公海"}, department=world.beijing)


def _shanghai_pool(world: PoolWorld) -> Pool:
    return configuration.pool_save(actor=world.root, pool=None, data={"name": "上海公海"}, department=world.shanghai)


def test_moving_pool_customers_is_all_or_nothing_audited_and_told(sales: PoolWorld) -> None:
    target = _shanghai_pool(sales)
    customers = [in_pool(sales, f"上海第{n}机械有限公司") for n in range(3)]
    source = customers[0].pool
    assert source is not None
    pool.customer_claim(actor=sales.alice, customer=customers[2])
    with pytest.raises(DomainError) as refused:
        pool.customers_move(actor=sales.bob, pool=source, target=target, ids=[row.pk for row in customers])
    assert refused.value.code == "not_in_pool"
    assert not Customer.objects.filter(pool=target, owner__isnull=True).exists()
    with pytest.raises(DomainError):
        pool.customers_move(actor=sales.alice, pool=source, target=target, ids=[customers[0].pk])  # not a manager
    assert pool.customers_move(actor=sales.bob, pool=source, target=target) == 2
    lying = Customer.objects.filter(pool=target, owner__isnull=True)
    assert set(lying.values_list("pk", flat=True)) == {customers[0].pk, customers[1].pk}
    assert AuditEntry.objects.filter(note="pool_move").count() == 2
    assert sales.dave.notifications.filter(kind="pool_moved").exists()  # Shanghai claims from the target
    assert not sales.charlie.notifications.filter(kind="pool_moved").exists()
    with pytest.raises(DomainError) as unseen:  # Bob's scope does not reach Beijing's pool
        pool.customers_move(actor=sales.bob, pool=target, target=_beijing_pool(sales))
    assert unseen.value.field == "target"


def test_a_return_may_choose_the_pool_and_defaults_to_its_own(sales: PoolWorld) -> None:
    target = _beijing_pool(sales)
    mine = registered(sales.alice)
    own_pool = mine.pool
    pool.customer_return(actor=sales.alice, customer=mine, reason="no_need")
    assert Customer.objects.get(pk=mine.pk).pool == own_pool
    other = registered(sales.alice, "另一家公司")
    with pytest.raises(DomainError) as unseen:
        pool.customer_return(actor=sales.alice, customer=other, reason="no_need", pool=target)  # not one she sees
    assert unseen.value.field == "pool"
    pool.customer_return(actor=sales.bob, customer=other, reason="no_need", pool=Pool.objects.get(department=None))
    assert Customer.objects.get(pk=other.pk).pool.department_id is None  # type: ignore[union-attr]


def test_the_return_page_offers_the_pools_and_the_list_moves(sales: PoolWorld) -> None:
    target = _shanghai_pool(sales)
    pool.unit_pool(sales.unit.pk)  # the unit's pool too: two to choose from
    customer = registered(sales.bob)
    page = client_for(sales.bob).get(f"/customers/{customer.pk}/return/").content.decode()
    assert 'name="pool"' in page and "上海公海" in page
    lying = in_pool(sales, "躺着的公司")
    moved = client_for(sales.bob).post("/customers/pool/move/", {"ids": [lying.pk], "target": target.pk})
    assert moved.status_code == 302
    assert Customer.objects.get(pk=lying.pk).pool == target


def test_the_api_moves_and_refuses_another_unit(two_units: TwoUnits) -> None:
    world = two_units
    grant(world.bob, "sales_manager")
    source = pool.unit_pool(world.unit.pk)
    beijing = configuration.pool_save(actor=world.ada, pool=None, data={"name": "北京公海"}, department=world.beijing)
    lying = in_pool(world)
    done = api(world.ada).post(f"/api/v1/pools/{source.pk}/move/", {"all": True, "target": beijing.pk}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["done"] == 1 and Customer.objects.get(pk=lying.pk).pool == beijing
    pool_b = pool.unit_pool(world.unit_b.pk)
    outside = api(world.ada).post(f"/api/v1/pools/{pool_b.pk}/move/", {"all": True, "target": source.pk}, format="json")
    assert outside.status_code == 404
    wrong = api(world.ada).post(f"/api/v1/pools/{beijing.pk}/move/", {"all": True, "target": pool_b.pk}, format="json")
    assert wrong.status_code == 400 and wrong.json()["target"]
    assert (
        api(world.alice)
        .post(f"/api/v1/pools/{beijing.pk}/move/", {"all": True, "target": source.pk}, format="json")
        .status_code
        == 403
    )
    listed = api(world.ada).get("/api/v1/pools/").json()["results"]
    assert {row["kind"] for row in listed} == {"customer"}


def test_a_pool_customers_page_shows_its_last_holders_their_follow_ups_and_its_lead(sales: PoolWorld) -> None:
    from guanxi.activities.services import followup_create
    from guanxi.leads import conversion
    from guanxi.leads import services as leads

    lead = leads.lead_create(
        actor=sales.alice,
        data={"name": "赵六", "mobile": "13977778888", "company": "苏州来源科技有限公司", "need": "需要二十台打印机"},
    )
    converted = conversion.lead_convert(
        actor=sales.alice, lead=lead, customer=None, customer_data={}, contact_data={}, opportunity_data=None
    )
    customer = converted.customer
    followup_create(actor=sales.alice, content="客户说下季度再采购", channel="phone", customer=customer)
    pool.customer_return(actor=sales.alice, customer=Customer.objects.get(pk=customer.pk), reason="no_need")
    page = client_for(sales.dave).get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="last-holders"' in page and "李爱丽" in page and "客户说下季度再采购" in page
    assert 'data-testid="origin-lead"' in page and lead.number in page and "需要二十台打印机" in page
    assert "13977778888" not in page  # the contact stays masked
