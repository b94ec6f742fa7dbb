"""Mailbox passwords, encrypted at rest with Fernet (``cryptography``).

The keys come from the environment, ``GUANXI_MAILBOX_KEYS``: a comma-separated list of Fernet keys (make one
with ``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``). The first
key encrypts; every key in the list decrypts. Rotation: put the new key first and keep the old one after it,
restart, run ``guanxi jobs run mailboxes_rotate_keys`` (re-encrypts every password with the new key), then
remove the old key. Without the variable, a key derived from ``SECRET_KEY`` serves a local install."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from guanxi.core.jobs import job


class UnreadablePassword(Exception):
    """The stored password was encrypted with a key that is no longer configured."""


def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "MAILBOX_KEYS", []) or [])
    if not keys:
        derived = base64.urlsafe_b64encode(hashlib.sha256(f"guanxi-mailbox:{settings.SECRET_KEY}".encode()).digest())
        keys = [derived.decode()]
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise UnreadablePassword from error


@job("mailboxes_rotate_keys")
def rotate(at: datetime) -> str:
    """Re-encrypt every stored password with the first configured key."""
    from .models import Mailbox

    done = unreadable = 0
    fernet = _fernet()
    for pk, token in Mailbox.all_objects.values_list("pk", "password_encrypted").iterator():
        try:
            fresh = fernet.rotate(token.encode()).decode()
        except InvalidToken:
            unreadable += 1
            continue
        Mailbox.all_objects.filter(pk=pk, password_encrypted=token).update(password_encrypted=fresh)
        done += 1
    return f"{done} mailbox passwords re-encrypted, {unreadable} unreadable"
