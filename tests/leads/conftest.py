"""The leads' test world: Alice and Dora sell in Shanghai, Charlie in Beijing, Bob manages Shanghai and Root
configures. Leads are made through the services, as people make them."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from guanxi.leads import services
from guanxi.leads.models import Lead
from guanxi.org.models import User
from tests.conftest import World, grant, make_user


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The web forms' rate limit counts in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


class Sales(World):
    def __init__(self) -> None:
        super().__init__()
        grant(self.alice, "salesperson")
        grant(self.charlie, "salesperson")
        grant(self.bob, "sales_manager")
        grant(self.root, "unit_head")
        self.dora = grant(make_user("dora", "朵拉", self.shanghai), "salesperson")


@pytest.fixture
def sales(db: None) -> Sales:
    return Sales()


def enter(actor: User, name: str = "王小明", **data: Any) -> Lead:
    """A lead entered by hand (owner: the actor unless given)."""
    owner = data.pop("owner", None)
    by_rules = data.pop("by_rules", False)
    values = {"name": name, "mobile": "13900001111", "company": "杭州远景电子有限公司", **data}
    return services.lead_create(actor=actor, data=values, owner=owner, by_rules=by_rules)


@pytest.fixture
def regions(db: None, tmp_path: Any) -> int:
    """The customers' small region tree (Shanghai 310000, Guangdong 440000 …)."""
    from guanxi.customers.regions.services import regions_load
    from tests.customers.conftest import TREE, write_tree

    return regions_load(path=write_tree(tmp_path / "regions.json", TREE))
