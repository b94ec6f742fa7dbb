"""The portal's rules: registrations (报备) through the duplicate check and the conflict case of an internal
registration, neutral words for the partner, tickets for their customers only, and the partners' passwords."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.core.permissions import grants_of, has_perm
from guanxi.customers.models import Customer, Lifecycle
from guanxi.leads.models import Lead
from guanxi.org.models import Role
from guanxi.pool.conflicts import conflict_decide
from guanxi.pool.models import ConflictCase
from guanxi.portal import selectors, services
from guanxi.portal.models import Outcome, Registration
from guanxi.service.models import Ticket
from tests.customers.test_partners import client
from tests.portal.conftest import PORTAL_PASSWORD, Channel


def register_customer(channel: Channel, name: str, **data: Any) -> Registration:
    contact = data.pop("contact", {"name": "孙八", "mobile": "13512340000"})
    return services.registration_submit_customer(actor=channel.pia, data={"name": name, **data}, contact=contact)


def test_a_new_customer_is_registered_for_the_account_manager_and_attributed_to_the_partner(channel: Channel) -> None:
    registration = register_customer(channel, "常州新程机电有限公司", phone="0519-88776655")

    customer = registration.customer
    assert customer is not None
    assert registration.outcome == Outcome.ACCEPTED
    assert (customer.owner, customer.partner, customer.status) == (channel.alice, channel.east, Lifecycle.POTENTIAL)
    assert customer.contacts.get().mobile == "13512340000"
    assert selectors.registration_status(registration).code == "potential"
    assert customer in selectors.customers(actor=channel.pia)
    assert customer not in selectors.customers(actor=channel.pete)
    entry = AuditEntry.objects.filter(actor=channel.pia, object_id=str(customer.pk)).get()
    assert "portal_registration" in entry.changes


def test_a_customer_a_colleague_holds_opens_a_conflict_case_and_tells_the_partner_nothing_of_them(
    channel: Channel,
) -> None:
    held = client(channel.charlie, "南京金陵精密有限公司", phone="025-66668888")

    registration = register_customer(channel, "南京金陵精密有限公司", phone="025-66668888")

    case = ConflictCase.objects.get(customer=held)
    assert (case.claimant, case.holder, case.status) == (channel.alice, channel.charlie, ConflictCase.Status.OPEN)
    assert (registration.outcome, registration.conflict, registration.customer) == (Outcome.IN_REVIEW, case, None)
    assert Customer.objects.filter(name="南京金陵精密有限公司").count() == 1
    status = selectors.registration_status(registration)
    assert (status.code, status.label) == ("in_review", "Under review")
    assert held not in selectors.customers(actor=channel.pia)

    conflict_decide(actor=channel.bob, case=case, decision=ConflictCase.Decision.GIVE)
    registration.refresh_from_db()
    assert selectors.registration_status(registration).label == "Accepted after review"


def test_a_refused_review_reads_not_accepted(channel: Channel) -> None:
    client(channel.charlie, "南京金陵精密有限公司")
    registration = register_customer(channel, "南京金陵精密有限公司")
    assert registration.conflict is not None
    conflict_decide(actor=channel.bob, case=registration.conflict, decision=ConflictCase.Decision.KEEP)
    registration.refresh_from_db()
    assert selectors.registration_status(registration).code == "not_accepted"


def test_a_customer_in_the_pool_or_the_managers_own_is_already_registered_without_a_case(channel: Channel) -> None:
    pooled = client(channel.charlie, "合肥庐阳电子有限公司")
    Customer.all_objects.filter(pk=pooled.pk).update(owner=None, status=Lifecycle.POOL)

    in_pool = register_customer(channel, "合肥庐阳电子有限公司")
    own = register_customer(channel, "上海自营客户有限公司")

    assert (in_pool.outcome, own.outcome) == (Outcome.ALREADY_KNOWN, Outcome.ALREADY_KNOWN)
    assert not ConflictCase.objects.exists()
    assert selectors.registration_status(own).label == "Already registered"


def test_bad_input_is_refused_on_its_field_and_nothing_is_kept(channel: Channel) -> None:
    with pytest.raises(ValidationError) as refusal:
        register_customer(channel, "", contact={"name": "孙八", "mobile": "123"})
    assert {"name", "contact_mobile"} <= set(refusal.value.message_dict)
    assert not Registration.objects.exists()


def test_a_partner_without_an_account_manager_cannot_register(channel: Channel) -> None:
    Customer.all_objects.filter(pk=channel.east.pk).update(owner=None, status=Lifecycle.POOL)
    with pytest.raises(DomainError) as refusal:
        register_customer(channel, "常州新程机电有限公司")
    assert refusal.value.code == "no_account_manager"


def test_a_new_lead_is_registered_for_the_account_manager(channel: Channel) -> None:
    registration = services.registration_submit_lead(
        actor=channel.pia, data={"name": "钱多", "company": "嘉兴禾丰纺织有限公司", "mobile": "13677778888"}
    )
    lead = registration.lead
    assert lead is not None
    assert (lead.owner, lead.partner, lead.status) == (channel.alice, channel.east, "new")
    assert registration.name == "嘉兴禾丰纺织有限公司"
    assert lead in selectors.leads(actor=channel.pia)
    assert lead not in selectors.leads(actor=channel.pete)


def test_a_lead_for_a_customer_a_colleague_holds_opens_a_conflict_case(channel: Channel) -> None:
    held = client(channel.charlie, "南京金陵精密有限公司")
    registration = services.registration_submit_lead(
        actor=channel.pia, data={"name": "钱多", "company": "南京金陵精密有限公司", "mobile": "13677778888"}
    )
    assert registration.outcome == Outcome.IN_REVIEW
    assert registration.conflict is not None and registration.conflict.customer == held
    assert not Lead.objects.filter(mobile="13677778888").exists()


def test_a_lead_already_open_is_already_registered(channel: Channel) -> None:
    registration = services.registration_submit_lead(
        actor=channel.pete, data={"name": "周东", "company": "别的公司", "mobile": "13900001111"}
    )
    assert registration.outcome == Outcome.ALREADY_KNOWN
    assert not ConflictCase.objects.exists()


def test_staff_cannot_register_through_the_portal(channel: Channel) -> None:
    with pytest.raises(NotPermitted):
        services.registration_submit_lead(actor=channel.alice, data={"name": "钱多", "mobile": "13677778888"})


def test_a_partner_opens_tickets_for_the_customers_it_brought_only(channel: Channel) -> None:
    data = {"type": "repair", "subject": "主轴过热", "description": "运行两小时后报警"}
    ticket = services.partner_ticket_open(actor=channel.pia, customer=channel.east_customer, data=data)
    assert (ticket.created_by, ticket.channel, ticket.status) == (channel.pia, "web", "new")
    assert ticket in selectors.tickets(actor=channel.pia)

    with pytest.raises(DomainError) as refusal:
        services.partner_ticket_open(actor=channel.pia, customer=channel.south_customer, data=data)
    assert refusal.value.field == "customer"
    assert not Ticket.objects.filter(customer=channel.south_customer).exists()


def test_a_partners_person_never_holds_a_role_or_a_superusers_reach(channel: Channel) -> None:
    channel.pia.roles.set(Role.objects.filter(code__in=["system_admin", "unit_admin"]))
    channel.pia.is_superuser = True
    channel.pia.save()
    channel.pia.__dict__.pop("_grants", None)

    grants = grants_of(channel.pia)
    assert not grants.superuser
    assert grants.codes == frozenset({"service.create"})
    assert not has_perm(channel.pia, "customers.view")
    assert set(Customer.objects.visible_to(channel.pia)) == {channel.east_customer}


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1", "at least 10 characters"),
        ("abcdefghijkl", "Mix at least two"),
        ("1234567890123", "entirely numeric"),
        ("pia@east.example", "too similar"),
    ],
)
def test_a_partners_password_follows_the_partners_rules(channel: Channel, password: str, reason: str) -> None:
    with pytest.raises(DomainError) as refusal:
        services.partner_password_change(user=channel.pia, old_password=PORTAL_PASSWORD, new_password=password)
    assert reason in str(refusal.value.message)


def test_a_partner_changes_their_password_with_the_old_one(channel: Channel) -> None:
    with pytest.raises(DomainError) as refusal:
        services.partner_password_change(user=channel.pia, old_password="wrong", new_password="Fresh-Start-2027")
    assert refusal.value.field == "old_password"
    services.partner_password_change(user=channel.pia, old_password=PORTAL_PASSWORD, new_password="Fresh-Start-2027")
    channel.pia.refresh_from_db()
    assert channel.pia.check_password("Fresh-Start-2027")


def test_a_partners_user_never_joins_a_department_so_staff_are_told_apart_without_a_query(channel: Channel) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.core.scope import forget_partner, partner_of
    from guanxi.org.services.users import user_update

    with pytest.raises(DomainError) as refused:
        user_update(actor=channel.world.root, user=channel.pia, department=channel.world.shanghai)
    assert refused.value.field == "department"
    channel.pia.refresh_from_db()
    forget_partner(channel.pia)
    assert channel.pia.department_id is None and partner_of(channel.pia) == channel.east.pk
    forget_partner(channel.world.alice)
    with CaptureQueriesContext(connection) as queries:
        assert partner_of(channel.world.alice) is None
    assert len(queries) == 0


def test_a_case_decided_for_the_account_manager_attributes_the_customer_to_the_partner(channel: Channel) -> None:
    held = client(channel.charlie, "南京金陵精密有限公司", phone="025-66668888")
    registration = register_customer(channel, "南京金陵精密有限公司", phone="025-66668888")
    assert registration.conflict is not None and held not in selectors.customers(actor=channel.pia)

    conflict_decide(actor=channel.bob, case=registration.conflict, decision=ConflictCase.Decision.GIVE)

    held.refresh_from_db()
    registration.refresh_from_db()
    assert (held.owner, held.partner) == (channel.alice, channel.east)  # as a clean registration
    assert registration.customer == held
    assert held in selectors.customers(actor=channel.pia)
    assert held not in selectors.customers(actor=channel.pete)
    entry = AuditEntry.objects.filter(actor=channel.bob, object_id=str(held.pk), changes__has_key="partner").get()
    assert entry.changes == {"partner": [None, channel.east.pk]}


def test_a_lead_registration_that_wins_its_case_attributes_the_held_customer(channel: Channel) -> None:
    held = client(channel.charlie, "南京金陵精密有限公司")
    registration = services.registration_submit_lead(
        actor=channel.pia, data={"name": "钱多", "company": "南京金陵精密有限公司", "mobile": "13677778888"}
    )
    assert registration.conflict is not None
    conflict_decide(actor=channel.bob, case=registration.conflict, decision=ConflictCase.Decision.GIVE)
    held.refresh_from_db()
    assert (held.owner, held.partner) == (channel.alice, channel.east)


@pytest.mark.parametrize("decision", [ConflictCase.Decision.KEEP, ConflictCase.Decision.POOL])
def test_a_case_kept_or_pooled_attributes_nothing(channel: Channel, decision: str) -> None:
    held = client(channel.charlie, "南京金陵精密有限公司")
    registration = register_customer(channel, "南京金陵精密有限公司")
    assert registration.conflict is not None
    conflict_decide(actor=channel.bob, case=registration.conflict, decision=decision)
    held.refresh_from_db()
    registration.refresh_from_db()
    assert (held.partner, registration.customer) == (None, None)


def test_a_customer_another_partner_brought_keeps_that_partner_when_the_case_is_given(channel: Channel) -> None:
    held = client(channel.charlie, "南京金陵精密有限公司", partner=channel.south)
    registration = register_customer(channel, "南京金陵精密有限公司")
    assert registration.conflict is not None
    conflict_decide(actor=channel.bob, case=registration.conflict, decision=ConflictCase.Decision.GIVE)
    held.refresh_from_db()
    registration.refresh_from_db()
    assert (held.owner, held.partner, registration.customer) == (channel.alice, channel.south, None)


def test_an_internal_case_decided_for_the_claimant_attributes_nothing(channel: Channel) -> None:
    from guanxi.pool.conflicts import conflict_open

    held = client(channel.charlie, "南京金陵精密有限公司")
    case = conflict_open(actor=channel.alice, customer=held, match="name", attempted={"name": held.name})
    conflict_decide(actor=channel.bob, case=case, decision=ConflictCase.Decision.GIVE)
    held.refresh_from_db()
    assert (held.owner, held.partner) == (channel.alice, None)
