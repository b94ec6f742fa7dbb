"""How the pool's entries read in the audit trail (SPEC §3.2): lifecycle events, reclaims and the reasons a
customer returned, as words instead of codes."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from guanxi.core.auditlog.presentation import (
    register_field_label,
    register_former_notes,
    register_note_dictionary,
    register_note_labels,
)
from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.texts import Text
from guanxi.customers.models import Customer

from .lifecycle import Event
from .models import ConflictCase, PoolEvent

# What a conflict case (撞单) leaves in its customer's history.
CONFLICT_OPENED = gettext_noop("Conflict case opened: %(claimant)s registered the same customer")
CONFLICT_DECIDED = gettext_noop("Conflict case decided: %(decision)s")
CONFLICT_DECIDED_WITH_NOTE = gettext_noop("Conflict case decided: %(decision)s (%(note)s)")
CONFLICT_WITHDRAWN = gettext_noop("Conflict case No. %(case)s withdrawn by its claimant")
CONFLICT_EVIDENCE_ADDED = gettext_noop("Evidence added to conflict case No. %(case)s")
# Room left for the manager's words in a decision's note (the whole note is stored in 500 characters).
DECISION_NOTE_LENGTH = 300


def conflict_decided(decision: str, note: str) -> Text:
    label = ConflictCase.Decision(decision).label if decision in ConflictCase.Decision.values else decision
    if note:
        return Text(CONFLICT_DECIDED_WITH_NOTE, decision=label, note=note[:DECISION_NOTE_LENGTH])
    return Text(CONFLICT_DECIDED, decision=label)


def _former_decision(found: re.Match[str]) -> Text:
    return conflict_decided(found["decision"], found["note"] or "")


# Why a customer went back without anybody choosing a return reason (the sweep, a departing owner).
AUTOMATIC_REASONS = {
    "owner_left": _("the owner left"),
    "no_followup": _("not followed up within the pool's time limit"),
    "no_deal": _("no deal within the pool's time limit"),
    "contract_ended": _("no new contract after the last one ended"),
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
    register_field_label(Customer, "conflict", _("Conflict case No."))  # the case a registration opened
    register_former_notes(
        [
            (r"conflict case opened by (?P<claimant>.+)", lambda found: Text(CONFLICT_OPENED, **found.groupdict())),
            (r"conflict decided: (?P<decision>\w+)(?: (?P<note>.*))?", _former_decision),
            (r"conflict case (?P<case>\d+) withdrawn", lambda found: Text(CONFLICT_WITHDRAWN, **found.groupdict())),
            (
                r"evidence added to conflict case (?P<case>\d+)",
                lambda found: Text(CONFLICT_EVIDENCE_ADDED, **found.groupdict()),
            ),
        ]
    )
