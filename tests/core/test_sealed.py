"""``core.sealed``: what one purpose seals, only that purpose opens; a changed site secret is told apart."""

import pytest

from guanxi.core import sealed


def test_a_purpose_opens_only_its_own_and_a_new_site_secret_opens_nothing(settings: object) -> None:
    token = sealed.seal("k-123", purpose="pbx")
    assert token != "k-123" and sealed.unseal(token, purpose="pbx") == "k-123"
    assert sealed.unseal("", purpose="pbx") == ""
    with pytest.raises(sealed.Unreadable):
        sealed.unseal(token, purpose="sms-gateway")
    settings.SECRET_KEY = "another-site-secret-" + "x" * 40  # type: ignore[attr-defined]
    with pytest.raises(sealed.Unreadable):
        sealed.unseal(token, purpose="pbx")
