"""The kinds of notification (assignment, comment, plan due, approval waiting…): each app registers
its own in ``AppConfig.ready()``, and users choose per kind how they receive them (SPEC §4.6)."""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    default_in_app: bool = True
    default_email: bool = False


KINDS: dict[str, Kind] = {}


def register_kind(code: str, label: str | Promise, default_in_app: bool = True, default_email: bool = False) -> Kind:
    kind = Kind(code, label, default_in_app, default_email)
    KINDS[code] = kind
    return kind


def kind_of(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise LookupError(f"unknown notification kind {code!r}: call register_kind() first") from None


def all_kinds() -> list[Kind]:
    return list(KINDS.values())


def register() -> None:
    """The kinds every installation sends, whatever its modules."""
    from django.utils.translation import gettext_lazy as _

    register_kind("assignment", _("Records assigned to me"))
    register_kind("comment", _("Comments and instructions on my records"))
    register_kind("system", _("System messages"))
