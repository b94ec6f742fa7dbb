"""The portal's rules: registrations through the duplicate check and conflict cases, invitations."""

from guanxi.portal import selectors
from tests.portal.conftest import Channel


def test_the_world_builds(channel: Channel) -> None:
    assert selectors.customers(actor=channel.pia).get() == channel.east_customer
