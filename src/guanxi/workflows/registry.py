"""What each record type does when its approval is decided. The records' apps sit above workflows, so they
register here (in their ``ready()``) and the engine calls them back by the record type's code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from guanxi.org.models import User

    from .models import ApprovalRequest

Callback = Callable[["ApprovalRequest", "User", str], None]


@dataclass(frozen=True)
class DefaultStep:
    """A step used while a unit has configured no flow for the record type: the submitter's manager
    (``levels`` up), or whoever holds the shipped role ``role_code`` in the unit (kind ``role``)."""

    kind: str = "manager"
    levels: int = 1
    role_code: str = ""


@dataclass(frozen=True)
class RecordType:
    """``on_approved`` / ``on_rejected`` / ``on_withdrawn`` get (request, actor, comment) and run inside the
    deciding transaction, so the record and the request change together or not at all."""

    code: str
    label: str | Promise
    on_approved: Callback
    on_rejected: Callback
    on_withdrawn: Callback
    url: Callable[[str], str]  # the record's page, from its id
    notification_kind: str = "approval_requested"
    default_steps: tuple[DefaultStep, ...] = (DefaultStep(),)
    # words, in the reader's language, for the reasons a request stored as codes with figures
    describe: Callable[[list[dict[str, Any]]], list[str]] | None = None


_TYPES: dict[str, RecordType] = {}


def register_record_type(record_type: RecordType) -> None:
    _TYPES[record_type.code] = record_type


def record_type_get(code: str) -> RecordType:
    try:
        return _TYPES[code]
    except KeyError:
        raise LookupError(f"no approval record type {code!r}: call workflows.registry.register_record_type()") from None


def record_types() -> list[RecordType]:
    return sorted(_TYPES.values(), key=lambda record_type: record_type.code)


def record_type_label(code: str) -> str | Promise:
    found = _TYPES.get(code)
    return found.label if found else code
