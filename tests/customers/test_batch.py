"""Registering customers by the batch (an import's path) gives what registering them one after the other gives:
the same records, the same refusals row by row, the same holding limit, and a number of queries per batch that
does not grow with its rows."""

import re
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from guanxi.core.config.custom_fields import custom_field_create
from guanxi.core.errors import DomainError
from guanxi.core.models import AuditEntry, CustomField
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer, CustomerName
from guanxi.customers.services import NewCustomer
from guanxi.org.models import User
from guanxi.pool.models import ConflictCase, HoldingLimit
from guanxi.pool.rules import unit_pool
from tests.conftest import World, grant


class _Undo(Exception):
    pass


@pytest.fixture
def sales(world: World) -> World:
    grant(world.bob, "unit_head")
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    custom_field_create(actor=world.root, model="customers.customer", key="staff", label="员工人数",
                        type=CustomField.Type.NUMBER)  # fmt: skip
    services.customer_create(actor=world.charlie, data={"name": "北京京东方科技有限公司", "phone": "01065001234"})
    services.customer_create(actor=world.alice, data={"name": "苏州华信精密机械有限公司"})
    return world


def _rows() -> list[NewCustomer]:
    def row(name: str, mobile: str = "", **data: Any) -> NewCustomer:
        custom = {"staff": data.pop("staff")} if "staff" in data else {}
        contact = {"name": "张伟", "mobile": mobile} if mobile else None
        return NewCustomer({"name": name, **data}, contact, custom)

    return [
        row("上海华信科技有限公司", "13800000001", level="A", staff=120),
        row("杭州数澜信息", "138000"),  # a short mobile
        row("南京金陵制造", "13800000003", level="Z"),  # an unknown level
        row("", "13800000004"),  # no name
        row("北京京东方科技", "13800000005"),  # Charlie holds it: a claim, a conflict case
        row("上海华信科技", "13800000006"),  # the same as the first row
        row("武汉光谷电子", "13800000001"),  # the first row's contact's mobile
        row("华信精密", "13800000008"),  # a similar name in the database
        row("上海华信科技发展", "13800000009"),  # contains the first row's name: similar
        row("重庆山城物流", "13800000010", staff="很多"),  # not a number
        row("成都天府软件", "13800000011", phone="02887654321"),
        row("西安古城文旅", "13800000012"),
        row("广州羊城贸易", "13800000013"),
        row("深圳鹏城科技", "13800000014", phone="02887654321"),  # the phone of row 11
        row("天津港湾航运", "13800000015"),
    ]


def _error(error: Exception) -> tuple[Any, ...]:
    if isinstance(error, ValidationError):
        return ("invalid", error.message_dict)
    assert isinstance(error, DomainError)
    return (type(error).__name__, error.field, error.code, re.sub(r"\d+", "#", str(error.message)))


def _record(customer: Customer) -> tuple[Any, ...]:
    customer = Customer.objects.get(pk=customer.pk)
    contacts = list(Contact.objects.filter(customer=customer).values_list("name", "mobile", "is_primary", "created_by"))
    keys = CustomerName.objects.filter(customer=customer).values_list("name_key", "name_initials", "phone_tail").get()
    ids = [str(pk) for pk in Contact.objects.filter(customer=customer).values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(object_type="customers.customer", object_id=str(customer.pk)) | (
        AuditEntry.objects.filter(object_type="customers.contact", object_id__in=ids)
    )
    audit = sorted((kind, action, actor, sorted(changes)) for kind, action, actor, changes in entries.values_list(
        "object_type", "action", "actor_id", "changes"))  # fmt: skip
    return (
        customer.name, customer.name_key, customer.name_pinyin, customer.number, customer.owner_id, customer.status,
        customer.pool_id, customer.phone, customer.level, customer.custom, customer.claimed_at is not None,
        customer.expires_at is not None, customer.created_by_id, contacts, keys, audit,
    )  # fmt: skip


def _one_by_one(actor: User, rows: Sequence[NewCustomer], **target: Any) -> list[tuple[Any, ...]]:
    results = []
    for row in rows:
        try:
            customer = services.customer_create(
                actor=actor, data=row.data, contact=row.contact, custom=row.custom, **target
            )
        except (ValidationError, DomainError) as error:
            results.append(_error(error))
        else:
            results.append(_record(customer))
    return results


def _together(actor: User, rows: Sequence[NewCustomer], **target: Any) -> list[tuple[Any, ...]]:
    results = []
    for outcome in services.customers_create_batch(actor=actor, rows=rows, **target):
        assert not outcome.existing
        results.append(_error(outcome.error) if outcome.error else _record(outcome.customer))  # type: ignore[arg-type]
    return results


def _both(actor: User, rows: Sequence[NewCustomer], **target: Any) -> tuple[list[Any], list[Any], int, int]:
    """Each way in a transaction rolled back afterwards, from the same start."""
    answers = []
    for way in (_one_by_one, _together):
        try:
            with transaction.atomic():
                result = way(actor, rows, **target)
                raise _Undo(result, ConflictCase.objects.count())
        except _Undo as undo:
            answers.append(undo.args)
    (single, single_cases), (batch, batch_cases) = answers
    return single, batch, single_cases, batch_cases


def test_a_batch_registers_and_refuses_each_row_as_one_registration_after_another(sales: World) -> None:
    single, batch, single_cases, batch_cases = _both(sales.alice, _rows())
    assert batch == single
    assert single_cases == batch_cases == 1  # the claim on Charlie's customer
    kinds = [answer[0] for answer in batch]
    assert kinds[1:4] == ["invalid"] * 3 and kinds[9] == "invalid"
    assert [answer[0] for answer in batch[4:9]] == ["DuplicateCustomer"] * 5
    assert batch[13][0] == "DuplicateCustomer"  # the phone of an earlier row of the batch
    assert sum(1 for answer in batch if answer[0] == "上海华信科技有限公司" or len(answer) > 6) == 5


def test_the_holding_limit_takes_the_first_rows_and_refuses_the_rest_in_its_words(sales: World) -> None:
    HoldingLimit.objects.create(business_unit=sales.unit, user=sales.alice, holding_limit=3)  # holds one already
    single, batch, _cases, _again = _both(sales.alice, _rows())
    assert batch == single
    created = [answer for answer in batch if len(answer) > 6]
    assert len(created) == 2
    refused = [answer for answer in batch if answer[:3] == ("DomainError", "owner", "holding_limit")]
    assert len(refused) == 3


def test_a_batch_into_the_public_pool_is_the_same_as_one_by_one(sales: World) -> None:
    pool = unit_pool(sales.unit.pk)
    single, batch, single_cases, batch_cases = _both(sales.bob, _rows(), pool=pool)
    assert batch == single
    assert single_cases == batch_cases == 0  # into the pool, a duplicate is refused without a claim
    created = [answer for answer in batch if len(answer) > 6]
    assert created and all(answer[4] is None and answer[5] == "pool" and answer[6] == pool.pk for answer in created)


def test_existing_customers_are_answered_when_the_import_skips_them(sales: World) -> None:
    rows = [
        NewCustomer({"name": "北京京东方科技"}),
        NewCustomer({"name": "上海新客户"}),
        NewCustomer({"name": "上海新客户"}),
    ]
    outcomes = services.customers_create_batch(actor=sales.alice, rows=rows, skip_existing=True)
    held = Customer.objects.get(name="北京京东方科技有限公司")
    assert outcomes[0].existing == [held] and outcomes[0].customer is None and outcomes[0].error is None
    assert outcomes[1].customer is not None and outcomes[2].existing == [outcomes[1].customer]
    assert not ConflictCase.objects.exists()


def test_a_bad_row_saves_nothing_and_the_good_rows_are_whole(sales: World) -> None:
    before = (Customer.objects.count(), Contact.objects.count())
    outcomes = services.customers_create_batch(actor=sales.alice, rows=_rows())
    saved = [outcome.customer for outcome in outcomes if outcome.customer]
    assert Customer.objects.count() == before[0] + len(saved)
    assert Contact.objects.count() == before[1] + len(saved)  # each with its first contact, no more
    numbers = [customer.number for customer in saved]
    assert len(set(numbers)) == len(numbers)


def _queries(actor: User, count: int, start: int) -> tuple[int, int]:
    """(queries other than inserts, inserts) of one batch of ``count`` rows."""
    rows = [
        NewCustomer(
            {"name": f"测试客户{start + index:05d}号", "level": "A", "phone": f"021{66000000 + start + index}"},
            {"name": "王芳", "mobile": f"139{start + index:08d}"},
            {"staff": index},
        )
        for index in range(count)
    ]
    rows[-1] = NewCustomer({"name": rows[0].data["name"]})  # a duplicate within the batch
    with CaptureQueriesContext(connection) as queries:
        outcomes = services.customers_create_batch(actor=actor, rows=rows)
    assert sum(1 for outcome in outcomes if outcome.customer) == count - 1
    inserts = sum(1 for query in queries.captured_queries if query["sql"].startswith("INSERT"))
    return len(queries) - inserts, inserts


def test_the_queries_of_a_batch_do_not_grow_with_its_rows(sales: World) -> None:
    HoldingLimit.objects.create(business_unit=sales.unit, user=sales.alice, holding_limit=1000)
    small = _queries(sales.alice, 10, 0)
    large = _queries(sales.alice, 200, 1000)
    assert large[0] <= small[0], (small, large)
    if connection.vendor == "postgresql":  # one insert per table (and the first batch starts the numbering)
        assert large[1] <= small[1] <= 6
    else:  # SQLite takes at most 999 values a statement: a table's insert comes in a few parts
        assert large[1] <= 40
