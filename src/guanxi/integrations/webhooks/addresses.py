"""Where a webhook may point (SSRF): a public http(s) address, unless the unit's administrator allows
private ones (``integrations.webhooks_allow_private``, for a receiver inside the company's network)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import DomainError

ALLOW_PRIVATE = "integrations.webhooks_allow_private"


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def url_refusal(url: str, *, unit_id: int | None) -> str:
    """Why a delivery may not go to ``url`` ("" when it may): not http(s), no host, a host that does not
    resolve, or one that resolves to a loopback, private, link-local or reserved address (10.x, 127.x,
    169.254.x, 192.168.x, ::1 …) while the unit does not allow them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Give an http:// or https:// address.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        return _("The host %(host)s cannot be found.") % {"host": parts.hostname}
    if parameter_value(ALLOW_PRIVATE, unit=unit_id):
        return ""
    if any(_private(str(row[4][0])) for row in found):
        return _(
            "%(host)s is a private or local address; an administrator of the business unit must allow "
            "private addresses first."
        ) % {"host": parts.hostname}
    return ""


def url_check(url: str, *, unit_id: int | None) -> None:
    refusal = url_refusal(url, unit_id=unit_id)
    if refusal:
        raise DomainError(refusal, field="url", code="url_refused")
