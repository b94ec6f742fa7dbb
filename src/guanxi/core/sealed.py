"""Secrets the system must read back (a PBX's key, an SMS provider's key), stored encrypted with Fernet
(``cryptography``) under a key derived from ``SECRET_KEY`` and the secret's purpose, so that one purpose's
ciphertext never opens another's. Changing ``SECRET_KEY`` makes them unreadable: each owner then asks for the
secret again (``Unreadable``)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class Unreadable(Exception):
    """The ciphertext was sealed under another site secret (or is not a ciphertext at all)."""


def _fernet(purpose: str) -> Fernet:
    key = hashlib.sha256(f"guanxi-{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str, *, purpose: str) -> str:
    return _fernet(purpose).encrypt(text.encode()).decode()


def unseal(token: str, *, purpose: str) -> str:
    """The text sealed for ``purpose``; "" for "" (nothing stored)."""
    if not token:
        return ""
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise Unreadable from error
