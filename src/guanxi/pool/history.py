"""How the pool's entries read in the audit trail (SPEC §3.2): lifecycle events, reclaims and the reasons a
customer returned, as words instead of codes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core.auditlog.presentation import register_note_dictionary, register_note_labels

from .lifecycle import Event
from .models import PoolEvent


def register() -> None:
    register_note_labels(
        {
            **dict(Event.choices),
            "claim": Event.CLAIMED.label,
            "reclaim_pool": PoolEvent.Kind.RECLAIM.label,
            "owner_left": _("the owner left"),
            "no_followup": _("not followed up within the pool's time limit"),
            "no_deal": _("no deal within the pool's time limit"),
        }
    )
    register_note_dictionary("return_reason")
