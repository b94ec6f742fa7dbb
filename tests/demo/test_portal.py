"""The demo's partner portal: two partners' people (one per unit) who registered leads and customers, one
registration under review as a conflict case, and a ticket each; loading again adds nothing."""

from io import StringIO

from guanxi.core.scope import partner_of
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.pool.models import ConflictCase
from guanxi.portal import demo as portal_demo
from guanxi.portal.models import Outcome, PartnerMember, Registration
from guanxi.service.models import Ticket


def test_two_partners_people_registered_leads_customers_and_a_ticket(demo: str, db: None) -> None:
    assert "Demo partner portal: 3 users" in demo
    members = PartnerMember.objects.select_related("partner", "user")
    assert {member.partner.business_unit.code for member in members} == {"industrial", "auto"}
    for member in members:
        user = User.objects.get(pk=member.user_id)
        assert user.check_password(portal_demo.PASSWORD) and user.department_id is None
        assert partner_of(user) == member.partner_id
        brought = Customer.objects.visible_to(user)
        assert brought.exists() and not brought.exclude(partner=member.partner).exists()
    registrations = Registration.objects.all()
    assert {row.kind for row in registrations} == {"lead", "customer"}
    assert registrations.filter(outcome=Outcome.IN_REVIEW, conflict__status=ConflictCase.Status.OPEN).exists()
    assert Ticket.objects.filter(created_by__partner_membership__isnull=False).count() == 2

    out = StringIO()
    portal_demo.load(out)
    assert "already there" in out.getvalue()
    assert Registration.objects.count() == registrations.count()
