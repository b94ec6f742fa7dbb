"""Rules by product line (产品线): a pool's reclaim rule may differ by a customer's product line; the most
specific applies (the line's rule in its pool, else the pool's own, else the unit's parameters), on the
settings page and explained on each record."""

from datetime import timedelta

import pytest
import time_machine

from guanxi.core.errors import DomainError
from guanxi.core.jobs import run_job
from guanxi.customers.models import Customer
from guanxi.pool import configuration, tasks
from guanxi.pool import services as pool
from guanxi.pool.rules import rule_explained
from tests.conftest import client_for, grant
from tests.pool.pool_helpers import START, PoolWorld, fresh, registered, set_parameter

pytestmark = pytest.mark.django_db
assert tasks  # importing the tasks registers the job


@pytest.fixture
def sales(db: None) -> PoolWorld:
    world = PoolWorld()
    grant(world.root, "unit_head")
    return world


def test_the_most_specific_rule_wins(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.no_followup_days", 30)
    with time_machine.travel(START, tick=False):
        printer = registered(sales.alice, "打印机客户", product_line="printer")
        computer = registered(sales.alice, "电脑客户", product_line="computer")
        plain = registered(sales.alice, "普通客户")
    unit_pool = fresh(printer).pool
    assert unit_pool is not None
    configuration.pool_line_rule_save(
        actor=sales.root, pool=unit_pool, line="printer", no_followup_days=12, no_deal_days=None
    )
    # the line's rule: 12 days; the others follow the pool (the unit's 30)
    assert fresh(printer).expires_at == START + timedelta(days=13)
    assert fresh(computer).expires_at == START + timedelta(days=31)
    assert fresh(plain).expires_at == START + timedelta(days=31)
    assert rule_explained(fresh(printer)) == "Printers line: 12 days without follow-up, 90 without a deal"
    assert rule_explained(fresh(computer)).endswith(": 30 days without follow-up, 90 without a deal")
    # the pool's own rule is more specific than the unit's, the line's more than the pool's
    configuration.pool_save(actor=sales.root, pool=unit_pool, data={"no_followup_days": 20})
    assert fresh(computer).expires_at == START + timedelta(days=21)
    assert fresh(printer).expires_at == START + timedelta(days=13)
    # the sweep returns the printer customer on day 13 only
    assert run_job("reclaim_pool", at=START + timedelta(days=13)).startswith("1 ")
    assert fresh(printer).owner is None and fresh(computer).owner == sales.alice


def test_changing_a_customers_line_moves_its_expiry(sales: PoolWorld) -> None:
    with time_machine.travel(START, tick=False):
        customer = registered(sales.alice, "打印机客户")
    unit_pool = fresh(customer).pool
    assert unit_pool is not None
    configuration.pool_line_rule_save(
        actor=sales.root, pool=unit_pool, line="printer", no_followup_days=5, no_deal_days=8
    )
    from guanxi.customers import services

    row = Customer.objects.get(pk=customer.pk)
    services.customer_update(actor=sales.alice, customer=row, version=row.version, data={"product_line": "printer"})
    assert fresh(customer).expires_at == START + timedelta(days=6)


def test_a_rule_for_an_unknown_line_or_zero_days_is_refused(sales: PoolWorld) -> None:
    unit_pool = pool.unit_pool(sales.unit.pk)
    with pytest.raises(DomainError) as unknown:
        configuration.pool_line_rule_save(
            actor=sales.root, pool=unit_pool, line="boats", no_followup_days=5, no_deal_days=None
        )
    assert unknown.value.field == "line"
    with pytest.raises(DomainError) as zero:
        configuration.pool_line_rule_save(
            actor=sales.root, pool=unit_pool, line="printer", no_followup_days=0, no_deal_days=None
        )
    assert zero.value.field == "no_followup_days"
    with pytest.raises(DomainError):
        configuration.pool_line_rule_save(
            actor=sales.alice, pool=unit_pool, line="printer", no_followup_days=5, no_deal_days=None
        )


def test_the_settings_page_and_the_record_show_the_rule(sales: PoolWorld) -> None:
    customer = registered(sales.alice, "打印机客户", product_line="printer")
    unit_pool = fresh(customer).pool
    assert unit_pool is not None
    client = client_for(sales.root)
    saved = client.post(
        "/customers/pool/line-rules/", {"pool": unit_pool.pk, "line": "printer", "no_followup_days": "12"}
    )
    assert saved.status_code == 302
    settings = client.get("/customers/pool/settings/").content.decode()
    assert 'data-testid="line-rules"' in settings and "12" in settings
    page = client_for(sales.alice).get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="expiry-rule"' in page and "12" in page


def test_the_api_sets_line_rules_and_refuses_unknown_lines(sales: PoolWorld) -> None:
    from tests.customers.test_api import api

    unit_pool = pool.unit_pool(sales.unit.pk)
    url = f"/api/v1/pools/{unit_pool.pk}/"
    bad = api(sales.root).patch(url, {"line_rules": {"boats": {"no_followup_days": 3}}}, format="json")
    assert bad.status_code == 400 and "line_rules" in bad.json()
    done = api(sales.root).patch(url, {"line_rules": {"printer": {"no_followup_days": 12}}}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["line_rules"] == {"printer": {"no_followup_days": 12, "no_deal_days": None}}
