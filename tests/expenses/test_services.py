"""Expense claims: lines checked in full, approval by amount thresholds, payment by finance, cost per record."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.expenses import selectors, services
from guanxi.expenses.models import Expense, ExpenseLine
from guanxi.workflows import services as approvals
from guanxi.workflows.models import ApprovalRequest
from tests.collab.conftest import exe_as_pdf, png_file
from tests.conftest import TwoUnits, World
from tests.customers.test_services import register


def line(amount: str = "100.00", days: int = 1, category: str = "travel", **extra: object) -> dict[str, object]:
    return {
        "category": category,
        "spent_on": timezone.localdate() - timedelta(days=days),
        "amount": Decimal(amount),
        **extra,
    }


def claim(actor: object, *lines: dict[str, object], **data: object) -> Expense:
    return services.expense_create(actor=actor, data={"title": "拜访客户", **data}, lines=lines or [line()])  # type: ignore[arg-type]


def test_a_claim_totals_its_lines_and_takes_a_number(office: World) -> None:
    expense = claim(office.alice, line("356.50"), line("480", category="hotel", receipt=png_file()))
    assert expense.total == Decimal("836.50") and expense.number.startswith("BX") and expense.status == "draft"
    stored = ExpenseLine.objects.get(expense=expense, category="hotel")
    assert stored.receipt_name == "receipt.png" and stored.receipt.name


def test_bad_lines_are_all_reported_by_line_and_field_and_nothing_is_saved(office: World) -> None:
    with pytest.raises(ValidationError) as refused:
        claim(
            office.alice,
            line("-5"),
            line("0"),
            line("10", days=-1),
            line("10", category="yacht"),
            line("10", receipt=exe_as_pdf("photo.png")),
            line("1.234"),
        )
    assert set(refused.value.message_dict) == {
        "lines.0.amount", "lines.1.amount", "lines.2.spent_on", "lines.3.category", "lines.4.receipt", "lines.5.amount",
    }  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.expense_create(actor=office.alice, data={"title": ""}, lines=[])
    assert set(refused.value.message_dict) == {"title"}
    assert Expense.all_objects.count() == 0 and ExpenseLine.objects.count() == 0


def _decide(expense: Expense, approver: object, approve: bool = True) -> None:
    request = ApprovalRequest.objects.get(
        record_type=services.EXPENSE_APPROVAL, object_id=str(expense.pk), status="pending"
    )
    approvals.approval_decide(actor=approver, request=request, approve=approve)  # type: ignore[arg-type]


def test_a_small_claim_needs_the_manager_only_and_finance_pays_it(office: World) -> None:
    expense = services.expense_submit(actor=office.alice, expense=claim(office.alice, line("800")))
    request = ApprovalRequest.objects.get(object_id=str(expense.pk), record_type=services.EXPENSE_APPROVAL)
    assert (expense.status, request.step_count, request.amount) == ("pending", 1, Decimal("800.00"))
    _decide(expense, office.bob)
    expense.refresh_from_db()
    assert expense.status == "approved"
    with pytest.raises(NotPermitted):
        services.expense_pay(actor=office.bob, expense=expense)  # a manager does not pay
    paid = services.expense_pay(actor=office.fay, expense=expense, reference="FK001")  # type: ignore[attr-defined]
    assert (paid.status, paid.paid_by, paid.payment_reference) == ("paid", office.fay, "FK001")  # type: ignore[attr-defined]
    with pytest.raises(Conflict):
        services.expense_pay(actor=office.fay, expense=expense)  # type: ignore[attr-defined]


def test_a_claim_over_the_threshold_also_needs_the_unit_head(office: World) -> None:
    expense = services.expense_submit(actor=office.alice, expense=claim(office.alice, line("3000"), line("2500")))
    request = ApprovalRequest.objects.get(object_id=str(expense.pk), record_type=services.EXPENSE_APPROVAL)
    assert request.step_count == 2
    _decide(expense, office.bob)
    expense.refresh_from_db()
    assert expense.status == "pending"  # the unit head's step waits
    _decide(expense, office.dora)  # type: ignore[attr-defined]
    expense.refresh_from_db()
    assert expense.status == "approved"


def test_a_rejected_claim_can_be_corrected_and_submitted_again(office: World) -> None:
    expense = services.expense_submit(actor=office.alice, expense=claim(office.alice))
    _decide(expense, office.bob, approve=False)
    expense.refresh_from_db()
    assert expense.status == "rejected"
    with pytest.raises(NotPermitted):
        services.expense_pay(actor=office.bob, expense=expense)
    fixed = services.expense_update(
        actor=office.alice, expense=expense, version=expense.version, data={}, lines=[line("90")]
    )
    assert fixed.total == Decimal("90.00")
    assert services.expense_submit(actor=office.alice, expense=fixed).status == "pending"
    with pytest.raises(DomainError):
        services.expense_update(
            actor=office.alice, expense=fixed, version=fixed.version + 1, data={}, lines=[line("1")]
        )


def test_a_withdrawn_claim_is_a_draft_again(office: World) -> None:
    expense = services.expense_submit(actor=office.alice, expense=claim(office.alice))
    assert services.expense_withdraw(actor=office.alice, expense=expense).status == "draft"
    assert not ApprovalRequest.objects.filter(object_id=str(expense.pk), status="pending").exists()


def test_a_customer_and_an_opportunity_show_what_they_cost(office: World) -> None:
    from tests.sales.conftest import open_opportunity

    customer = register(office.alice, "上海精工机械有限公司")
    opportunity = open_opportunity(office.alice, customer)
    spent = services.expense_submit(
        actor=office.alice, expense=claim(office.alice, line("300", category="meals"), opportunity=opportunity)
    )
    _decide(spent, office.bob)
    services.expense_submit(actor=office.alice, expense=claim(office.alice, line("50"), customer=customer))
    claim(office.alice, line("999"), customer=customer)  # a draft costs nothing yet
    cost = selectors.cost_of(actor=office.bob, customer_id=customer.pk)
    assert (cost["spent"], cost["pending"], cost["count"]) == (Decimal("300.00"), Decimal("50.00"), 3)
    assert cost["by_category"][0]["amount"] == Decimal("300.00")
    by_opportunity = selectors.cost_of(actor=office.bob, opportunity_id=opportunity.pk)
    assert by_opportunity["spent"] == Decimal("300.00") and by_opportunity["count"] == 1
    assert spent.customer_id == customer.pk  # the opportunity's customer is charged too
    assert selectors.cost_of(actor=office.charlie, customer_id=customer.pk)["count"] == 0


def test_an_opportunity_of_another_customer_or_an_invisible_customer_is_refused(two_units: TwoUnits) -> None:
    from tests.sales.conftest import open_opportunity

    mine = register(two_units.alice, "上海精工机械有限公司")
    other = register(two_units.alice, "苏州精密有限公司", contact={"name": "李四", "mobile": "13912345670"})
    opportunity = open_opportunity(two_units.alice, other)
    with pytest.raises(ValidationError) as refused:
        claim(two_units.alice, customer=mine, opportunity=opportunity)
    assert set(refused.value.message_dict) == {"opportunity"}
    with pytest.raises(ValidationError) as refused:
        claim(two_units.bella, customer=mine)
    assert set(refused.value.message_dict) == {"customer"}
