"""How the pool's entries read in the audit trail (SPEC §3.2): lifecycle events, reclaims and the reasons a
customer returned, as words instead of codes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core.auditlog.presentation import register_note_dictionary, register_note_labels
from guanxi.core.config.dictionary import dictionary_labels

from .lifecycle import Event
from .models import PoolEvent

# Why a customer went back without anybody choosing a return reason (the sweep, a departing owner).
AUTOMATIC_REASONS = {
    "owner_left": _("the owner left"),
    "no_followup": _("not followed up within the pool's time limit"),
    "no_deal": _("no deal within the pool's time limit"),
}


def return_reason_labels() -> dict[str, str]:
    """Every return reason a pool customer may carry, as labels in the reader's language."""
    return {**dictionary_labels("return_reason"), **{code: str(label) for code, label in AUTOMATIC_REASONS.items()}}


def register() -> None:
    register_note_labels(
        {
            **dict(Event.choices),
            "claim": Event.CLAIMED.label,
            "reclaim_pool": PoolEvent.Kind.RECLAIM.label,
            **AUTOMATIC_REASONS,
        }
    )
    register_note_dictionary("return_reason")
