"""The patient: measurements with units, checked against adult plausibility ranges.

A :class:`Patient` is immutable. Heights and weights are pint quantities (strings and bare
numbers are read by :mod:`dosing.units`: a bare number is cm or kg). Values outside the adult
ranges below are refused with a unit hint, unless ``accept_outlier=True`` states that a
genuine outlier was checked; every output then shows the override.

=====================  ===========================  =========================================
measurement            adult plausibility range     hard limit, even with ``accept_outlier``
=====================  ===========================  =========================================
height                 100 to 250 cm                30 to 300 cm
weight                 30 to 250 kg                 1 to 700 kg
BMI (weight/height²)   12 to 50 kg/m²               none beyond those of height and weight
age                    18 to 120 years              0 to 130 years
serum creatinine       0.1 to 25 mg/dL              0.01 to 100 mg/dL
=====================  ===========================  =========================================

The ranges are the project's screening limits for typing errors, not clinical facts.

A bare number beside a measurement written in imperial units (``height="69 in"``,
``weight=176``) is refused: the bare number would be read as kilograms, and nothing shows
which unit was meant. The message offers the readings that are plausible. See
:class:`dosing.units.UnitSystem` for which units belong to which system.

>>> from dosing import Patient
>>> p = Patient(height="175 cm", weight="80 kg")
>>> p.height, p.weight
(<Quantity(175.0, 'centimeter')>, <Quantity(80.0, 'kilogram')>)
>>> Patient(height="69 cm", weight="80 kg")
Traceback (most recent call last):
  ...
dosing.errors.PlausibilityError: height must be between 100 and 250 cm for an adult, got 69 cm (below 100 cm) - did you mean 69 in? If the value is right, pass accept_outlier=True (CLI: --accept-outlier)
>>> Patient(height="69 in", weight=176)
Traceback (most recent call last):
  ...
dosing.errors.MeasurementError: weight must be given with a unit when height is in imperial units (69 in), got '176' - did you mean 176 lb (79.83 kg) or 176 kg? Write the unit after the number
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal, Self

import pint
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from dosing._text import abbreviated
from dosing.bsa import BSAFormula, bsa_m2
from dosing.errors import (
    DateError,
    DosingError,
    ImmutableError,
    MeasurementError,
    PlausibilityError,
)
from dosing.units import (
    CREATININE_MOLAR_MASS_G_PER_MOL,
    Entered,
    Quantity,
    UnitSystem,
    as_entered,
    parse_creatinine,
    parse_length,
    parse_mass,
    split_number_unit,
)

__all__ = ["PLAUSIBLE", "PLAUSIBLE_BMI", "Patient"]

#: Adult plausibility ranges: (low, high, unit, hard low, hard high).
PLAUSIBLE: dict[str, tuple[float, float, str, float, float]] = {
    "height": (100.0, 250.0, "cm", 30.0, 300.0),
    "weight": (30.0, 250.0, "kg", 1.0, 700.0),
    "age": (18.0, 120.0, "years", 0.0, 130.0),
    "serum_creatinine": (0.1, 25.0, "mg/dL", 0.01, 100.0),
}

#: Adult plausibility range of the body-mass index in kg/m² (no hard limit of its own).
PLAUSIBLE_BMI: Final = (12.0, 50.0)

#: The fields that carry a unit, kept as entered for the outputs.
_MEASUREMENTS: Final = ("height", "weight", "serum_creatinine")

#: Readings offered for a bare number beside imperial units: (unit, factor to cm or kg).
#: The first two are always named, plausible or not; the others only when plausible.
_READINGS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "height": (("in", 2.54), ("cm", 1.0), ("ft", 30.48), ("m", 100.0), ("mm", 0.1)),
    "weight": (("lb", 0.45359237), ("kg", 1.0), ("st", 6.35029318), ("g", 0.001)),
}

_OVERRIDE_HINT = "If the value is right, pass accept_outlier=True (CLI: --accept-outlier)"


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.3e}"


def _exact(value: float) -> str:
    """A measurement to the precision the arithmetic uses, without float noise.

    Up to 4 decimals, trailing zeros dropped: ``175.26``, ``80``, ``79.8323`` (176 lb). The
    value used is within 0.00005 of the one shown.
    """
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _quantity_text(q: pint.Quantity[float]) -> str:
    return f"{_exact(q.magnitude)} {q.units:~P}"


def _unit_hint(field: str, value: float, raw: object) -> str:
    """Suggest the unit a value probably was meant in, or return ``""``."""
    low, high = PLAUSIBLE[field][0], PLAUSIBLE[field][1]
    candidates: dict[str, list[tuple[str, float]]] = {
        "height": [("in", 2.54), ("m", 100.0), ("mm", 0.1)],
        "weight": [("kg", 1.0), ("lb", 0.45359237)],
        "serum_creatinine": [("µmol/L", CREATININE_MOLAR_MASS_G_PER_MOL / 10_000), ("mg/dL", 1.0)],
    }
    number = raw if isinstance(raw, int | float) else _leading_number(raw)
    if number is None:
        return ""
    for unit, factor in candidates.get(field, []):
        converted = number * factor
        if low <= converted <= high and not math.isclose(converted, value):
            return f"did you mean {_fmt(number)} {unit}?"
    return ""


def _leading_number(raw: object) -> float | None:
    if not isinstance(raw, str):
        magnitude = getattr(raw, "magnitude", None)
        return float(magnitude) if isinstance(magnitude, int | float) else None
    number, _ = split_number_unit(raw)
    try:
        return float(number.replace(",", "."))
    except ValueError:
        return None


def _check_range(field: str, value: float, raw: object, *, accept_outlier: bool) -> None:
    low, high, unit, hard_low, hard_high = PLAUSIBLE[field]
    if not hard_low <= value <= hard_high:
        hint = _unit_hint(field, value, raw)
        raise MeasurementError(
            field,
            f"between {_fmt(hard_low)} and {_fmt(hard_high)} {unit}",
            f"{_fmt(value)} {unit}",
            f"{hint} This is outside what any patient can have; check the value and its unit"
            if hint
            else "this is outside what any patient can have; check the value and its unit",
        )
    if low <= value <= high or accept_outlier:
        return
    side = f"below {_fmt(low)} {unit}" if value < low else f"above {_fmt(high)} {unit}"
    hint = _unit_hint(field, value, raw)
    raise PlausibilityError(
        field,
        f"between {_fmt(low)} and {_fmt(high)} {unit} for an adult",
        f"{_fmt(value)} {unit} ({side})",
        f"{hint} {_OVERRIDE_HINT}".strip(),
    )


_QuantityJSON = WithJsonSchema({"type": "string", "examples": ["175 cm", "69 in"]})
Height = Annotated[
    pint.Quantity[float],
    BeforeValidator(parse_length),
    PlainSerializer(_quantity_text, return_type=str),
    _QuantityJSON,
]
Weight = Annotated[
    pint.Quantity[float],
    BeforeValidator(parse_mass),
    PlainSerializer(_quantity_text, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["80 kg", "176 lb"]}),
]
Creatinine = Annotated[
    pint.Quantity[float],
    BeforeValidator(parse_creatinine),
    PlainSerializer(_quantity_text, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["1.1 mg/dL", "97 µmol/L"]}),
]


class Patient(BaseModel):
    """One patient's measurements, frozen once created.

    Construction errors are :class:`~dosing.errors.DosingError` subclasses naming the field.

    >>> Patient(height="5 ft 9 in", weight="176 lb", sex="F").sex
    'female'
    >>> Patient(height="175 cm", weight="80 kg", hair="brown")
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: hair must be one of the known patient fields, got 'brown' - known fields: height, weight, sex, age, date_of_birth, serum_creatinine, dialysis, identifier, accept_outlier
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    height: Height = Field(description="Height; a bare number is centimetres.")
    weight: Weight = Field(description="Actual body weight; a bare number is kilograms.")
    sex: Literal["female", "male"] | None = Field(default=None, description="For Cockcroft-Gault.")
    age: int | None = Field(default=None, strict=True, description="Age in whole years.")
    date_of_birth: dt.date | None = Field(default=None)
    serum_creatinine: Creatinine | None = Field(default=None, description="mg/dL or µmol/L.")
    dialysis: bool | None = Field(
        default=None, description="On dialysis (renal starting doses); None when not stated."
    )
    identifier: str | None = Field(default=None, min_length=1, max_length=200)
    accept_outlier: bool = Field(
        default=False, description="Accept values outside the adult range (shown in outputs)."
    )

    _assumed_units: tuple[str, ...] = PrivateAttr(default=())
    _entered: dict[str, str] = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        """Validate ``data``; every failure is a :class:`~dosing.errors.DosingError`."""
        if isinstance(data.get("sex"), str):
            data["sex"] = {"f": "female", "m": "male"}.get(
                data["sex"].strip().lower(), data["sex"].strip().lower()
            )
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise _as_dosing_error(err, data) from None

    @model_validator(mode="wrap")
    @classmethod
    def _plausible(cls, data: Any, handler: ModelWrapValidatorHandler[Patient]) -> Patient:
        if isinstance(data, Patient):  # model_validate() of a patient: validated already
            return handler(data)
        try:
            self = handler(data)
        except ValidationError as err:  # model_validate() of something that is not a mapping
            raise _as_dosing_error(err, data if isinstance(data, dict) else {}) from None
        raw: dict[str, Any] = data if isinstance(data, dict) else {}
        entered = {
            field: as_entered(raw[field], field=field)
            for field in _MEASUREMENTS
            if raw.get(field) is not None
        }
        _set_private(self, "_entered", {field: e.text for field, e in entered.items()})
        _set_private(
            self,
            "_assumed_units",
            tuple(
                f"{field} given without a unit, read as {unit}"
                for field, unit in (("height", "cm"), ("weight", "kg"))
                if field in entered and entered[field].unit is None
            ),
        )
        _check_unit_systems(entered)
        accept = self.accept_outlier
        _check_range("height", self.height.magnitude, raw.get("height"), accept_outlier=accept)
        _check_range("weight", self.weight.magnitude, raw.get("weight"), accept_outlier=accept)
        bmi = _bmi_outside(self)
        if bmi is not None and not accept:
            raise PlausibilityError(
                "BMI",
                f"between {_fmt(PLAUSIBLE_BMI[0])} and {_fmt(PLAUSIBLE_BMI[1])} kg/m² for an adult",
                f"{bmi} from {_bmi_source(self)}",
                "check the height, the weight and their units. If both are right, pass "
                "accept_outlier=True (CLI: --accept-outlier)",
            )
        if self.serum_creatinine is not None:
            _check_range(
                "serum_creatinine",
                self.serum_creatinine.magnitude,
                raw.get("serum_creatinine"),
                accept_outlier=accept,
            )
        if self.age is not None:
            if not -1e6 < self.age < 1e6:  # float() of a huge int overflows; refuse it as is
                low, high = PLAUSIBLE["age"][3], PLAUSIBLE["age"][4]
                raise MeasurementError(
                    "age",
                    f"between {_fmt(low)} and {_fmt(high)} years",
                    "an integer far outside it",
                )
            _check_range("age", float(self.age), None, accept_outlier=accept)
        if self.date_of_birth is not None:
            today = dt.date.today()
            if self.date_of_birth > today:
                raise DateError("date_of_birth", "in the past", self.date_of_birth.isoformat())
            age = _years_between(self.date_of_birth, today)
            _check_range("age", float(age), None, accept_outlier=accept)
            if self.age is not None and abs(self.age - age) > 1:
                raise DosingError(
                    "age", f"consistent with date_of_birth ({age} years)", str(self.age)
                )
        return self

    def __repr__(self) -> str:
        """The patient on one short line: identifier, measurements as used, the other facts.

        >>> Patient(height="5 ft 9 in", weight="176 lb", sex="M", age=70, identifier="MRN 1")
        <Patient MRN 1: 175.26 cm, 79.8323 kg, male, age 70>
        >>> Patient(height=230, weight=260, serum_creatinine="97 umol/L", accept_outlier=True)
        <Patient: 230 cm, 260 kg, creatinine 1.0973 mg/dL, outliers accepted>
        """
        facts = [_quantity_text(self.height), _quantity_text(self.weight)]
        if self.sex is not None:
            facts.append(self.sex)
        if self.age is not None:
            facts.append(f"age {self.age}")
        if self.date_of_birth is not None:
            facts.append(f"born {self.date_of_birth.isoformat()}")
        if self.serum_creatinine is not None:
            facts.append(f"creatinine {_quantity_text(self.serum_creatinine)}")
        if self.dialysis is not None:
            facts.append("on dialysis" if self.dialysis else "not on dialysis")
        if self.accept_outlier:
            facts.append("outliers accepted")
        who = "" if self.identifier is None else f" {abbreviated(self.identifier)}"
        return f"<Patient{who}: {', '.join(facts)}>"

    def __setattr__(self, name: str, value: Any) -> None:
        """Refuse every assignment: a patient never changes; derive a new one instead."""
        raise _immutable(name, "an assignment")

    def __delattr__(self, name: str) -> None:
        """Refuse every deletion, as assignments are refused."""
        raise _immutable(name, "a deletion")

    def replace(self, **changes: Any) -> Self:
        """A new patient with ``changes``, validated and converted exactly like the constructor.

        The measurements not changed are read again as they were entered, so a bare number
        stays a bare number (and is checked beside the new values) and every check runs.

        >>> p = Patient(height="5 ft 9 in", weight="176 lb")
        >>> p.replace(weight="154 lb").describe()["weight"]
        '154 lb = 69.8532 kg'
        >>> p.replace(weight="154 kg")
        Traceback (most recent call last):
          ...
        dosing.errors.PlausibilityError: BMI must be between 12 and 50 kg/m² for an adult, got 50.1 kg/m² (above 50 kg/m²) from height 5 ft 9 in = 175.26 cm and weight 154 kg - check the height, the weight and their units. If both are right, pass accept_outlier=True (CLI: --accept-outlier)
        """
        return self.model_copy(update=changes)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, a new patient made like :meth:`replace`.

        Without ``update`` the copy is the same patient. With it, the patient's values as
        entered and the update go through the constructor, so an update is validated,
        converted and checked exactly as ``Patient(...)`` would (pydantic's own
        ``model_copy(update=...)`` would skip all three).

        >>> p = Patient(height="175 cm", weight="80 kg")
        >>> p.model_copy(update={"weight": Quantity(154, "lb")}).describe()["weight"]
        '154 lb = 69.8532 kg'
        """
        if update is None or (isinstance(update, Mapping) and not update):
            return super().model_copy(deep=deep)
        if not isinstance(update, Mapping):
            raise DosingError(
                "update", "a mapping of patient fields to values", type(update).__name__
            )
        for key in update:
            if not isinstance(key, str):
                raise DosingError(
                    "update",
                    "keyed by patient field names",
                    repr(key),
                    "known fields: " + ", ".join(_FIELD_NAMES),
                )
        inputs: dict[str, Any] = {name: getattr(self, name) for name in self.model_fields_set}
        inputs.update(self._entered)
        inputs.update(update)
        return type(self)(**inputs)

    @classmethod
    def model_construct(  # type: ignore[override]  # the pydantic plugin types it by field
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """Build a patient from ``values``, validated like the constructor (never unchecked).

        >>> Patient.model_construct(height="175 cm", weight=-80)
        Traceback (most recent call last):
          ...
        dosing.errors.MeasurementError: weight must be between 1 and 700 kg, got -80 kg - this is outside what any patient can have; check the value and its unit
        """
        return cls(**values)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        """Read a patient from JSON; malformed JSON is a :class:`~dosing.errors.DosingError` too.

        >>> Patient.model_validate_json('{"height": "175 cm", "weight": "80 kg"}').height
        <Quantity(175.0, 'centimeter')>
        """
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as err:
            raise _as_dosing_error(err, {}) from None

    def bsa(self, formula: BSAFormula | str = BSAFormula.MOSTELLER) -> pint.Quantity[float]:
        """Body surface area in m² by ``formula`` (Mosteller unless stated).

        >>> round(Patient(height=170, weight=75).bsa("dubois").magnitude, 4)
        1.8636
        """
        chosen = BSAFormula.parse(formula)
        return Quantity(bsa_m2(self.height.magnitude, self.weight.magnitude, chosen), "m**2")

    def age_on(self, day: dt.date) -> int | None:
        """Age in whole years on ``day`` (from the date of birth if given, else ``age``)."""
        if self.date_of_birth is not None:
            return _years_between(self.date_of_birth, day)
        return self.age

    @property
    def bmi(self) -> pint.Quantity[float]:
        """Body-mass index: weight / height², in kg/m².

        >>> round(Patient(height="175 cm", weight="80 kg").bmi, 2)
        <Quantity(26.12, 'kilogram / meter ** 2')>
        """
        return Quantity(_bmi(self), "kg/m**2")

    @property
    def entered(self) -> Mapping[str, str]:
        """Each measurement as it was entered, before conversion (read-only).

        >>> dict(Patient(height="69in", weight="176lb").entered)
        {'height': '69 in', 'weight': '176 lb'}
        """
        return MappingProxyType(self._entered)

    @property
    def outliers(self) -> tuple[str, ...]:
        """Notes for every value accepted outside its adult range by ``accept_outlier``.

        >>> Patient(height="95 cm", weight="40 kg", accept_outlier=True).outliers
        ('height 95 cm is outside the adult range 100 to 250 cm; accepted deliberately',)
        """
        notes = []
        values: list[tuple[str, float | None]] = [
            ("height", self.height.magnitude),
            ("weight", self.weight.magnitude),
            ("age", None if self.age is None else float(self.age)),
            (
                "serum_creatinine",
                None if self.serum_creatinine is None else self.serum_creatinine.magnitude,
            ),
        ]
        for field, value in values:
            if value is None:
                continue
            low, high, unit, _, _ = PLAUSIBLE[field]
            if not low <= value <= high:
                notes.append(
                    f"{field} {_fmt(value)} {unit} is outside the adult range "
                    f"{_fmt(low)} to {_fmt(high)} {unit}; accepted deliberately"
                )
        if _bmi_outside(self) is not None:
            low, high = PLAUSIBLE_BMI
            notes.append(
                f"BMI {_bmi_text(_bmi(self))} kg/m² (from {_bmi_source(self)}) is outside the adult "
                f"range {_fmt(low)} to {_fmt(high)} kg/m²; accepted deliberately"
            )
        return tuple(notes)

    @property
    def assumed_units(self) -> tuple[str, ...]:
        """Notes for a height or weight given as a bare number, read in the default unit.

        >>> Patient(height=175, weight="80 kg").assumed_units
        ('height given without a unit, read as cm',)
        """
        return self._assumed_units

    def describe(self) -> dict[str, str]:
        """The patient as an order header shows it: label to text, only fields that are set.

        Each measurement is shown as entered, then as converted to the unit the arithmetic
        uses, to the precision it uses (up to 4 decimals); a value entered in that unit, or
        as a bare number, is shown once. The weight shown is the one mg/kg doses use.

        >>> Patient(height=175, weight=80, identifier="MRN 1").describe()["height"]
        '175 cm'
        >>> d = Patient(height="5 ft 9 in", weight="176 lb", serum_creatinine="97 µmol/L").describe()
        >>> d["height"], d["weight"], d["serum creatinine"]
        ('5 ft 9 in = 175.26 cm', '176 lb = 79.8323 kg', '97 µmol/L = 1.0973 mg/dL')
        """
        out: dict[str, str] = {}
        if self.identifier is not None:
            out["identifier"] = self.identifier
        out["height"] = self._shown("height", self.height)
        out["weight"] = self._shown("weight", self.weight)
        if self.sex is not None:
            out["sex"] = self.sex
        if self.age is not None:
            out["age"] = f"{self.age} years"
        if self.date_of_birth is not None:
            out["date of birth"] = self.date_of_birth.isoformat()
        if self.serum_creatinine is not None:
            out["serum creatinine"] = self._shown("serum_creatinine", self.serum_creatinine)
        if self.dialysis is not None:
            out["dialysis"] = "yes" if self.dialysis else "no"
        if self.outliers:
            out["plausibility override"] = "; ".join(self.outliers)
        if self.assumed_units:
            out["units assumed"] = "; ".join(self.assumed_units)
        return out

    def _shown(self, field: str, quantity: pint.Quantity[float]) -> str:
        """``176 lb = 79.8323 kg``; only the converted value when nothing was converted."""
        converted = _quantity_text(quantity)
        entered = self._entered.get(field)
        if entered is None or entered == converted or _is_bare_number(entered):
            return converted
        return f"{entered} = {converted}"


def _set_private(patient: Patient, name: str, value: object) -> None:
    """Set a private attribute while the patient is being built (assignment is refused)."""
    BaseModel.__setattr__(patient, name, value)


def _immutable(name: str, attempt: str) -> ImmutableError:
    example = f"{name}=..." if name in Patient.model_fields else "..."
    return ImmutableError(
        name,
        "left unchanged (a Patient is immutable)",
        attempt,
        f"derive a new patient with patient.replace({example})",
    )


def _bmi(patient: Patient) -> float:
    return float(patient.weight.magnitude / (patient.height.magnitude / 100) ** 2)


def _bmi_outside(patient: Patient) -> str | None:
    """``"57.3 kg/m² (above 50 kg/m²)"`` for a BMI outside the adult range, else ``None``."""
    value = _bmi(patient)
    low, high = PLAUSIBLE_BMI
    if low <= value <= high:
        return None
    side = f"below {_fmt(low)}" if value < low else f"above {_fmt(high)}"
    return f"{_bmi_text(value)} kg/m² ({side} kg/m²)"


def _bmi_text(value: float) -> str:
    """BMI to 0.1 kg/m², with more digits where 0.1 would round it onto a limit of the range."""
    text = f"{value:.1f}"
    if float(text) in PLAUSIBLE_BMI and float(text) != value:
        return f"{value:.6g}"
    return text


def _bmi_source(patient: Patient) -> str:
    """The measurements a BMI came from, as entered and converted."""
    height = patient._shown("height", patient.height)
    return f"height {height} and weight {patient._shown('weight', patient.weight)}"


def _check_unit_systems(entered: Mapping[str, Entered]) -> None:
    """Refuse a bare height or weight beside the other written in imperial units."""
    for field, other in (("height", "weight"), ("weight", "height")):
        mine, theirs = entered.get(field), entered.get(other)
        if mine is None or theirs is None:
            continue
        if mine.unit is None and theirs.system is UnitSystem.IMPERIAL:
            raise MeasurementError(
                field,
                f"given with a unit when {other} is in imperial units ({theirs.text})",
                repr(mine.text),
                _readings_hint(field, mine.text),
            )


def _readings_hint(field: str, text: str) -> str:
    """The plausible readings of a bare number, and why the obvious others are not offered."""
    number = float(text.replace(",", "."))
    low, high, base, _, _ = PLAUSIBLE[field]
    plausible: list[str] = []
    implausible: list[str] = []
    for index, (unit, factor) in enumerate(_READINGS[field]):
        value = number * factor
        shown = f"{_fmt(number)} {unit}" + ("" if unit == base else f" ({_fmt(value)} {base})")
        if low <= value <= high:
            plausible.append(shown)
        elif index < 2:
            implausible.append(shown)
    parts = []
    if plausible:
        parts.append(f"did you mean {_one_of(plausible, 'or')}?")
    if implausible:
        parts.append(
            f"{_one_of(implausible, 'and')} would be outside the adult range "
            f"{_fmt(low)} to {_fmt(high)} {base}."
        )
    parts.append("Write the unit after the number")
    return " ".join(parts)


def _one_of(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


_BARE_NUMBER = re.compile(r"^\s*[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?\s*$")


def _is_bare_number(value: object) -> bool:
    """True for a number, or text that is only a number, which the parser reads in cm or kg."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and len(value) <= 64 and bool(_BARE_NUMBER.match(value))


def _years_between(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


_FIELD_NAMES = list(Patient.model_fields)


def _as_dosing_error(err: ValidationError, data: dict[str, Any]) -> DosingError:
    first = err.errors(include_url=False)[0]
    loc = first["loc"]
    field = ".".join(str(part) for part in loc) if loc else "patient"
    if first["type"] == "extra_forbidden":
        return DosingError(
            field,
            "one of the known patient fields",
            repr(first["input"]),
            "known fields: " + ", ".join(_FIELD_NAMES),
        )
    if first["type"] == "json_invalid":
        return DosingError("patient", "a JSON object", "malformed JSON", first["msg"])
    if first["type"] == "missing":
        return DosingError(field, "given", "nothing")
    shown = data.get(str(loc[0])) if loc else first["input"]
    limits = first.get("ctx") or {}
    if first["type"] == "string_too_short":
        return DosingError(
            field, f"at least {limits.get('min_length')} character(s) long", repr(shown)
        )
    if first["type"] == "string_too_long":
        return DosingError(
            field,
            f"at most {limits.get('max_length')} characters long",
            f"{len(str(shown))} characters",
        )
    constraint = first["msg"]
    constraint = constraint[0].lower() + constraint[1:] if constraint else "valid"
    constraint = constraint.removeprefix("input should be ").removeprefix("value error, ")
    return DosingError(field, constraint, repr(shown))
