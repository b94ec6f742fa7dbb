"""The signature of a delivery: ``X-Guanxi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` over
``"<t>.<body>"`` with the subscription's secret (docs/integrations.md shows how a receiver checks it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "X-Guanxi-Signature"
TOLERANCE_SECONDS = 300  # a receiver refuses a signature older than this (replays)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (the reference for the documented snippets, and the tests' receiver)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
