"""The pool's pages: the pool list, claim, assign, return, lock, the settings and the conflict inbox."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from guanxi.core.jobs import run_job
from guanxi.customers.models import Customer
from guanxi.pool import services as pool
from guanxi.pool import tasks  # noqa: F401 (importing the tasks registers the reclaim_pool job)
from guanxi.pool.models import ConflictCase, HoldingLimit, Pool
from guanxi.pool.rules import DAY
from tests.conftest import client_for, grant, make_user
from tests.customers.conftest import regions, regions_file  # noqa: F401 (fixtures)
from tests.pool.pool_helpers import START, PoolWorld, fresh, in_pool, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(db: None) -> PoolWorld:
    return PoolWorld()


def english(user: Any) -> Any:
    return client_for(user, HTTP_ACCEPT_LANGUAGE="en")


def test_the_pool_list_masks_contacts_and_offers_claim_by_permission(sales: PoolWorld) -> None:
    customer = in_pool(sales, phone="021-68888888")
    page = english(sales.alice).get(reverse("pool:pool"))
    assert page.status_code == 200
    assert customer.name in page.text and "021****8888" in page.text and "02168888888" not in page.text
    assert reverse("pool:claim", args=[customer.pk]) in page.text
    assert reverse("pool:assign", args=[customer.pk]) not in page.text  # a salesperson does not assign
    assert reverse("pool:assign", args=[customer.pk]) in english(sales.bob).get(reverse("pool:pool")).text
    assert client_for(make_user("nobody", "无角色", sales.shanghai)).get(reverse("pool:pool")).status_code == 403


def test_the_pool_list_runs_a_fixed_number_of_queries(sales: PoolWorld, django_assert_max_num_queries: Any) -> None:
    for n in range(30):
        in_pool(sales, f"上海第{n}机械有限公司")
    client = english(sales.alice)
    client.get(reverse("pool:pool"))
    # the salesperson's standing, the return reasons, the cool-down and the approvals badge in the menu;
    # the daily viewing limit (its overrides and the unit's parameter); the unread announcements' menu badge;
    # one more without Redis (the SQLite run), where the session is read from the database
    with django_assert_max_num_queries(25):
        page = client.get(reverse("pool:pool"))
    assert len(page.context["page_obj"].object_list) == 25


@pytest.mark.usefixtures("regions")
def test_the_pool_list_shows_level_region_return_reason_and_the_salespersons_standing(sales: PoolWorld) -> None:
    customer = registered(sales.alice, level="A", province="310000", city="310100", county="310115")
    with time_machine.travel(START, tick=False):
        pool.customer_return(actor=sales.alice, customer=customer, reason="no_need", note="预算取消")
    with time_machine.travel(START + timedelta(days=2), tick=False):
        page = client_for(sales.alice).get(reverse("pool:pool"))
    row = page.text[page.text.index(f'data-customer="{customer.pk}"') :]
    assert ">A</span>" in row and "上海市 浦东新区" in row and "暂无需求" in row and "预算取消" in row
    assert 'data-testid="claims-left">20 / 20<' in page.text and 'data-testid="holding">0 / 200<' in page.text
    # Alice returned it two days ago: her claim button is disabled with the cool-down's reason.
    assert f'data-testid="cooling-{customer.pk}"' in row and "7" in row
    assert reverse("pool:claim", args=[customer.pk]) not in row
    assert reverse("pool:claim", args=[customer.pk]) in client_for(sales.dave).get(reverse("pool:pool")).text


def test_a_customer_the_sweep_returned_shows_why_in_words(sales: PoolWorld) -> None:
    customer = in_pool(sales)
    with time_machine.travel(START, tick=False):
        pool.customer_claim(actor=sales.alice, customer=customer)
    run_job("reclaim_pool", at=START + timedelta(days=31))
    with time_machine.travel(START + timedelta(days=31), tick=False):
        row = client_for(sales.dave).get(reverse("pool:pool")).text
        english_row = english(sales.dave).get(reverse("pool:pool")).text
    assert "超过公海期限未跟进" in row and "no_followup" not in row
    assert escape("not followed up within the pool's time limit") in english_row


def test_the_360_page_of_a_pool_customer_shows_the_standing_and_the_cool_down(sales: PoolWorld) -> None:
    customer = registered(sales.alice)
    with time_machine.travel(START, tick=False):
        pool.customer_return(actor=sales.alice, customer=customer, reason="no_need")
    with time_machine.travel(START + timedelta(days=1), tick=False):
        page = english(sales.alice).get(reverse("customers:detail", args=[customer.pk]))
    assert 'data-testid="holding">0 / 200<' in page.text
    assert "You returned or lost" in page.context["claim_cooling"]
    assert str(escape(page.context["claim_cooling"])) in page.text
    assert 'data-testid="claim"' not in page.text


def test_a_claim_from_the_list_leads_to_the_customer_with_its_countdown(sales: PoolWorld) -> None:
    customer = in_pool(sales)
    response = english(sales.alice).post(reverse("pool:claim", args=[customer.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("customers:detail", args=[customer.pk])
    assert "is yours now" in response.text
    assert response.context["expiry_label"] == "30 days"
    lost = english(sales.dave).post(reverse("pool:claim", args=[customer.pk]), follow=True)
    assert "already claimed by 李爱丽" in lost.text
    assert fresh(customer).owner == sales.alice


def test_the_claim_of_several_fails_whole_at_the_cap(sales: PoolWorld) -> None:
    HoldingLimit.objects.create(business_unit=sales.unit, user=sales.alice, holding_limit=1)
    customers = [in_pool(sales, f"上海第{n}机械有限公司") for n in range(2)]
    response = english(sales.alice).post(
        reverse("pool:pool_claim_many"), {"ids": [str(c.pk) for c in customers]}, follow=True
    )
    assert "the limit is 1" in response.text
    assert not Customer.objects.filter(owner=sales.alice).exists()


def test_a_pool_customers_page_shows_its_history_with_contacts_masked(sales: PoolWorld) -> None:
    customer = in_pool(sales, phone="021-68888888", address="浦东新区世纪大道1号")
    Pool.objects.filter(customers=customer).update(hidden_fields=["address"])
    page = english(sales.alice).get(reverse("customers:detail", args=[customer.pk]))
    assert page.status_code == 200
    assert "021****8888" in page.text and "02168888888" not in page.text
    assert "世纪大道" not in page.text
    assert page.context["may_claim"] and not page.context["may_return"]
    assert english(sales.alice).get(reverse("customers:detail", args=[customer.pk]) + "?tab=history").status_code == 200


def test_return_asks_for_a_reason_from_the_dictionary(sales: PoolWorld) -> None:
    customer = registered(sales.alice)
    url = reverse("pool:return", args=[customer.pk])
    form = english(sales.alice).get(url)
    assert "Unreachable" in form.text  # the dictionary's shipped items, in the reader's language
    missing = english(sales.alice).post(url, {"reason": ""})
    assert missing.status_code == 200 and "reason" in missing.context["form"].errors
    done = english(sales.alice).post(url, {"reason": "unreachable", "note": "空号"})
    assert done.status_code == 302
    assert fresh(customer).owner is None
    assert english(sales.charlie).get(url).status_code == 404  # not theirs, not in their scope


def test_a_manager_assigns_locks_and_unlocks(sales: PoolWorld) -> None:
    customer = in_pool(sales)
    assert english(sales.alice).get(reverse("pool:assign", args=[customer.pk])).status_code == 403
    refused = english(sales.bob).post(reverse("pool:assign", args=[customer.pk]), {"owner": sales.charlie.pk})
    assert "within your data scope" in str(refused.context["form"].errors)
    assert (
        english(sales.bob).post(reverse("pool:assign", args=[customer.pk]), {"owner": sales.alice.pk}).status_code
        == 302
    )
    assert fresh(customer).owner == sales.alice
    lock_url = reverse("pool:lock", args=[customer.pk])
    assert english(sales.bob).post(lock_url, {"note": "重点项目"}).status_code == 302
    detail = english(sales.alice).get(reverse("customers:detail", args=[customer.pk]))
    assert detail.context["expiry_label"] == "Locked"
    unlocked = english(sales.bob).post(lock_url, {})
    assert unlocked.status_code == 302, unlocked.context["form"].errors
    assert fresh(customer).locked_at is None


def test_the_customer_list_shows_days_to_expiry_and_filters_the_pool_status(sales: PoolWorld) -> None:
    with time_machine.travel(START, tick=False):
        customer = registered(sales.alice)
        page = english(sales.alice).get(reverse("customers:list"))
    cells = {cell.key: cell.value for cell in page.context["page_obj"].object_list[0].cells}
    assert (str(cells["expiry"]), cells["expiry"].days) == ("30 days", 30)
    waiting = in_pool(sales, "北京京东方机械有限公司")
    pooled = english(sales.root).get(reverse("customers:list"), {"status": "pool"})
    assert [row.pk for row in pooled.context["page_obj"].object_list] == [waiting.pk]
    assert customer.name not in pooled.text


def test_pool_settings_create_a_department_pool_that_takes_over_its_members_customers(sales: PoolWorld) -> None:
    admin = grant(make_user("uadmin", "管理员", sales.head_office), "unit_admin")
    customer = registered(sales.alice)
    assert english(sales.alice).get(reverse("pool:pool_settings")).status_code == 403
    assert english(admin).get(reverse("pool:pool_settings")).status_code == 200
    response = english(admin).post(
        reverse("pool:pool_create"),
        {"department": sales.shanghai.pk, "name": "上海公海", "no_followup_days": "10", "hidden": ["address"]},
    )
    assert response.status_code == 302, response.context["form"].errors
    shanghai = Pool.objects.get(department=sales.shanghai)
    assert (shanghai.no_followup_days, shanghai.hidden_fields) == (10, ["address"])
    customer = fresh(customer)
    assert customer.pool == shanghai
    assert customer.claimed_at is not None
    assert customer.expires_at == customer.claimed_at + DAY * 11
    limit = english(admin).post(reverse("pool:holding_limit"), {"user": sales.alice.pk, "holding_limit": "5"})
    assert limit.status_code == 302
    assert pool.limits_of(sales.alice).holding == 5


def test_the_claimant_adds_evidence_on_the_case_page_and_withdraws(sales: PoolWorld) -> None:
    held = registered(sales.dave, "上海华信科技有限公司", phone="021-68888888")
    english(sales.alice).post(
        reverse("customers:create"), {"name": "华信科技", "kind": "company", "phone": "021-68888888"}
    )
    case = ConflictCase.objects.get()
    url = reverse("pool:conflict_evidence", args=[case.pk])
    empty = english(sales.alice).post(url, {"text": ""})
    assert empty.status_code == 400 and 'id="id_text_errors"' in empty.text
    assert english(sales.alice).post(url, {"text": "三月一日已上门拜访"}).status_code == 302
    assert "三月一日已上门拜访" in english(sales.bob).get(reverse("pool:conflict", args=[case.pk])).text
    assert 'data-testid="withdraw"' not in english(sales.bob).get(reverse("pool:conflict", args=[case.pk])).text
    withdrawn = english(sales.alice).post(reverse("pool:conflict_withdraw", args=[case.pk]), follow=True)
    assert "You withdrew the claim" in withdrawn.text and 'data-testid="case-status"' in withdrawn.text
    assert fresh(held).owner == sales.dave
    assert english(sales.charlie).post(reverse("pool:conflict_withdraw", args=[case.pk])).status_code == 404


def test_the_conflict_inbox_shows_evidence_and_a_manager_decides(sales: PoolWorld) -> None:
    held = registered(sales.dave, "上海华信科技有限公司", phone="021-68888888")
    refused = english(sales.alice).post(
        reverse("customers:create"), {"name": "华信科技", "kind": "company", "phone": "021-68888888"}
    )
    assert "A conflict case" in str(refused.context["form"].errors)
    case = ConflictCase.objects.get()
    # The refused form shows the case it opened, with the claimant's two actions.
    assert 'data-testid="conflict-case"' in refused.text
    assert reverse("pool:conflict_withdraw", args=[case.pk]) in refused.text
    assert f"{reverse('pool:conflict', args=[case.pk])}#claimant-evidence" in refused.text
    inbox = english(sales.bob).get(reverse("pool:conflicts"))
    assert reverse("pool:conflict", args=[case.pk]) in inbox.text
    page = english(sales.bob).get(reverse("pool:conflict", args=[case.pk]))
    assert "Registered" in page.text and page.context["form"] is not None
    assert english(sales.alice).get(reverse("pool:conflict", args=[case.pk])).context["form"] is None
    decided = english(sales.bob).post(reverse("pool:conflict", args=[case.pk]), {"decision": "pool"})
    assert decided.status_code == 302
    assert fresh(held).owner is None
    assert english(sales.charlie).get(reverse("pool:conflict", args=[case.pk])).status_code == 404


def test_the_pool_adds_its_return_to_the_customers_toolbar_after_share() -> None:
    from guanxi.customers.lists.views import BULK_ACTIONS

    assert list(BULK_ACTIONS) == ["transfer", "share", "return", "tag", "export", "delete"]
    assert BULK_ACTIONS["return"][0] == "pool.edit"
