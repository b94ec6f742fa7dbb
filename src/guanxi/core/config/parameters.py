"""Parameters (参数设置, SPEC §14.2): typed settings with defaults in code, overridable per business unit.

Modules register what they need (``register_parameter``) in ``AppConfig.ready()`` and read it with
``parameter_value(code, unit=...)``. Nothing is cached in the process: every read asks the database
(one indexed row), so a change made through any web process applies everywhere at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..audit import Action, audit_log
from ..errors import DomainError
from ..memo import remembered
from ..models import ParameterValue
from ..people import unit_model
from ..permissions import grants_of
from ..scope import Scope
from .units import config_unit_check

if TYPE_CHECKING:
    from guanxi.org.models import BusinessUnit

CONFIGURE = "system.configure"
TYPES = ("int", "decimal", "bool", "str", "choice", "multi")


@dataclass(frozen=True)
class Parameter:
    code: str
    label: str | Promise
    type: str
    default: Any
    min: int | Decimal | None = None
    max: int | Decimal | None = None
    help: str | Promise = ""
    group: str = "general"
    choices: tuple[tuple[str, str | Promise], ...] = ()
    max_length: int = 200
    # Extra check of a cleaned value (e.g. a numbering format); raises DomainError.
    validator: Callable[[Any], None] | None = field(default=None, compare=False)

    def clean(self, raw: Any) -> Any:
        """The typed value of raw input (form, API JSON or text); DomainError on the parameter's code."""
        try:
            value = _COERCE[self.type](self, raw)
        except DomainError as error:
            raise DomainError(error.message, field=self.code, code="invalid") from None
        if self.min is not None and value < self.min:
            raise DomainError(_("Must be at least %(min)s.") % {"min": self.min}, field=self.code)
        if self.max is not None and value > self.max:
            raise DomainError(_("Must be at most %(max)s.") % {"max": self.max}, field=self.code)
        if self.validator:
            try:
                self.validator(value)
            except DomainError as error:
                raise DomainError(error.message, field=self.code, code="invalid") from None
        return value

    @property
    def default_label(self) -> str:
        """The default as people read it: a choice's label, yes or no."""
        if self.type == "choice":
            return str(dict(self.choices).get(self.default, self.default))
        if self.type == "multi":
            labels = dict(self.choices)
            return ", ".join(str(labels.get(code, code)) for code in self.default) or "—"
        if self.type == "bool":
            return str(_("Yes") if self.default else _("No"))
        return str(self.default)

    def to_json(self, value: Any) -> Any:
        return str(value) if self.type == "decimal" else value

    def from_json(self, stored: Any) -> Any:
        """The stored value, or the default if it no longer fits (the parameter changed in an upgrade)."""
        try:
            return self.clean(stored)
        except DomainError:
            return self.default


def _int(parameter: Parameter, raw: Any) -> int:
    if isinstance(raw, bool):
        raise DomainError(_("Enter a whole number."))
    if isinstance(raw, int):
        return raw
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise DomainError(_("Enter a whole number.")) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise DomainError(_("Enter a whole number."))
    return int(number)


def _decimal(parameter: Parameter, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise DomainError(_("Enter a number."))
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise DomainError(_("Enter a number.")) from None
    if not number.is_finite():
        raise DomainError(_("Enter a number."))
    return number


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _bool(parameter: Parameter, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise DomainError(_("Enter yes or no."))


def _str(parameter: Parameter, raw: Any) -> str:
    if not isinstance(raw, str | int | Decimal) or isinstance(raw, bool):
        raise DomainError(_("Enter text."))
    text = str(raw).strip()
    if len(text) > parameter.max_length:
        raise DomainError(_("At most %(count)s characters.") % {"count": parameter.max_length})
    return text


def _choice(parameter: Parameter, raw: Any) -> str:
    if not isinstance(raw, str) or raw not in {code for code, _label in parameter.choices}:
        raise DomainError(_("Choose a value from the list."))
    return str(raw)


def _multi(parameter: Parameter, raw: Any) -> list[str]:
    """Several codes of the choices, in the choices' order: a list, or the codes comma separated (values
    stored before the parameter offered a picker, and API clients that send text)."""
    if isinstance(raw, str):
        raw = [code.strip() for code in raw.split(",") if code.strip()]
    if not isinstance(raw, list | tuple) or not all(isinstance(code, str) for code in raw):
        raise DomainError(_("Choose values from the list."))
    allowed = [code for code, _label in parameter.choices]
    unknown = [code for code in raw if code not in allowed]
    if unknown:
        raise DomainError(_("Not in the list: %(codes)s.") % {"codes": ", ".join(unknown)})
    return [code for code in allowed if code in raw]


_COERCE: dict[str, Callable[[Parameter, Any], Any]] = {
    "int": _int,
    "decimal": _decimal,
    "bool": _bool,
    "str": _str,
    "choice": _choice,
    "multi": _multi,
}

# --- registry ---------------------------------------------------------------------------------------

PARAMETERS: dict[str, Parameter] = {}
GROUPS: dict[str, tuple[str | Promise, int]] = {"general": (gettext_lazy("General"), 0)}


def register_parameter_group(code: str, label: str | Promise, order: int = 100) -> None:
    GROUPS[code] = (label, order)


def register_parameter(
    code: str,
    label: str | Promise,
    type: str,
    default: Any,
    *,
    min: int | Decimal | None = None,
    max: int | Decimal | None = None,
    help: str | Promise = "",
    group: str = "general",
    choices: Iterable[tuple[str, str | Promise]] = (),
    max_length: int = 200,
    validator: Callable[[Any], None] | None = None,
) -> Parameter:
    """Declare a parameter. Its default must itself be valid: that is checked here, at start-up."""
    if type not in TYPES:
        raise ValueError(f"parameter {code}: unknown type {type!r}")
    if group not in GROUPS:
        raise ValueError(f"parameter {code}: register the group {group!r} first")
    parameter = Parameter(code, label, type, default, min, max, help, group, tuple(choices), max_length, validator)
    try:
        clean = parameter.clean(default) == default
    except DomainError:
        clean = False
    if not clean:
        raise ValueError(f"parameter {code}: the default {default!r} is not a clean {type} in range")
    PARAMETERS[code] = parameter
    return parameter


def parameter_get(code: str) -> Parameter:
    try:
        return PARAMETERS[code]
    except KeyError:
        raise LookupError(f"no parameter {code!r}: call register_parameter() first") from None


# --- reads ------------------------------------------------------------------------------------------

Unit: TypeAlias = "BusinessUnit | int | None"


def _unit_id(unit: Unit) -> int | None:
    return unit if unit is None or isinstance(unit, int) else unit.pk


@remembered
def parameter_value(code: str, *, unit: Unit) -> Any:
    """The unit's value of the parameter, or its default (also when there is no unit)."""
    parameter = parameter_get(code)
    unit_id = _unit_id(unit)
    if unit_id is None:
        return parameter.default
    stored = ParameterValue.objects.filter(business_unit_id=unit_id, code=code).values_list("value", flat=True)
    for value in stored:
        return parameter.from_json(value)
    return parameter.default


@remembered
def parameter_values(codes: tuple[str, ...], *, unit: Unit) -> dict[str, Any]:
    """The unit's values of these parameters (each its default where the unit keeps none), with one query."""
    parameters = {code: parameter_get(code) for code in codes}
    unit_id = _unit_id(unit)
    stored: dict[str, Any] = {}
    if unit_id is not None:
        rows = ParameterValue.objects.filter(business_unit_id=unit_id, code__in=codes).values_list("code", "value")
        stored = dict(rows)
    return {
        code: parameter.from_json(stored[code]) if code in stored else parameter.default
        for code, parameter in parameters.items()
    }


@dataclass(frozen=True)
class Row:
    parameter: Parameter
    value: Any
    overridden: bool


def parameters_effective(*, unit: Unit) -> list[Row]:
    """Every registered parameter with the unit's value, grouped and in registration order (one query)."""
    unit_id = _unit_id(unit)
    stored: dict[str, Any] = {}
    if unit_id is not None:
        stored = dict(ParameterValue.objects.filter(business_unit_id=unit_id).values_list("code", "value"))
    rows = [
        Row(
            parameter,
            parameter.from_json(stored[code]) if code in stored else parameter.default,
            code in stored,
        )
        for code, parameter in PARAMETERS.items()
    ]
    return sorted(rows, key=lambda row: GROUPS[row.parameter.group][1])


def parameter_units(*, actor: Any) -> list[BusinessUnit]:
    """The units whose parameters the actor may see: every unit with the all-units scope on the settings,
    otherwise their own (SPEC §1.1)."""
    if grants_of(actor).scope("system") == Scope.ALL:
        return list(unit_model().objects.order_by("name"))
    return list(unit_model().objects.filter(pk=actor.business_unit_id))


# --- writes -----------------------------------------------------------------------------------------


@transaction.atomic
def parameters_set(*, actor: Any, unit: BusinessUnit, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set some of a unit's parameters at once: all valid or none saved (a field error per bad value).
    ``None`` — or the default itself — removes the override, so the unit follows the default again.
    Returns the changes, also written to the audit log."""
    config_unit_check(actor=actor, code=CONFIGURE, unit_id=unit.pk)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for code, raw in values.items():
        if code not in PARAMETERS:
            errors[code] = [_("There is no such parameter.")]
            continue
        try:
            cleaned[code] = None if raw is None else PARAMETERS[code].clean(raw)
        except DomainError as error:
            errors[code] = [str(error.message)]
    if errors:
        raise ValidationError(errors)

    unit_model().objects.select_for_update().get(pk=unit.pk)  # one writer per unit at a time
    current = {row.code: row for row in ParameterValue.objects.filter(business_unit=unit, code__in=cleaned)}
    changes: dict[str, list[Any]] = {}
    for code, value in cleaned.items():
        parameter = PARAMETERS[code]
        row = current.get(code)
        before = parameter.from_json(row.value) if row else parameter.default
        after = parameter.default if value is None else value
        if value is None or value == parameter.default:
            if row:
                row.delete()
        elif row:
            row.value, row.updated_by = parameter.to_json(value), actor
            row.save(update_fields=["value", "updated_by", "updated_at"])
        else:
            ParameterValue.objects.create(
                business_unit=unit, code=code, value=parameter.to_json(value), updated_by=actor
            )
        if before != after:
            changes[code] = [parameter.to_json(before), parameter.to_json(after)]
    if changes:
        audit_log(
            actor=actor,
            action=Action.UPDATE,
            object_type="core.parameter",
            object_id=str(unit.pk),
            object_repr=str(_("Parameters of %(unit)s") % {"unit": unit}),
            changes=changes,
        )
    return changes
