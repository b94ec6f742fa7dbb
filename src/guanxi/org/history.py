"""How the audit trail reads the organisation's events."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from guanxi.core.texts import Text

HANDED_OVER = gettext_noop("Handed over to %(successor)s")


def register() -> None:
    """The notes the audit log keeps for these events, read in the reader's language."""
    from guanxi.core.auditlog.presentation import register_former_notes, register_note_labels

    register_note_labels(
        {
            "password changed": _("Password changed"),
            "password reset by an administrator": _("Password reset by an administrator"),
            "created from the command line": _("Created from the command line"),
            "two-factor sign-in enabled": _("Two-factor sign-in enabled"),
            "two-factor sign-in disabled": _("Two-factor sign-in disabled"),
            "forced sign-out": _("Signed out by an administrator"),
            "session ended by its user": _("Session ended by its user"),
            "returned to the pool": _("Returned to the pool"),
        }
    )
    register_former_notes([(r"handed over to (?P<successor>.+)", lambda found: Text(HANDED_OVER, **found.groupdict()))])
