"""The customers API writes each customer from a plan made once (``core.api.LeanReadSerializer``): its JSON must
be the one DRF's own walk over the serializer's fields writes, byte for byte, for every kind of value a
customer carries: masked and plain contact details, the pool's hidden fields, custom fields, nulls, money,
tags, times, related rows, warnings and facts, in both languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from guanxi.core.api import LeanReadSerializer
from guanxi.core.config.custom_fields import custom_field_create
from guanxi.core.models import CustomField
from guanxi.customers import services
from guanxi.customers.models import Customer
from guanxi.finance.credit.models import CustomerCredit
from guanxi.pool.models import Pool
from guanxi.retention.models import RiskScore
from tests.conftest import grant
from tests.customers.test_services import register
from tests.service.conftest import Desk, open_ticket


@pytest.fixture
def shop(db: None) -> Desk:
    """Customers of every shape in unit A, read by Bob (a sales manager over Alice, sharing one of hers)."""
    desk = Desk()
    grant(desk.alice, "salesperson")
    grant(desk.bob, "sales_manager")
    custom_field_create(
        actor=desk.root, model="customers.customer", key="fleet", label="车队规模", type=CustomField.Type.NUMBER
    )
    partner = register(
        desk.alice,
        "杭州渠道伙伴有限公司",
        kind=Customer.Kind.PARTNER,
        partner_type="distributor",
        partner_level="gold",
        contact={"name": "钱七", "mobile": "13700000001"},
    )
    full = services.customer_create(
        actor=desk.alice,
        data={
            "name": "上海全字段机械有限公司",
            "phone": "021-6888 8888",
            "email": "buyer@example.com",
            "website": "https://example.com",
            "registered_capital": Decimal("1250000.5"),
            "tags": ["重点", "华东"],
            "rating": 3,
            "level": "A",
            "address": "浦东新区张江路 1 号",
            "wechat": "quanzd",
            "partner": partner,
            "referrer": partner,
        },
        custom={"fleet": 12},
        contact={"name": "张三", "mobile": "13700000002"},
    )
    shared = register(desk.alice, "北京共享科技有限公司", phone="010-8888 1234", email="it@example.cn", contact={})
    services.customer_share(actor=desk.alice, customer=shared, users=[desk.bob])
    pool = Pool.objects.get(business_unit=desk.unit, department=None)
    Pool.objects.filter(pk=pool.pk).update(hidden_fields=["address", "wechat"])
    pooled = register(
        desk.alice, "苏州公海电子有限公司", phone="0512-6666 1234", address="工业园区 8 号", wechat="szgh", contact={}
    )
    Customer.objects.filter(pk=pooled.pk).update(owner=None, pool=pool, status="pool", expires_at=None)
    register(desk.bob, "南京空值贸易有限公司", contact={})  # nothing but its name
    Customer.objects.filter(pk=shared.pk).update(
        locked_at=timezone.now(), expires_at=timezone.now() + timedelta(days=9, hours=3)
    )
    open_ticket(desk.mei, full)  # an open complaint: a count and a translated warning
    RiskScore.objects.create(customer=full, probability=0.7312, factors=[{"code": "silence", "weight": 0.4}],
                             scored_at=timezone.now())  # fmt: skip
    CustomerCredit.objects.create(customer=full, business_unit=desk.unit, computed_rating="b", computed_limit=50000,
                                  rating="b", limit=50000, reasons=[{"code": "no_history", "rating": ""}],
                                  rated_at=timezone.now())  # fmt: skip
    return desk


def _answers(client: APIClient, paths: list[str]) -> list[bytes]:
    answers = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200
        answers.append(response.content)
    return answers


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("reader", ["bob", "root"])
def test_the_lean_output_is_drfs_byte_for_byte(shop: Desk, language: str, reader: str, monkeypatch: object) -> None:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(getattr(shop, reader))
    ids = list(Customer.objects.visible_to(getattr(shop, reader)).order_by("pk").values_list("pk", flat=True))
    ids += list(Customer.objects.filter(owner=None).values_list("pk", flat=True)) if reader == "root" else []
    paths = ["/api/v1/customers/?page_size=50", "/api/v1/customers/?status=pool"]
    paths += [f"/api/v1/customers/{pk}/" for pk in ids]
    lean = _answers(client, paths)
    monkeypatch.setattr(LeanReadSerializer, "to_representation", serializers.ModelSerializer.to_representation)  # type: ignore[attr-defined]
    assert _answers(client, paths) == lean
    listing = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    listing.force_authenticate(getattr(shop, reader))
    rows = {row["name"]: row for row in listing.get("/api/v1/customers/?page_size=50").json()["results"]}
    # the fixture reaches what it means to: masked and plain phones, the pool's hidden fields, the warning
    if reader == "bob":
        assert rows["上海全字段机械有限公司"]["phone"] != "02168888888"
        assert rows["北京共享科技有限公司"]["phone"] == "01088881234"
        assert rows["上海全字段机械有限公司"]["open_complaints"] == 1
        assert rows["上海全字段机械有限公司"]["custom"] == {"fleet": 12}
    if reader == "root":
        pooled = client.get(f"/api/v1/customers/{ids[-1]}/").json()
        assert (pooled["address"], pooled["wechat"]) == ("***", "***")
