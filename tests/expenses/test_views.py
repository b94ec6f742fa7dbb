"""Expense pages: the form with its lines, the claim with its approval, finance's payment, the 360 tab."""

from datetime import timedelta

from django.utils import timezone

from guanxi.expenses import services
from guanxi.expenses.models import Expense
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_decide
from tests.collab.conftest import png_file
from tests.conftest import World, client_for
from tests.customers.test_services import register


def _form(**lines: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "拜访客户", "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
    }  # fmt: skip
    data.update(lines)
    return data


def test_a_claim_is_made_on_the_page_with_a_receipt_and_submitted(office: World) -> None:
    alice = client_for(office.alice)
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    answer = alice.post(
        "/expenses/new/",
        _form(**{"lines-0-category": "travel", "lines-0-spent_on": day, "lines-0-amount": "88.50",
                 "lines-0-receipt": png_file(), "submit": "1"}),
    )  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    expense = Expense.objects.get()
    assert (expense.status, str(expense.total)) == ("pending", "88.50")
    page = alice.get(f"/expenses/{expense.pk}/").content.decode()
    assert "receipt.png" in page and expense.number in page


def test_a_future_date_and_a_negative_amount_are_shown_on_their_fields(office: World) -> None:
    alice = client_for(office.alice)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answer = alice.post(
        "/expenses/new/",
        _form(**{"lines-0-category": "travel", "lines-0-spent_on": tomorrow, "lines-0-amount": "-1"}),
    )
    assert answer.status_code == 200 and Expense.all_objects.count() == 0
    text = answer.content.decode()
    assert "The date cannot be in the future." in text or "日期不能晚于今天" in text


def test_finance_pays_from_the_claims_page_and_the_customer_tab_shows_the_cost(office: World) -> None:
    customer = register(office.alice, "上海精工机械有限公司")
    expense = services.expense_create(
        actor=office.alice, data={"title": "差旅", "customer": customer},
        lines=[{"category": "travel", "spent_on": timezone.localdate(), "amount": "300"}],
    )  # fmt: skip
    services.expense_submit(actor=office.alice, expense=expense)
    request = ApprovalRequest.objects.get(object_id=str(expense.pk), record_type="expenses.claim")
    approval_decide(actor=office.bob, request=request, approve=True)
    assert client_for(office.bob).post(f"/expenses/{expense.pk}/pay/").status_code == 403  # a manager does not pay
    fay = client_for(office.fay)  # type: ignore[attr-defined]
    assert fay.post(f"/expenses/{expense.pk}/pay/", {"reference": "FK1"}).status_code == 302
    expense.refresh_from_db()
    assert expense.status == "paid"
    tab = client_for(office.bob).get(f"/expenses/customers/{customer.pk}/").content.decode()
    assert expense.number in tab and "300.00" in tab
    assert client_for(office.charlie).get(f"/expenses/{expense.pk}/").status_code in (403, 404)
