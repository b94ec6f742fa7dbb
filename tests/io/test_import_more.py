"""Products through the import engine, and the unit's custom fields as columns of every record type."""

import io
from decimal import Decimal
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from guanxi.core.config.custom_fields import custom_field_create
from guanxi.core.config.dictionary import dictionary_item_create, dictionary_type_create
from guanxi.core.models import CustomField
from guanxi.customers.models import Customer
from guanxi.io import services
from guanxi.io.kinds import KINDS
from guanxi.io.models import ImportJob, JobStatus, RejectedRow
from guanxi.sales.products.models import Product, ProductCategory
from tests.conftest import TwoUnits, World, grant

from .helpers import imported, xlsx


@pytest.fixture
def importers(world: World) -> World:
    grant(world.bob, "unit_head")
    grant(world.root)
    return world


def reasons(job: ImportJob) -> list[str]:
    return list(RejectedRow.objects.filter(job=job).order_by("row").values_list("reasons", flat=True))


def test_products_import_by_code_with_their_category_and_the_products_own_rules(importers: World) -> None:
    machines = ProductCategory.objects.create(business_unit=importers.unit, name="机床")
    header = ["产品编码", "产品名称", "分类", "单位", "标准价", "最低价", "税率(%)"]
    job = imported(
        importers.root,
        [
            header,
            ["CNC-01", "数控车床", "机床", "台", 1000, 800, 13],
            ["CNC-02", "加工中心", "没有这个分类", "台", 2000, 1500, 13],
            ["CNC-03", "钻床", "", "台", "abc", 800, 13],
        ],
        kind="products",
    )
    assert job.status == JobStatus.DONE and (job.created, job.failed) == (1, 2), reasons(job)
    lathe = Product.objects.get(code="CNC-01")
    assert (lathe.category, lathe.list_price, lathe.unit_of_measure) == (machines, Decimal(1000), "台")
    bad_category, bad_price = reasons(job)
    assert "没有这个分类" in bad_category and "CNC-03" not in bad_price

    again = imported(importers.root, [header, ["CNC-01", "数控车床 二代", "", "", 1200, 900, ""]], kind="products",
                     strategy="update")  # fmt: skip
    assert (again.updated, again.failed) == (1, 0)
    lathe.refresh_from_db()
    assert (lathe.name, lathe.list_price, lathe.category) == ("数控车床 二代", Decimal(1200), machines)


def test_a_salesperson_may_not_import_products(importers: World) -> None:
    grant(importers.alice, "salesperson")
    assert not services.may_import(importers.alice, KINDS["products"])


def test_the_units_custom_fields_are_columns_read_from_labels_and_checked_by_the_same_rules(importers: World) -> None:
    scale = dictionary_type_create(actor=importers.root, code="company_scale", name="企业规模")
    dictionary_item_create(actor=importers.root, type=scale, label="大型企业", code="large")
    custom_field_create(actor=importers.root, model="customers.customer", key="scale", label="企业规模",
                        type=CustomField.Type.CHOICE, dictionary_type=scale)  # fmt: skip
    custom_field_create(actor=importers.root, model="customers.customer", key="staff", label="员工人数",
                        type=CustomField.Type.NUMBER, required=True)  # fmt: skip
    header: list[Any] = ["客户名称", "企业规模", "员工人数"]
    job = services.import_upload(actor=importers.bob, kind="customers", file_name="a.xlsx",
                                 content=xlsx([header, ["上海华信科技有限公司", "大型企业", 1200],
                                                ["北京京东方", "超大型", 10], ["深圳腾云", "", ""]]))  # fmt: skip
    assert job.mapping == {"0": "name", "1": "custom.scale", "2": "custom.staff"}
    services.import_configure(actor=importers.bob, job=job, mapping=job.mapping, strategy="update")
    done = services.import_process(job_id=job.pk, dry_run=False)
    assert (done.created, done.failed) == (1, 2)
    assert Customer.objects.get(name="上海华信科技有限公司").custom == {"scale": "large", "staff": 1200}
    wrong_choice, missing = reasons(done)
    assert wrong_choice.startswith("企业规模:") and missing.startswith("员工人数:")

    # An update changes only the custom values the file fills in.
    again = imported(importers.bob, [["客户名称", "员工人数"], ["上海华信科技有限公司", 1300]], strategy="update")
    assert again.updated == 1
    assert Customer.objects.get(name="上海华信科技有限公司").custom == {"scale": "large", "staff": 1300}

    content = services.import_template(kind=KINDS["customers"], unit=importers.unit.pk)
    template = CalamineWorkbook.from_filelike(io.BytesIO(content))
    headers = template.get_sheet_by_index(0).to_python()[0]
    assert "企业规模" in headers and "员工人数 *" in headers


def test_another_units_custom_fields_are_not_columns(two_units: TwoUnits) -> None:
    grant(two_units.ben, "unit_admin")
    custom_field_create(actor=two_units.ben, model="customers.customer", key="fleet", label="车队规模",
                        type=CustomField.Type.NUMBER)  # fmt: skip
    keys_a = {column.key for column in KINDS["customers"].columns_of(two_units.unit.pk)}
    keys_b = {column.key for column in KINDS["customers"].columns_of(two_units.unit_b.pk)}
    assert "custom.fleet" in keys_b and "custom.fleet" not in keys_a
