"""Every page needs a signed-in user, except the short list of public ones."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "org:login",
    "org:logout",
    "org:set_language",
    "healthz",
    "api-token",
    "leads:webform",  # the public web-to-lead form and its thank-you page (SPEC §5.2)
    "leads:webform_thanks",
    "service:public_feedback",  # the customer's feedback link (an unguessable token, SPEC §9.2)
    "service:faq",  # the public FAQ (SPEC §9.4), every unit's or one unit's
    "service:unit_faq",
    "portal:login",  # the partner portal's sign-in, sign-out and invitation link (an unguessable signed token)
    "portal:logout",
    "portal:accept",
    "marketing:opened",  # a marketing e-mail's tracking pixel, click redirect and unsubscribe link (tokens)
    "marketing:click",
    "marketing:unsubscribe",
    "marketing:sms_inbound",  # the SMS provider's inbound hook (退订 replies) and delivery reports, a token
    "marketing:sms_report",
    "marketing:mail_bounce",  # the mail relay's bounce messages, the site's hook token
    "marketing:register",  # an event's public registration page and its confirmation with the QR code
    "marketing:registered",
}


def named_routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> list:
    routes = []
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += named_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            routes.append((f"{namespace}{entry.name}", prefix + str(entry.pattern)))
    return routes


def concrete(pattern: str) -> str:
    """A URL for a pattern: every path parameter becomes 1."""
    pattern = re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern)  # regex groups (the API router)
    return "/" + re.sub(r"<[^>]+>", "1", pattern).replace("^", "").replace("$", "")


PRIVATE = [(name, pattern) for name, pattern in named_routes() if name not in PUBLIC]


def test_the_public_list_names_real_routes() -> None:
    assert {name for name, _ in named_routes()} >= PUBLIC


@pytest.mark.parametrize(("name", "pattern"), PRIVATE)
def test_it_refuses_anonymous_visitors(db: None, name: str, pattern: str) -> None:
    response = Client().get(concrete(pattern))
    if response.status_code == 405:  # an action that only takes POST
        response = Client().post(concrete(pattern))
    assert response.status_code in (302, 401, 403), f"{name} answered {response.status_code} to a stranger"
    if response.status_code == 302:
        assert "/login/" in response["Location"]
