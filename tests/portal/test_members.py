"""The company's people deactivate and reactivate a partner's portal user from the partner's Portal tab: the
user can no longer sign in, their sessions end and their API token stops working; audited; the permission and
the scope are checked on the server (another unit's admin gets 404 and changes nothing)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from guanxi.core.errors import Conflict, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.org.models import User
from guanxi.portal import services
from guanxi.portal.models import PartnerMember
from tests.conftest import grant
from tests.portal.conftest import PORTAL_PASSWORD, Channel, signed_in


def _member(user: User) -> PartnerMember:
    return PartnerMember.objects.select_related("user", "partner").get(user=user)


def _tab(channel: Channel, language: str = "en") -> str:
    staff = signed_in(channel.alice)
    staff.cookies["django_language"] = language
    return staff.get(reverse("portal:partner_tab", args=[channel.east.pk])).text


def _sign_in(username: str) -> int:
    response = Client().post(reverse("portal:login"), {"username": username, "password": PORTAL_PASSWORD})
    return response.status_code


def test_a_deactivated_partner_user_cannot_sign_in_and_their_token_and_session_stop(channel: Channel) -> None:
    token = Token.objects.create(user=channel.pia)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    browser = signed_in(channel.pia)
    assert api.get("/api/v1/portal/customers/").status_code == 200
    assert browser.get(reverse("portal:home")).status_code == 200
    assert _sign_in("pia") == 302

    response = signed_in(channel.alice).post(reverse("portal:member_deactivate", args=[channel.pia.pk]))

    assert response.status_code == 302 and response["Location"].endswith("?tab=portal")
    channel.pia.refresh_from_db()
    assert channel.pia.status == User.Status.FROZEN
    assert api.get("/api/v1/portal/customers/").status_code == 401
    assert browser.get(reverse("portal:home")).status_code == 302  # signed out: to the sign-in page
    assert _sign_in("pia") == 200  # the form again, with the refusal
    entry = AuditEntry.objects.filter(actor=channel.alice, object_id=str(channel.east.pk)).latest("pk")
    assert entry.changes == {"portal_user_status": ["active", "frozen"]}
    assert "Deactivated" in _tab(channel) and "Reactivate" in _tab(channel)

    signed_in(channel.alice).post(reverse("portal:member_reactivate", args=[channel.pia.pk]))

    channel.pia.refresh_from_db()
    assert channel.pia.is_active
    assert _sign_in("pia") == 302
    assert not Token.objects.filter(user=channel.pia).exists()  # the old token stays revoked
    assert "停用" in _tab(channel, "zh-hans")


def test_another_units_admin_cannot_deactivate_a_partner_user_404(channel: Channel) -> None:
    for outsider in (channel.ben, channel.bella):  # unit B's admin and salesperson
        response = signed_in(outsider).post(reverse("portal:member_deactivate", args=[channel.pia.pk]))
        assert response.status_code == 404
        with pytest.raises(NotPermitted):
            services.partner_member_deactivate(actor=outsider, member=_member(channel.pia))
    channel.pia.refresh_from_db()
    assert channel.pia.is_active
    # unit B's admin manages unit B's partner's people
    services.partner_member_deactivate(actor=channel.ben, member=_member(channel.hana))
    channel.hana.refresh_from_db()
    assert not channel.hana.is_active


def test_the_permission_is_checked_on_the_server_and_a_partner_cannot_deactivate_a_colleague(
    channel: Channel,
) -> None:
    viewer = grant(channel.charlie)  # no role: not even the tab
    assert signed_in(viewer).post(reverse("portal:member_deactivate", args=[channel.pia.pk])).status_code == 403
    with pytest.raises(NotPermitted):
        services.partner_member_deactivate(actor=viewer, member=_member(channel.pia))
    with pytest.raises(NotPermitted):
        services.partner_member_deactivate(actor=channel.pete, member=_member(channel.pia))
    assert signed_in(channel.pete).post(reverse("portal:member_deactivate", args=[channel.pia.pk])).status_code == 404
    channel.pia.refresh_from_db()
    assert channel.pia.is_active


def test_deactivating_twice_or_reactivating_an_active_user_is_refused_in_words(channel: Channel) -> None:
    member = _member(channel.pia)
    with pytest.raises(Conflict) as active:
        services.partner_member_reactivate(actor=channel.alice, member=member)
    services.partner_member_deactivate(actor=channel.alice, member=member)
    with pytest.raises(Conflict) as twice:
        services.partner_member_deactivate(actor=channel.alice, member=_member(channel.pia))
    assert (active.value.code, twice.value.code) == ("member_status", "member_status")
    assert str(twice.value.message) == "This portal user is already deactivated."
