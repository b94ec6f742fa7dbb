"""The marketing world: Alice (salesperson) runs campaigns in unit A, Bella in unit B (杭州分公司); Ada and
Ben administer them; Charlie (Beijing, unit A) holds no role until a test grants one."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from guanxi.customers.models import Customer
from guanxi.leads import services as lead_services
from guanxi.leads.models import Lead
from guanxi.marketing.campaigns import services
from guanxi.marketing.campaigns.models import Campaign
from guanxi.org.models import User
from tests.conftest import TwoUnits
from tests.customers.test_services import register


@pytest.fixture
def units(two_units: TwoUnits) -> TwoUnits:
    return two_units


def campaign(actor: User, name: str = "2026 上海工业博览会", **data: Any) -> Campaign:
    values = {"name": name, "kind": "exhibition", "starts_on": date(2026, 9, 1), "ends_on": date(2026, 9, 5),
              "budget": Decimal("50000"), **data}  # fmt: skip
    return services.campaign_create(actor=actor, data=values)


def customer(actor: User, name: str, mobile: str, email: str = "") -> Customer:
    return register(actor, name, contact={"name": name[:2] + "经理", "mobile": mobile, "email": email})


def lead(actor: User, name: str, mobile: str, company: str = "") -> Lead:
    return lead_services.lead_create(actor=actor, data={"name": name, "mobile": mobile, "company": company})
