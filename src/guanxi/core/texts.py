"""Texts written now and read later, each in its reader's language (SPEC §15): what is stored is the message
id and its parameters, and ``render`` translates when someone reads it. A notification's title is one."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from guanxi.core.money import money_text


class Amount:
    """A sum of money as a ``Text`` parameter: kept as its digits, written in the reader's money format
    (¥2,500.00 in Chinese, CN¥2,500.00 in English)."""

    def __init__(self, value: Decimal | int | str) -> None:
        self.value = Decimal(value)

    def render(self) -> str:
        return money_text(self.value)

    def as_json(self) -> dict[str, str]:
        return {"amount": str(self.value)}


class Text:
    """``Text(gettext_noop("%(actor)s gave you the customer %(name)s"), actor=..., name=...)``; the message
    may name its parameters as ``%(name)s`` or ``{name}``. A parameter that is itself translatable (a
    ``Text`` or a lazy label such as a choice's) is translated with the message."""

    def __init__(self, msgid: str | Promise, /, **params: Any) -> None:
        self.msgid = _source(msgid)
        self.params = {name: _param(value) for name, value in params.items()}

    def render(self) -> str:
        message = gettext(self.msgid)
        values = {
            name: value.render() if isinstance(value, Text | Amount) else value for name, value in self.params.items()
        }
        if not values:
            return message
        return message.format(**values) if "{" in self.msgid else message % values

    def as_json(self) -> dict[str, Any]:
        params = {
            name: value.as_json() if isinstance(value, Text | Amount) else value for name, value in self.params.items()
        }
        return {"msgid": self.msgid, "params": params}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Text:
        params = {name: _param_from_json(value) for name, value in data.get("params", {}).items()}
        return cls(data["msgid"], **params)

    def stored(self) -> str:
        """The text as a string column keeps it (an audit note): its message id and parameters as JSON."""
        return json.dumps(self.as_json(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_stored(cls, stored: str) -> Text | None:
        """The text a column stored with ``stored()``; None for anything else (words typed by a person)."""
        if not stored.startswith('{"msgid"'):
            return None
        try:
            return cls.from_json(json.loads(stored))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def __str__(self) -> str:
        return self.render()


def _source(message: str | Promise) -> str:
    """A lazy label's message id: with translation deactivated, a lazy text reads as its source."""
    if isinstance(message, Promise):
        with translation.override(None):
            return str(message)
    return message


def _param_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return Amount(value["amount"]) if "amount" in value else Text.from_json(value)
    return value


def _param(value: Any) -> Any:
    if isinstance(value, Text | Amount | int | float) or value is None:
        return value
    if isinstance(value, Promise):
        return Text(value)
    return str(value)


def shipped_label(shipped: str | Promise | None, stored: str) -> str | Promise:
    """A name Guanxi ships (a default role, a dictionary item, a pipeline…) as its translatable label while it
    is still the shipped text, stored in whichever language it was seeded; once a person renamed it, theirs.
    The label is what a ``Text`` parameter takes, so a notification naming it reads in its reader's language."""
    return shipped if shipped is not None and stored in _writings(shipped) else stored


def shipped_shown(shipped: str | Promise | None, stored: str) -> str:
    """The same, in the reader's language."""
    return str(shipped_label(shipped, stored))


def shipped_kept(shipped: str | Promise | None, stored: str, submitted: str) -> str:
    """What to store when a form sends back a shipped name: the form showed the translated label, so sending
    it back unchanged keeps the shipped text (and its translations)."""
    return stored if submitted == shipped_shown(shipped, stored) else submitted


def shipped_writings(shipped: str | Promise | None, stored: str) -> set[str]:
    """Every way a name reads: as stored, and while it is shipped, as the shipped text in each language."""
    found = _writings(shipped) if shipped is not None else set()
    return found if stored in found else {stored}


def _writings(text: str | Promise) -> set[str]:
    """The shipped text as its source and in every language of the site."""
    with translation.override(None):
        found = {str(text)}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.add(str(text))
    return found
