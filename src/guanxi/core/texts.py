"""Texts written now and read later, each in its reader's language (SPEC §15): what is stored is the message
id and its parameters, and ``render`` translates when someone reads it. A notification's title is one."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


class Text:
    """``Text(gettext_noop("%(actor)s gave you the customer %(name)s"), actor=..., name=...)``; the message
    may name its parameters as ``%(name)s`` or ``{name}``. A parameter that is itself translatable (a
    ``Text`` or a lazy label such as a choice's) is translated with the message."""

    def __init__(self, msgid: str | Promise, /, **params: Any) -> None:
        self.msgid = _source(msgid)
        self.params = {name: _param(value) for name, value in params.items()}

    def render(self) -> str:
        message = gettext(self.msgid)
        values = {name: value.render() if isinstance(value, Text) else value for name, value in self.params.items()}
        if not values:
            return message
        return message.format(**values) if "{" in self.msgid else message % values

    def as_json(self) -> dict[str, Any]:
        params = {name: value.as_json() if isinstance(value, Text) else value for name, value in self.params.items()}
        return {"msgid": self.msgid, "params": params}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Text:
        params = {
            name: cls.from_json(value) if isinstance(value, dict) else value
            for name, value in data.get("params", {}).items()
        }
        return cls(data["msgid"], **params)

    def __str__(self) -> str:
        return self.render()


def _source(message: str | Promise) -> str:
    """A lazy label's message id: with translation deactivated, a lazy text reads as its source."""
    if isinstance(message, Promise):
        with translation.override(None):
            return str(message)
    return message


def _param(value: Any) -> Any:
    if isinstance(value, Text | int | float) or value is None:
        return value
    if isinstance(value, Promise):
        return Text(value)
    return str(value)
