"""How the audit trail reads the follow-ups' and plans' events."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    """The notes the audit log keeps for these events, read in the reader's language."""
    from guanxi.core.auditlog.presentation import register_note_labels

    register_note_labels(
        {
            "calendar feed token issued": _("Calendar feed link issued"),
            "calendar feed token revoked": _("Calendar feed link revoked"),
            "open plans reassigned": _("Open plans handed over"),
        }
    )
