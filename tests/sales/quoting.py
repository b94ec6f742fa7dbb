"""Fast builders for the product and quote tests."""

from decimal import Decimal
from typing import Any

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales.products import services as product_services
from guanxi.sales.products.models import Product
from guanxi.sales.quotes import services as quote_services
from guanxi.sales.quotes.models import Quote
from tests.customers.test_services import register


def product(admin: User, code: str = "P-001", **data: Any) -> Product:
    values = {"code": code, "name": "数控车床", "list_price": Decimal(1000), "floor_price": Decimal(800),
              "unit_of_measure": "台", "tax_rate": Decimal(13), **data}  # fmt: skip
    return product_services.product_create(actor=admin, data=values)


def customer(actor: User, name: str = "华信精密机械有限公司") -> Customer:
    n = Customer.all_objects.count() + 1
    return register(actor, name, contact={"name": "张三", "mobile": f"1391234{n:04d}"})


def quote(actor: User, client: Customer, *lines: dict[str, Any], **data: Any) -> Quote:
    return quote_services.quote_create(actor=actor, customer=client, data=data, lines=list(lines))


def line_forms(*lines: dict[str, str]) -> dict[str, str]:
    """The POST data of the product lines' formset: one form per dict (an empty dict, a form left empty)."""
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for index, line in enumerate(lines):
        data.update({f"lines-{index}-{name}": value for name, value in line.items()})
    return data
