"""The SMS provider interface (SPEC §11.4). A provider sends a batch of texts and answers, for each, the
provider's id or why it failed (and whether trying again may help). Two are built in: the outbox, which
records what it would have sent (the default, for trials and tests), and an HTTP adapter for a provider's
JSON API, with the endpoint, key and signature the unit configured. A reply (退订 / TD) comes back through
the inbound hook in ``views``."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guanxi.core import sealed

from .models import GatewayKind, SmsGateway, SmsOutbox

if TYPE_CHECKING:
    import httpx

TIMEOUT_SECONDS, CONNECT_SECONDS = 10.0, 5.0
KEY_PURPOSE = "sms-gateway"


def api_key_of(gateway: SmsGateway) -> str:
    """The provider's key in clear, for the request only (raises ``sealed.Unreadable``)."""
    return sealed.unseal(gateway.key_encrypted, purpose=KEY_PURPOSE)


@dataclass(frozen=True)
class Outcome:
    provider_id: str = ""
    error: str = ""
    transient: bool = False  # a network or provider failure: the same text may go later

    @property
    def ok(self) -> bool:
        return not self.error


class Provider:
    def send(self, texts: Sequence[tuple[str, str]]) -> list[Outcome]:  # (mobile, text) → outcome, in order
        raise NotImplementedError


class OutboxProvider(Provider):
    """Records each text in the unit's outbox, in one insert per batch."""

    def __init__(self, unit_id: int):
        self.unit_id = unit_id

    def send(self, texts: Sequence[tuple[str, str]]) -> list[Outcome]:
        rows = SmsOutbox.objects.bulk_create(
            [SmsOutbox(business_unit_id=self.unit_id, to=to, text=text) for to, text in texts]
        )
        return [Outcome(provider_id=f"outbox-{row.pk or ''}") for row in rows]


class HttpProvider(Provider):
    """POSTs ``{"mobile", "content", "signature"}`` as JSON to the endpoint, with the key as a bearer token
    and the body's HMAC-SHA256 under the key in ``X-Signature``; a 2xx answer with ``{"id"}`` is sent, a
    4xx is refused for good (the reason kept), anything else (5xx, no answer) is tried again later."""

    def __init__(self, gateway: SmsGateway):
        self.gateway = gateway

    def send(self, texts: Sequence[tuple[str, str]]) -> list[Outcome]:
        try:
            key = api_key_of(self.gateway)
        except sealed.Unreadable:  # the site's secret changed: wait (queued) until the key is entered again
            lost = Outcome(error="the provider's key can no longer be read: enter it again", transient=True)
            return [lost for _text in texts]
        import httpx  # here, not at import: texts are sent by the queue's workers, not the web processes

        outcomes = []
        with httpx.Client(timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_SECONDS)) as client:
            for to, text in texts:
                outcomes.append(self._one(client, key, to, text))
        return outcomes

    def _one(self, client: httpx.Client, key: str, to: str, text: str) -> Outcome:
        body = json.dumps({"mobile": to, "content": text, "signature": self.gateway.signature}, ensure_ascii=False)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {key}",
            "X-Signature": hmac.new(key.encode(), body.encode(), hashlib.sha256).hexdigest(),
        }
        import httpx

        try:
            answer = client.post(self.gateway.endpoint, content=body.encode(), headers=headers)
        except httpx.HTTPError as error:
            return Outcome(error=f"{type(error).__name__}: {error}"[:300], transient=True)
        if 200 <= answer.status_code < 300:
            try:
                found = answer.json()
                ident = str(found.get("id", "")) if isinstance(found, dict) else ""
            except ValueError:
                ident = ""
            return Outcome(provider_id=ident[:100])
        reason = f"HTTP {answer.status_code}: {answer.text[:200]}"
        return Outcome(error=reason, transient=answer.status_code >= 500 or answer.status_code == 429)


def provider_for(unit_id: int) -> Provider:
    gateway = SmsGateway.objects.filter(business_unit_id=unit_id).first()
    if gateway is not None and gateway.kind == GatewayKind.HTTP and gateway.endpoint:
        return HttpProvider(gateway)
    return OutboxProvider(unit_id)
