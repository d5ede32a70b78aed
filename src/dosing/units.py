"""Measurements with units: one shared pint registry and the parser every input goes through.

Heights, weights and laboratory values enter `dosing` here and nowhere else. A value may be a
pint quantity or a string such as ``"175 cm"``, ``"1.75 m"``, ``"69 in"``, ``"5 ft 9 in"``,
``"80 kg"`` or ``"176 lb"``. A bare number is read in the field's documented default unit
(centimetres for a height, kilograms for a weight); fields without a default unit (serum
creatinine) require one. Each value is converted once, to the unit the arithmetic uses.

>>> from dosing.units import parse_length, parse_mass
>>> parse_length("5 ft 9 in", field="height")
<Quantity(175.26, 'centimeter')>
>>> parse_mass("176 lb", field="weight").to("kg").magnitude.__round__(2)
79.83
>>> parse_length("175 kg", field="height")
Traceback (most recent call last):
  ...
dosing.errors.MeasurementError: height must be a length such as '175 cm' or '69 in', got '175 kg' (a mass)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Final

from dosing.errors import MeasurementError

if TYPE_CHECKING:
    import pint
    from pint.facets.plain import PlainUnit

__all__ = [
    "CREATININE_MOLAR_MASS_G_PER_MOL",
    "Entered",
    "Quantity",
    "UnitSystem",
    "as_entered",
    "is_quantity",
    "parse_creatinine",
    "parse_length",
    "parse_mass",
    "parse_quantity",
    "parse_unit",
    "registry",
    "split_number_unit",
    "unit_system",
]

#: Molar mass of creatinine (C4H7N3O) used to convert µmol/L to mg/dL: 1 mg/dL = 88.4 µmol/L.
CREATININE_MOLAR_MASS_G_PER_MOL: Final = 113.12

_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
_SINGLE = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>[^\d\s].*?)?\s*$")
_FEET_INCHES = re.compile(
    rf"^\s*(?P<ft>{_NUMBER})\s*(?:ft|feet|foot|')\s*(?P<inch>{_NUMBER})\s*(?:in|inch|inches|\"|'')?\s*$"
)
_UNIT_TEXT = re.compile(r"^[A-Za-zµμ/*^²³0-9 .·()\-]{1,40}$")
_MAX_TEXT = 64

_DIMENSION_NAMES: Final = {
    "[length]": "a length",
    "[mass]": "a mass",
    "[length] ** 2": "an area",
    "[length] ** 3": "a volume",
    "[time]": "a time",
    "[mass] / [length] ** 3": "a mass concentration",
    "[substance] / [length] ** 3": "a molar concentration",
    "[mass] / [length] ** 2": "a dose per area",
    "[mass] / [length]": "a mass per length",
    "dimensionless": "a plain number",
}


@cache
def registry() -> pint.UnitRegistry[float]:
    """Return the one unit registry `dosing` uses, created on first use.

    The registry is built from a small definitions file shipped with the package
    (``dosing/_units.txt``), which loads in milliseconds. Quantities from other registries are
    accepted at the boundary and re-created here.

    >>> registry() is registry()
    True
    """
    import pint

    definitions = files("dosing").joinpath("_units.txt")
    reg: pint.UnitRegistry[float] = pint.UnitRegistry(
        str(definitions), cache_folder=None, autoconvert_offset_to_baseunit=False
    )
    reg.formatter.default_format = "~P"
    return reg


def Quantity(value: float, unit: str) -> pint.Quantity[float]:
    """Build a quantity in the shared registry.

    >>> Quantity(80, "kg")
    <Quantity(80, 'kilogram')>
    """
    return registry().Quantity(value, unit)


def describe_dimension(dimensionality: object) -> str:
    """Name a pint dimensionality in words (``"a mass"``) for error messages."""
    text = str(dimensionality)
    return _DIMENSION_NAMES.get(text, f"of dimension {text}")


def _normalise_unit_text(text: str) -> str:
    text = text.strip().replace("²", "**2").replace("³", "**3").replace("^", "**").replace("·", "*")
    # "m2" and "dm3" are common in clinical writing; pint wants "m**2".
    return re.sub(r"(?<=[A-Za-z])([23])\b", r"**\1", text)


def split_number_unit(text: str) -> tuple[str, str]:
    """Split ``"56 mg/m2"`` or ``"56mg/m2"`` into the number's text and the unit's text.

    >>> split_number_unit("56mg/m2"), split_number_unit(" 36 mg/m² ")
    (('56', 'mg/m2'), ('36', 'mg/m²'))
    """
    stripped = text.strip()
    number, _, unit = stripped.partition(" ")
    if not unit:
        split = len(stripped) - len(stripped.lstrip("0123456789.+-eE"))
        number, unit = stripped[:split], stripped[split:]
    return number, unit.strip()


def parse_unit(
    text: str,
    *,
    field: str,
    constraint: str = "a unit such as 'mg', 'mg/m²' or 'mg/kg'",
    dimension: str = "",
    shown: str = "",
) -> pint.Unit:
    """Parse a unit such as ``"mg/m²"`` or ``"mg/kg"`` in the shared registry.

    An unknown unit is a :class:`~dosing.errors.MeasurementError` that names it, with the
    closest unit of ``dimension`` (if given) as a suggestion; ``shown`` is the value the
    message quotes (the unit text itself unless given).

    >>> str(parse_unit("mg/m2", field="dose"))
    'mg/m²'
    >>> parse_unit("kilos", field="weight", constraint="a mass", dimension="[mass]")
    Traceback (most recent call last):
      ...
    dosing.errors.MeasurementError: weight must be a mass, got 'kilos' - unknown unit 'kilos'; did you mean kg?
    """
    got = shown or repr(text)
    if not isinstance(text, str) or not _UNIT_TEXT.match(text.strip() or "?"):
        raise MeasurementError(field, constraint, got)
    unit = _cached_unit(text)
    if unit is None:
        hint = _suggestion(text, dimension) if dimension else "check the spelling"
        raise MeasurementError(field, constraint, got, hint)
    return unit


@lru_cache(maxsize=256)
def _cached_unit(text: str) -> pint.Unit | None:
    """Parse unit text once; ``None`` when pint cannot read it or reads it by a fluke.

    pint reads a prefix's full name before any unit's symbol: ``kilos`` would be
    kilo-seconds, and ``80 kilos`` refused as "a time". A prefix written out in full
    (``kilo``, ``milli``) must be followed by a unit's name (``kilogram``), not by a
    one-letter symbol; anything else is an unknown unit.
    """
    if any(_prefix_name_on_symbol(word) for word in re.findall(r"[A-Za-zµμ]+", text)):
        return None
    try:
        return registry().Unit(_normalise_unit_text(text))
    except Exception:  # pint raises several unrelated types for unparseable text
        return None


def _prefix_name_on_symbol(word: str) -> bool:
    """True when every reading of ``word`` is a prefix's name on a one-letter unit symbol.

    >>> _prefix_name_on_symbol("kilos"), _prefix_name_on_symbol("kilograms")
    (True, False)
    """
    reg = registry()
    readings = reg.parse_unit_name(word)
    return bool(readings) and all(
        prefix
        and word.startswith(prefix)
        and len(reg.get_symbol(unit)) == 1
        and word[len(prefix) :].rstrip("s") in {reg.get_symbol(unit), ""}
        for prefix, unit, _ in readings
    )


#: Units offered when a unit is unknown, by the dimension asked for.
_SUGGESTIONS: Final = {
    "[length]": {
        "cm": "cm centimeter centimetre",
        "m": "m meter metre",
        "in": "in inch",
        "ft": "ft foot feet",
    },
    "[mass]": {"kg": "kg kilogram kilo", "lb": "lb lbs pound"},
    "[mass] / [length] ** 3": {"mg/dL": "mg/dl"},
    "[substance] / [length] ** 3": {"µmol/L": "umol/l µmol/l micromol"},
}


def _suggestion(unit_text: str, dimension: str) -> str:
    """``"unknown unit 'kilos' - did you mean kg?"``, the unit closest to what was typed.

    >>> _suggestion("kilos", "[mass]"), _suggestion("ibs", "[mass]")
    ("unknown unit 'kilos'; did you mean kg?", "unknown unit 'ibs'; did you mean lb?")
    """
    import difflib

    typed = unit_text.strip().lower()
    options = _SUGGESTIONS.get(dimension, {})
    best, score = "", 0.0
    for symbol, spellings in options.items():
        for spelling in spellings.split():
            ratio = difflib.SequenceMatcher(None, typed, spelling.lower()).ratio()
            if ratio > score:
                best, score = symbol, ratio
    found = f"unknown unit {unit_text.strip()!r}"
    if score >= 0.5:
        return f"{found}; did you mean {best}?"
    if options:
        return f"{found}; use {' or '.join(options)}"
    return found


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_quantity(
    value: object,
    *,
    field: str,
    dimension: str,
    to_unit: str,
    default_unit: str | None = None,
    example: str,
) -> pint.Quantity[float]:
    """Read ``value`` as a finite quantity of ``dimension`` and convert it to ``to_unit``.

    ``value`` may be a pint quantity, a string with a unit, or - when ``default_unit`` is
    given - a bare number or numeric string in that unit. Anything else raises
    :class:`~dosing.errors.MeasurementError` naming ``field``.

    >>> parse_quantity("1.75 m", field="height", dimension="[length]", to_unit="cm",
    ...                example="'175 cm'")
    <Quantity(175.0, 'centimeter')>
    """
    reg = registry()
    constraint = f"{_DIMENSION_NAMES.get(dimension, dimension)} such as {example}"
    quantity: Any
    if isinstance(value, bool) or value is None:
        raise MeasurementError(field, constraint, repr(value))
    if isinstance(value, int | float):
        if default_unit is None:
            raise MeasurementError(field, constraint, repr(value), "give the unit explicitly")
        quantity = reg.Quantity(_finite_float(value, field), default_unit)
    elif isinstance(value, str):
        quantity = _parse_text(
            value,
            field=field,
            constraint=constraint,
            default_unit=default_unit,
            dimension=dimension,
        )
    elif is_quantity(value):
        quantity = _own_quantity(value, field=field, constraint=constraint)
    else:
        raise MeasurementError(field, constraint, f"{type(value).__name__} {value!r}")
    if not math.isfinite(quantity.magnitude):
        raise MeasurementError(field, "a finite number", repr(value))
    if not quantity.check(dimension):
        got = f"{_quoted(value)} ({describe_dimension(quantity.dimensionality)})"
        raise MeasurementError(field, constraint, got)
    converted: pint.Quantity[float] = quantity.to(to_unit)
    if not math.isfinite(converted.magnitude):  # finite in its own unit, not in ours
        raise MeasurementError(field, "a finite number", repr(value))
    return converted


def _own_quantity(value: object, *, field: str, constraint: str) -> pint.Quantity[float]:
    """A pint quantity with a real, finite magnitude, re-created in the shared registry."""
    magnitude = getattr(value, "magnitude", None)
    if not isinstance(magnitude, int | float) or isinstance(magnitude, bool):
        raise MeasurementError(field, constraint, repr(value))
    _finite_float(magnitude, field)
    if getattr(value, "_REGISTRY", None) is registry():
        return value  # type: ignore[return-value]
    # a quantity from another registry: re-create it here, by its unit's name
    unit_text = format(getattr(value, "units"), "D")  # noqa: B009
    return registry().Quantity(
        float(magnitude), parse_unit(unit_text, field=field, constraint=constraint)
    )


def _finite_float(value: float, field: str) -> float:
    """``float(value)``, refusing an int too large for a float (``float()`` would overflow)."""
    try:
        return float(value)
    except OverflowError:
        # str() of the integer could itself fail (over 4,300 digits), so describe it instead
        raise MeasurementError(
            field, "a finite number", "an integer too large for a float"
        ) from None


def is_quantity(value: object) -> bool:
    """True for a pint quantity from any registry."""
    import pint

    return isinstance(value, pint.Quantity)


def _quoted(value: object) -> str:
    return repr(value) if isinstance(value, str) else f"'{value}'"


def _parse_text(
    text: str, *, field: str, constraint: str, default_unit: str | None, dimension: str
) -> pint.Quantity[float]:
    reg = registry()
    if len(text) > _MAX_TEXT or not text.strip():
        shown = repr(text) if len(text) <= _MAX_TEXT else f"{len(text)} characters"
        raise MeasurementError(field, constraint, shown)
    compound = _FEET_INCHES.match(text)
    if compound:
        feet, inches = _number(compound["ft"]), _number(compound["inch"])
        if feet < 0 or inches < 0 or inches >= 12:
            raise MeasurementError(field, "feet and inches with 0 <= inches < 12", repr(text))
        return reg.Quantity(feet * 12 + inches, "inch")
    match = _SINGLE.match(text)
    if not match:
        raise MeasurementError(field, constraint, repr(text), "write a number and a unit")
    number = _number(match["num"])
    unit_text = match["unit"]
    if not unit_text:
        if default_unit is None:
            raise MeasurementError(field, constraint, repr(text), "give the unit explicitly")
        return reg.Quantity(number, default_unit)
    unit = parse_unit(
        unit_text, field=field, constraint=constraint, dimension=dimension, shown=repr(text)
    )
    return reg.Quantity(number, unit)


class UnitSystem(StrEnum):
    """The system of units a height or weight was written in.

    * **metric**: the metre and the gram with any prefix - ``cm``, ``m``, ``mm``, ``kg``, ``g``;
    * **imperial** (imperial and US customary, which agree on these units): ``in``, ``ft``,
      feet and inches (``5 ft 9 in``, ``5'9"``), ``lb``, ``oz``, ``st``.

    A bare number has no unit system of its own: it is read in the field's default unit
    (cm, kg), which is metric. :class:`dosing.Patient` refuses a bare number beside a
    measurement written in imperial units (see ``docs/measurements.md``).

    >>> unit_system(parse_unit("lb", field="weight")), unit_system(parse_unit("mm", field="height"))
    (<UnitSystem.IMPERIAL: 'imperial'>, <UnitSystem.METRIC: 'metric'>)
    """

    METRIC = "metric"
    IMPERIAL = "imperial"


_METRIC_BASES: Final = frozenset({"meter", "gram"})
_IMPERIAL_UNITS: Final = frozenset({"inch", "foot", "pound", "ounce", "stone"})


def unit_system(unit: PlainUnit) -> UnitSystem | None:
    """The :class:`UnitSystem` of a length or mass unit; ``None`` for any other unit.

    >>> unit_system(parse_unit("ft", field="height")), unit_system(parse_unit("mg/dL", field="x"))
    (<UnitSystem.IMPERIAL: 'imperial'>, None)
    """
    name = format(unit, "D")
    if not name.isalpha():  # a compound unit such as micromole / liter
        return None
    for prefix, base, _ in registry().parse_unit_name(name):
        if base in _METRIC_BASES:
            return UnitSystem.METRIC
        if base in _IMPERIAL_UNITS and not prefix:
            return UnitSystem.IMPERIAL
    return None


@dataclass(frozen=True, slots=True)
class Entered:
    """A measurement as it was written, before any conversion.

    ``text`` is the value as entered with its spacing made regular (``"176lb"`` becomes
    ``"176 lb"``, ``5'9"`` becomes ``"5 ft 9 in"``); the number keeps the digits typed.
    Reading ``text`` again gives the same quantity. ``unit`` is the unit written, ``None``
    for a bare number (which the parser reads in the field's default unit).
    """

    text: str
    unit: PlainUnit | None

    @property
    def system(self) -> UnitSystem | None:
        """The unit system written, ``None`` for a bare number or a unit of neither system."""
        return None if self.unit is None else unit_system(self.unit)


def as_entered(value: object, *, field: str) -> Entered:
    """Describe ``value`` as it was entered: its text and the unit written, unconverted.

    ``value`` is anything :func:`parse_quantity` reads; what it refuses raises
    :class:`~dosing.errors.MeasurementError` here too.

    >>> as_entered("176lb", field="weight")
    Entered(text='176 lb', unit=<Unit('pound')>)
    >>> as_entered(" 5 ft  9 ", field="height").text, as_entered(175, field="height")
    ('5 ft 9 in', Entered(text='175', unit=None))
    >>> as_entered(Quantity(79.5, "kg"), field="weight").text
    '79.5 kg'
    """
    constraint = "a number with a unit such as '175 cm' or '80 kg'"
    if isinstance(value, bool) or value is None:
        raise MeasurementError(field, constraint, repr(value))
    if isinstance(value, int | float):
        return Entered(_number_text(value, field), None)
    if is_quantity(value):
        quantity = _own_quantity(value, field=field, constraint=constraint)
        return Entered(
            f"{_number_text(quantity.magnitude, field)} {quantity.units:~P}", quantity.units
        )
    if not isinstance(value, str) or len(value) > _MAX_TEXT or not value.strip():
        raise MeasurementError(field, constraint, _quoted(value)[:_MAX_TEXT])
    compound = _FEET_INCHES.match(value)
    if compound:
        return Entered(f"{compound['ft']} ft {compound['inch']} in", registry().Unit("inch"))
    match = _SINGLE.match(value)
    if not match:
        raise MeasurementError(field, constraint, repr(value), "write a number and a unit")
    if not match["unit"]:
        return Entered(match["num"], None)
    unit = parse_unit(match["unit"], field=field, constraint=constraint)
    return Entered(f"{match['num']} {' '.join(match['unit'].split())}", unit)


def _number_text(value: float, field: str) -> str:
    """A number as text that reads back to the same float: ``175``, ``79.83225712``."""
    number = _finite_float(value, field)
    if not math.isfinite(number):
        raise MeasurementError(field, "a finite number", repr(value))
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def parse_length(value: object, *, field: str = "height") -> pint.Quantity[float]:
    """Read a length (a bare number is centimetres) and return it in centimetres.

    >>> parse_length(175)
    <Quantity(175.0, 'centimeter')>
    >>> parse_length("69 in")
    <Quantity(175.26, 'centimeter')>
    """
    return parse_quantity(
        value,
        field=field,
        dimension="[length]",
        to_unit="cm",
        default_unit="cm",
        example="'175 cm' or '69 in'",
    )


def parse_mass(value: object, *, field: str = "weight") -> pint.Quantity[float]:
    """Read a mass (a bare number is kilograms) and return it in kilograms.

    >>> parse_mass("80 kg")
    <Quantity(80.0, 'kilogram')>
    """
    return parse_quantity(
        value,
        field=field,
        dimension="[mass]",
        to_unit="kg",
        default_unit="kg",
        example="'80 kg' or '176 lb'",
    )


def parse_creatinine(value: object, *, field: str = "serum_creatinine") -> pint.Quantity[float]:
    """Read a serum creatinine in mg/dL or µmol/L (a unit is required) and return mg/dL.

    The molar form is converted with the molar mass of creatinine, 113.12 g/mol.

    >>> parse_creatinine("88.4 µmol/L").magnitude.__round__(3)
    1.0
    >>> parse_creatinine(1.2)
    Traceback (most recent call last):
      ...
    dosing.errors.MeasurementError: serum_creatinine must be a concentration such as '1.1 mg/dL' or '97 µmol/L', got 1.2 - give the unit explicitly
    """
    constraint = "a concentration such as '1.1 mg/dL' or '97 µmol/L'"
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise MeasurementError(field, constraint, repr(value), "give the unit explicitly")
    quantity: pint.Quantity[float]
    try:
        quantity = parse_quantity(
            value,
            field=field,
            dimension="[substance] / [length] ** 3",
            to_unit="umol/L",
            example="'97 µmol/L'",
        )
    except MeasurementError:
        try:
            return parse_quantity(
                value,
                field=field,
                dimension="[mass] / [length] ** 3",
                to_unit="mg/dL",
                example="'1.1 mg/dL'",
            )
        except MeasurementError as err:
            raise MeasurementError(field, constraint, err.got) from None
    mg_per_dl = quantity.magnitude * (CREATININE_MOLAR_MASS_G_PER_MOL / 10_000)
    if not math.isfinite(mg_per_dl):  # finite in µmol/L, not in mg/dL
        raise MeasurementError(field, "a finite number", _quoted(value))
    return registry().Quantity(mg_per_dl, "mg/dL")
