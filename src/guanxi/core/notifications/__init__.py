"""Notifications (SPEC §4.6): apps register their kinds and call ``notify``; users choose per kind
whether they see them in the app and/or by e-mail."""

from .kinds import Kind, register_kind
from .services import notify

__all__ = ["Kind", "notify", "register_kind"]
