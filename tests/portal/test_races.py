"""Races of the Portal tab, decided by the database (PostgreSQL only): two people deactivating the same
partner's user at once change it once; the other is told."""

from collections.abc import Callable

import pytest

from guanxi.core.models import AuditEntry
from guanxi.org.models import User
from guanxi.portal import services
from guanxi.portal.models import PartnerMember
from tests.conftest import TwoUnits
from tests.portal.conftest import Channel
from tests.sales.test_races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_people_deactivating_a_partner_user_at_once_change_it_once() -> None:
    channel = Channel(TwoUnits())

    def deactivate(actor: User) -> Callable[[], object]:
        member = PartnerMember.objects.select_related("user", "partner").get(user=channel.pia)
        return lambda: services.partner_member_deactivate(actor=User.objects.get(pk=actor.pk), member=member)

    outcomes = at_once(deactivate(channel.alice), deactivate(channel.ada))

    assert sorted(outcomes) == ["Conflict", "done"]
    assert User.objects.get(pk=channel.pia.pk).status == User.Status.FROZEN
    assert AuditEntry.objects.filter(changes__has_key="portal_user_status").count() == 1
