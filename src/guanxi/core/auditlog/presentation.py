"""How audit entries read for one reader (SPEC §1.3, §1.6): what the record masks for them stays masked,
codes read as labels in their language, users by name, and events as sentences.

The log stores codes and ids; everything here happens at read time. Modules register what only they know
in ``ready()``: ``register_masks`` (the same rule that masks the record on its own page),
``register_value_labels`` (codes kept outside the data dictionary, such as regions),
``register_note_labels`` (the codes their notes store) and ``register_former_notes`` (sentences stored in
English before notes kept a message id and its parameters)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.core.audit import label_of
from guanxi.core.config.dictionary import dictionary_labels, dictionary_usages_of
from guanxi.core.models import AuditEntry
from guanxi.core.texts import Text

Mask = Callable[[str], str]
# (reader, record ids) → {record id: {field: how the reader sees its values}}
MaskRule = Callable[[Any, Sequence[str]], Mapping[str, Mapping[str, Mask]]]
# (stored values) → {value: label}
ValueLabels = Callable[[Collection[Any]], Mapping[Any, str]]

_MASKS: dict[str, MaskRule] = {}
_VALUE_LABELS: dict[tuple[str, str], ValueLabels] = {}
_NOTE_LABELS: dict[str, str | Promise] = {}
_NOTE_DICTIONARIES: list[str] = []
# (a sentence as it used to be stored, the ``Text`` it means): rows written before are append-only
_FORMER_NOTES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Text]]] = []


def register_masks(model: type[models.Model], rule: MaskRule) -> None:
    """``rule(reader, ids)`` answers which fields of each record the reader sees masked, and how: the
    record's own masking rule, so its history, the log and the API can never show more than its page."""
    _MASKS[label_of(model)] = rule


def register_value_labels(model: type[models.Model], field: str, labels: ValueLabels) -> None:
    _VALUE_LABELS[(label_of(model), field)] = labels


def register_note_labels(labels: Mapping[str, str | Promise]) -> None:
    """Codes that audit notes store (an event, a cause, a reason) with the label they read as."""
    _NOTE_LABELS.update(labels)


def register_former_notes(notes: Iterable[tuple[str, Callable[[re.Match[str]], Text]]]) -> None:
    """Sentences older entries stored in English (``r"handed over to (?P<name>.+)"``) and the ``Text``
    each match means, so those entries read in the reader's language too."""
    _FORMER_NOTES.extend((re.compile(pattern), meaning) for pattern, meaning in notes)


def model_of(object_type: str) -> type[models.Model] | None:
    """The model an entry's ``object_type`` ("org.user") names, if it still exists."""
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def register_note_dictionary(type_code: str) -> None:
    """Notes may store the codes of this dictionary type (a return reason): they read as its labels."""
    if type_code not in _NOTE_DICTIONARIES:
        _NOTE_DICTIONARIES.append(type_code)


# --- masking -------------------------------------------------------------------------------------------


def masks_for(*, actor: Any, entries: Sequence[AuditEntry]) -> dict[int, Mapping[str, Mask]]:
    """Per entry, the fields its record masks for the actor: one call of each record type's rule."""
    ids: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.object_type in _MASKS:
            ids[entry.object_type].add(entry.object_id)
    found = {kind: _MASKS[kind](actor, sorted(wanted)) for kind, wanted in ids.items()}
    return {
        entry.pk: found[entry.object_type].get(entry.object_id, {}) for entry in entries if entry.object_type in found
    }


def masked_changes(changes: Any, masks: Mapping[str, Mask]) -> dict[str, Any]:
    """An entry's ``{field: [before, after]}`` with the masked fields' values masked."""
    if not isinstance(changes, dict):
        return {}
    if not masks:
        return changes
    return {name: _mask_values(values, masks.get(name)) for name, values in changes.items()}


def _mask_values(values: Any, mask: Mask | None) -> Any:
    if mask is None:
        return values
    if isinstance(values, list):
        return [mask(str(value)) if value not in (None, "") else value for value in values]
    return mask(str(values)) if values not in (None, "") else values


# --- reading entries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ShownEntry:
    """An entry as one reader sees it."""

    entry: AuditEntry
    rows: list[ChangeRow]
    sentence: str  # the note, its codes read as labels


def present_entries(*, actor: Any, entries: Iterable[AuditEntry]) -> list[ShownEntry]:
    """The entries as the actor reads them: masked, labelled, in the active language. A creation shows
    only the fields that were filled in. A few queries for the whole page, whatever its size."""
    entries = list(entries)
    masks = masks_for(actor=actor, entries=entries)
    changes = {entry.pk: masked_changes(entry.changes, masks.get(entry.pk, {})) for entry in entries}
    labels = _Labels(entries, changes)
    notes = note_labels() if any(entry.note for entry in entries) else {}
    shown = []
    for entry in entries:
        rows = [labels.row(entry.object_type, name, values) for name, values in sorted(changes[entry.pk].items())]
        if entry.action == AuditEntry.Action.CREATE:
            rows = [row for row in rows if row.after != EMPTY]
        shown.append(ShownEntry(entry, rows, note_sentence(entry.note, notes)))
    return shown


EMPTY = "—"


def note_labels() -> dict[str, str]:
    """Every code a note may store, with its label in the active language."""
    found = {code: label for type_code in _NOTE_DICTIONARIES for code, label in dictionary_labels(type_code).items()}
    return {**found, **{code: str(label) for code, label in _NOTE_LABELS.items()}}


def note_sentence(note: str, labels: Mapping[str, str]) -> str:
    """A note's codes read as labels: "returned reclaim_pool no_followup" reads
    "退回公海：已自动回收，超过公海期限未跟进"; a stored ``Text`` reads in the reader's language; words typed
    by a person stay as they were."""
    text = Text.from_stored(note) or _former_note(note)
    if text is not None:
        return text.render()
    if note in labels:  # a note that is one code of several words ("password changed")
        return labels[note]
    parts: list[str] = []
    typed: list[str] = []
    for word in note.split():
        if word in labels:
            if typed:
                parts.append(" ".join(typed))
                typed = []
            parts.append(labels[word])
        else:
            typed.append(word)
    if typed:
        parts.append(" ".join(typed))
    if len(parts) < 2:
        return "".join(parts)
    details = pgettext("between the details of an event", ", ").join(parts[1:])
    return _("%(event)s: %(details)s") % {"event": parts[0], "details": details}


def _former_note(note: str) -> Text | None:
    for pattern, meaning in _FORMER_NOTES:
        if match := pattern.fullmatch(note):
            return meaning(match)
    return None


class _Labels:
    """The labels of every stored value on a page of entries: users and other records by name, dictionary
    codes by their items' labels, registered codes by their labels; one query per kind of value."""

    def __init__(self, entries: Sequence[AuditEntry], changes: Mapping[int, Mapping[str, Any]]) -> None:
        wanted: dict[tuple[str, str], set[Any]] = defaultdict(set)
        for entry in entries:
            for name, values in changes[entry.pk].items():
                for value in _pair(values):
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, int | str) and item != "":
                            wanted[(entry.object_type, name)].add(item)
        self.labels: dict[tuple[str, str], Mapping[Any, str]] = {}
        by_model: dict[type[models.Model], set[Any]] = defaultdict(set)
        related: dict[tuple[str, str], type[models.Model]] = {}
        for (object_type, name), values in wanted.items():
            model = model_of(object_type)
            field = _field(model, name)
            if (object_type, name) in _VALUE_LABELS:
                self.labels[(object_type, name)] = _VALUE_LABELS[(object_type, name)](values)
            elif model is not None and (type_code := dictionary_usages_of(model).get(name)):
                self.labels[(object_type, name)] = dictionary_labels(type_code)
            elif field is not None and (field.many_to_one or field.many_to_many) and field.related_model is not None:
                target: type[models.Model] = field.related_model  # type: ignore[assignment]
                related[(object_type, name)] = target
                by_model[target].update(values)
        names = {model: _names(model, pks) for model, pks in by_model.items()}
        for key, target in related.items():
            self.labels[key] = names[target]

    def row(self, object_type: str, name: str, values: Any) -> ChangeRow:
        before, after = _pair(values)
        field = _field(model_of(object_type), name)
        label = str(capfirst(field.verbose_name)) if field is not None else name
        known = self.labels.get((object_type, name), {})
        return ChangeRow(name, label, _display(field, before, known), _display(field, after, known))


def _names(model: type[models.Model], pks: Collection[Any]) -> dict[Any, str]:
    """The names of the records with these primary keys, deleted ones too (a history outlives them)."""
    rows = model._base_manager.filter(pk__in=[pk for pk in pks if str(pk).isdigit()])
    found: dict[Any, str] = {}
    for row in rows:
        found[row.pk] = found[str(row.pk)] = str(row)
    return found


def _pair(values: Any) -> tuple[Any, Any]:
    if isinstance(values, list | tuple) and len(values) == 2:
        return values[0], values[1]
    return None, values


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _display(field: models.Field[Any, Any] | None, value: Any, known: Mapping[Any, str]) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return pgettext("between the items of a list", ", ").join(_display(field, item, known) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if value in known:
        return known[value]
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField):
        return _moment(value, "SHORT_DATETIME_FORMAT", datetime)
    if isinstance(field, models.DateField):
        return _moment(value, "SHORT_DATE_FORMAT", date)
    return str(value)


def _moment(value: Any, format_name: str, kind: type[date]) -> str:
    """A stored ISO date or time in the reader's format and time zone."""
    try:
        parsed = kind.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if isinstance(parsed, datetime) and timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return formats.date_format(parsed, format_name)
