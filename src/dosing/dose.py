"""Dose rules, caps, rounding and the dose that carries its own trace.

A :class:`DoseRule` says how a dose is worked out: per m² of body surface area, per kg of
actual body weight, or flat, with an optional BSA cap (carfilzomib: 2.2 m²) and maximum dose.
:func:`compute_dose` applies a rule to a patient and returns a :class:`Dose`, which keeps every
step: the measurement used and its formula, any cap, the calculated value, the rounding policy
and what it did, and the final value.

Without a rounding policy a dose is *reported* to 0.1 mg (finer under 1 mg); the unrounded
value is kept. Rounding is opt-in (:class:`NearestIncrement`, :class:`OralStrengths`,
:class:`VialBanding`) and a rounding that would move a dose beyond its tolerance is refused:
the trace says so and the dose stays unrounded.

>>> from dosing import Patient
>>> from dosing.dose import DoseRule, compute_dose
>>> rule = DoseRule.parse("56 mg/m²", bsa_cap="2.2 m²")
>>> dose = compute_dose(rule, Patient(height="175 cm", weight="80 kg"))
>>> dose.mg
<Quantity(110.4, 'milligram')>
>>> dose.basis
'56 mg/m² × 1.972 m² (Mosteller)'
>>> big = compute_dose(rule, Patient(height="190 cm", weight="110 kg"))
>>> big.mg, [str(e) for e in big.events]
(<Quantity(123.2, 'milligram')>, ['BSA 2.409 m² (Mosteller) capped at 2.2 m²'])
"""

from __future__ import annotations

import abc
import enum
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, Self

from dosing.bsa import BSAFormula
from dosing.errors import MeasurementError, RoundingError
from dosing.notation import (
    format_amount,
    format_number,
    report_decimals,
    report_precision,
    round_half_up,
)
from dosing.trace import (
    BSACapped,
    Event,
    MaximumDose,
    NotDispensable,
    Rounded,
    RoundingImpossible,
    RoundingRefused,
    percent,
)
from dosing.units import (
    Quantity,
    is_quantity,
    parse_quantity,
    parse_unit,
    registry,
    split_number_unit,
)

if TYPE_CHECKING:
    import pint

    from dosing.patient import Patient

__all__ = [
    "Basis",
    "Dose",
    "DoseRule",
    "NearestIncrement",
    "OralStrengths",
    "RoundingPolicy",
    "VialBanding",
    "compute_dose",
    "dispensable",
    "dose_from_measure",
    "parse_rounding",
    "units_for",
]


class Basis(enum.StrEnum):
    """What a dose is proportional to."""

    PER_M2 = "mg/m²"
    PER_KG = "mg/kg"
    FLAT = "mg"


def _finite_number(value: object) -> bool:
    """A finite int or float, not a bool; an int too large for a float is not finite."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _positive(value: float, field_name: str, constraint: str = "a positive finite number") -> None:
    if not (_finite_number(value) and value > 0):
        raise MeasurementError(field_name, constraint, repr(value))


@dataclass(frozen=True, slots=True)
class DoseRule:
    """How to work out one dose: ``amount`` in ``basis`` units, with optional caps.

    Magnitudes are stored in fixed units (mg per basis unit, m², mg) and exposed as pint
    quantities by :attr:`rate`, :attr:`cap`, :attr:`maximum`. Build one with
    :meth:`parse`, which reads units.

    >>> DoseRule.parse("16 mg/kg").rate
    <Quantity(16.0, 'milligram / kilogram')>
    >>> DoseRule.parse("56 mg/m")
    Traceback (most recent call last):
      ...
    dosing.errors.MeasurementError: dose must be mg, mg/m² or mg/kg, got '56 mg/m' (mg/m)
    """

    amount: float
    basis: Basis
    bsa_cap_m2: float | None = None
    max_dose_mg: float | None = None

    def __post_init__(self) -> None:
        _positive(self.amount, "dose")
        if self.bsa_cap_m2 is not None:
            _positive(self.bsa_cap_m2, "bsa_cap")
            if self.basis is not Basis.PER_M2:
                raise MeasurementError("bsa_cap", "used only with a mg/m² dose", str(self.basis))
        if self.max_dose_mg is not None:
            _positive(self.max_dose_mg, "max_dose")

    @classmethod
    def parse(
        cls,
        dose: object,
        *,
        bsa_cap: object = None,
        max_dose: object = None,
        field: str = "dose",
    ) -> DoseRule:
        """Read a rule from text or a quantity (``"56 mg/m²"``, ``"16 mg/kg"``, ``"25 mg"``)."""
        amount, basis = _parse_rate(dose, field=field)
        cap = None
        if bsa_cap is not None:
            cap = parse_quantity(
                bsa_cap,
                field=f"{field}.bsa_cap" if field != "dose" else "bsa_cap",
                dimension="[length] ** 2",
                to_unit="m**2",
                example="'2.2 m²'",
            ).magnitude
        maximum = None
        if max_dose is not None:
            maximum = parse_quantity(
                max_dose, field="max_dose", dimension="[mass]", to_unit="mg", example="'500 mg'"
            ).magnitude
        return cls(amount, basis, cap, maximum)

    @property
    def rate(self) -> pint.Quantity[float]:
        """The rule's rate as a quantity (mg/m², mg/kg or mg)."""
        unit = {Basis.PER_M2: "mg/m**2", Basis.PER_KG: "mg/kg", Basis.FLAT: "mg"}[self.basis]
        return Quantity(self.amount, unit)

    @property
    def cap(self) -> pint.Quantity[float] | None:
        """The BSA cap in m², if any."""
        return None if self.bsa_cap_m2 is None else Quantity(self.bsa_cap_m2, "m**2")

    @property
    def maximum(self) -> pint.Quantity[float] | None:
        """The maximum single dose in mg, if any."""
        return None if self.max_dose_mg is None else Quantity(self.max_dose_mg, "mg")

    def __str__(self) -> str:
        """``56 mg/m² (BSA capped at 2.2 m²)``."""
        text = format_amount(self.amount, str(self.basis))
        extras = []
        if self.bsa_cap_m2 is not None:
            extras.append(f"BSA capped at {format_amount(self.bsa_cap_m2, 'm²')}")
        if self.max_dose_mg is not None:
            extras.append(f"max {format_amount(self.max_dose_mg, 'mg')}")
        return f"{text} ({', '.join(extras)})" if extras else text


def _parse_rate(value: object, *, field: str) -> tuple[float, Basis]:
    if isinstance(value, str):
        return _parse_rate_text(value, field)
    return _parse_rate_any(value, field=field)


@lru_cache(maxsize=512)
def _parse_rate_text(value: str, field: str) -> tuple[float, Basis]:
    """Rates written as text are parsed once (protocols repeat the same few)."""
    return _parse_rate_any(value, field=field)


def _parse_rate_any(value: object, *, field: str) -> tuple[float, Basis]:
    constraint = "mg, mg/m² or mg/kg"
    if isinstance(value, str):
        number_part, unit_part = split_number_unit(value)
        try:
            amount = float(number_part)
        except ValueError:
            raise MeasurementError(
                field, f"a number and a unit ({constraint})", repr(value)
            ) from None
        unit = parse_unit(unit_part, field=field)
    elif is_quantity(value):
        magnitude = value.magnitude  # type: ignore[attr-defined]
        if not _finite_number(magnitude):
            raise MeasurementError(field, "a positive finite dose", repr(value))
        amount = float(magnitude)
        unit = parse_unit(format(value.units, "D"), field=field)  # type: ignore[attr-defined]
    else:
        raise MeasurementError(field, f"a dose with a unit ({constraint})", repr(value))
    basis = _basis_of(unit)
    if basis is None:
        raise MeasurementError(field, constraint, f"{value!r} ({unit:~P})")
    scale = registry().Quantity(1.0, unit).to(_BASIS_UNITS[basis]).magnitude
    if not math.isfinite(amount) or amount <= 0:
        raise MeasurementError(field, "a positive finite dose", repr(value))
    return amount * scale, basis


_BASIS_UNITS = {Basis.PER_M2: "mg/m**2", Basis.PER_KG: "mg/kg", Basis.FLAT: "mg"}


def _basis_of(unit: pint.Unit) -> Basis | None:
    """Classify a unit: mass (flat), mass/area (per m²) or mass/mass written as mg/kg."""
    reg = registry()
    dims = reg.get_dimensionality(unit)
    if dims == reg.get_dimensionality("mg"):
        return Basis.FLAT
    if dims == reg.get_dimensionality("mg/m**2"):
        return Basis.PER_M2
    # mg/kg is dimensionless; require a mass over a mass, not a bare number
    text = format(unit, "D")
    if dims == {} and "/" in text:
        numerator, _, denominator = text.partition("/")
        num_dims = reg.get_dimensionality(numerator.strip())
        den_dims = reg.get_dimensionality(denominator.strip())
        if num_dims == den_dims == reg.get_dimensionality("mg"):
            return Basis.PER_KG
    return None


# -- rounding -------------------------------------------------------------------------------


class RoundingPolicy(abc.ABC):
    """A rounding rule: proposes a rounded dose; :func:`compute_dose` checks the tolerance.

    :class:`NearestIncrement`, :class:`OralStrengths` and :class:`VialBanding` derive from
    it. A policy of your own derives from it too and defines :attr:`tolerance`,
    :meth:`propose` and :meth:`describe`. :meth:`parse` reads a policy from text, as the
    command line's ``--round`` takes it:

    >>> RoundingPolicy.parse("vials:10,30,60@5%")
    VialBanding(vial_sizes_mg=(10.0, 30.0, 60.0), tolerance=0.05)
    >>> NearestIncrement.parse("nearest:10").describe()
    'nearest 10 mg within 10 %'
    >>> VialBanding.parse("nearest:10")
    Traceback (most recent call last):
      ...
    dosing.errors.RoundingError: rounding must be vials:MG,MG[@PCT%], got 'nearest:10'
    """

    __slots__ = ()

    #: The text forms :meth:`parse` reads for this class.
    FORMS: ClassVar[str] = "nearest:MG, vials:MG,MG[@PCT%] or strengths:MG,MG[@PCT%][,max=N]"

    @property
    @abc.abstractmethod
    def tolerance(self) -> float:
        """The largest change allowed, as a fraction of the calculated dose."""

    @abc.abstractmethod
    def propose(self, mg: float) -> tuple[float, str] | None:
        """Return the rounded dose in mg and how it is made up, or ``None`` if impossible."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Name the policy as an order shows it."""

    @classmethod
    def parse(cls, spec: str, *, field: str = "rounding") -> Self:
        """Read a policy of this class from text (see :func:`parse_rounding` for the forms).

        On :class:`RoundingPolicy` itself any of the three forms is read; on a policy class,
        only that class's form. Anything else raises :class:`~dosing.errors.RoundingError`
        naming ``field``.
        """
        policy = parse_rounding(spec, field=field)
        if not isinstance(policy, cls):
            raise RoundingError(field, cls.FORMS, repr(spec))
        return policy


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hundredths(value: float) -> bool:
    """True for a whole number of hundredths of a mg, the step the searches work in."""
    return abs(value * 100 - round(value * 100)) < 1e-6


def _sizes_ok(sizes: object) -> bool:
    return (
        isinstance(sizes, tuple | list)
        and bool(sizes)
        and all(_finite_number(s) and 0.01 <= s <= 10_000 and _hundredths(s) for s in sizes)
    )


def _check_tolerance(tolerance: float) -> None:
    if not (_is_number(tolerance) and 0 < tolerance <= 0.25):
        raise RoundingError(
            "tolerance", "a fraction above 0 and at most 0.25 (25 %)", repr(tolerance)
        )


@dataclass(frozen=True, slots=True)
class NearestIncrement(RoundingPolicy):
    """Round to the nearest multiple of ``increment_mg`` (e.g. 1 mg, 10 mg).

    >>> NearestIncrement(10).propose(110.43)
    (110.0, 'nearest 10 mg')
    """

    FORMS: ClassVar[str] = "nearest:MG[@PCT%]"

    increment_mg: float
    tolerance: float = 0.10

    def __post_init__(self) -> None:
        if not (
            _finite_number(self.increment_mg)
            and 0.01 <= self.increment_mg <= 10_000
            and _hundredths(self.increment_mg)
        ):
            raise RoundingError(
                "increment",
                "a whole number of hundredths of a mg from 0.01 to 10,000 mg",
                repr(self.increment_mg),
            )
        _check_tolerance(self.tolerance)

    def propose(self, mg: float) -> tuple[float, str] | None:
        """Nearest multiple of the increment (halves up)."""
        return round_half_up(
            mg, self.increment_mg
        ), f"nearest {format_amount(self.increment_mg, 'mg')}"

    def describe(self) -> str:
        """``nearest 10 mg within 10 %``."""
        return f"nearest {format_amount(self.increment_mg, 'mg')} within {percent(self.tolerance)}"


def _combinations(
    sizes: tuple[float, ...], target: float, max_units: int | None
) -> dict[int, tuple[int, ...]]:
    """Achievable totals (in 1/100 mg) near ``target`` with the fewest units of ``sizes``."""
    cents = [round(s * 100) for s in sizes]
    step = math.gcd(*cents)
    limit = round(target * 100) + max(cents)
    best: dict[int, tuple[int, ...]] = {0: ()}
    for total in range(step, limit + 1, step):
        options = [best[total - c] + (c,) for c in cents if total - c in best]
        if options:
            pick = min(options, key=len)
            if max_units is None or len(pick) <= max_units:
                best[total] = pick
    return best


_MAX_SEARCH_STEPS = 20_000
_MAX_UNITS_SEARCHED = 200


def _nearest_combination(
    sizes: tuple[float, ...], mg: float, max_units: int | None, noun: str
) -> tuple[float, str] | None:
    # The search walks every achievable total up to the dose in steps of the sizes' common
    # divisor; refuse rather than hang when that is huge (0.01 mg vials for a 99 g dose).
    if not _searchable(sizes, mg):
        return None
    best = _combinations(sizes, mg, max_units)
    target = round(mg * 100)
    totals = [t for t in best if t > 0]
    if not totals:
        return None
    pick = min(totals, key=lambda t: (abs(t - target), -t))
    return pick / 100, f"{_made_of(best[pick])} {noun}"


def dispensable(mg: float, strengths_mg: tuple[float, ...]) -> NotDispensable | None:
    """``None`` if whole units of ``strengths_mg`` make ``mg`` exactly, else the nearest doses.

    >>> print(dispensable(591.6, (25, 50)))
    no whole number of 25, 50 mg units makes 591.6 mg; nearest dispensable: 575 mg (11 × 50 mg + 1 × 25 mg) or 600 mg (12 × 50 mg)
    >>> dispensable(25, (2.5, 5, 10, 15, 20, 25)) is None
    True
    """
    if not strengths_mg:
        return None
    sizes = tuple(strengths_mg)
    listed = f"{', '.join(format_number(s) for s in sizes)} mg"
    target = round(mg * 100)
    if not _searchable(sizes, mg):
        return NotDispensable(mg, listed, ())
    best = _combinations(sizes, mg, None)
    if target in best:
        return None
    below = max((t for t in best if 0 < t < target), default=None)
    above = min((t for t in best if t > target), default=None)
    nearest = tuple(
        f"{format_amount(t / 100, 'mg')} ({_made_of(best[t])})"
        for t in (below, above)
        if t is not None
    )
    return NotDispensable(mg, listed, nearest)


def units_for(
    mg: float, sizes_mg: tuple[float, ...], *, cover: bool = False
) -> tuple[tuple[float, int], ...] | None:
    """The fewest whole units of ``sizes_mg`` that make ``mg``, as (size, count), largest first.

    ``None`` when no whole number of units makes the dose exactly; with ``cover`` (vials, of
    which a part may be drawn) the units that hold the dose with the least left over.

    >>> units_for(35, (2.5, 5, 10, 15, 20, 25))
    ((25.0, 1), (10.0, 1))
    >>> units_for(110.4, (10, 30, 60)), units_for(110.4, (10, 30, 60), cover=True)
    (None, ((60.0, 2),))
    """
    sizes = tuple(float(s) for s in sizes_mg)
    if not sizes or not _searchable(sizes, mg):
        return None
    best = _combinations(sizes, mg, None)
    target = round(mg * 100)
    if cover:
        total = min((t for t in best if t >= target), default=None)
    else:
        total = target if target in best else None
    if total is None or total == 0:
        return None
    counts: dict[int, int] = {}
    for c in best[total]:
        counts[c] = counts.get(c, 0) + 1
    return tuple((c / 100, n) for c, n in sorted(counts.items(), reverse=True))


def _made_of(cents: tuple[int, ...]) -> str:
    parts: dict[int, int] = {}
    for c in cents:
        parts[c] = parts.get(c, 0) + 1
    return " + ".join(
        f"{n} × {format_amount(c / 100, 'mg')}" for c, n in sorted(parts.items(), reverse=True)
    )


def _searchable(sizes: tuple[float, ...], mg: float) -> bool:
    """True when the search for ``mg`` stays small (at most 200 units, 20,000 steps)."""
    if not (math.isfinite(mg) and 0 < mg <= 100_000):
        return False
    cents = [round(s * 100) for s in sizes]
    steps = (round(mg * 100) + max(cents)) // math.gcd(*cents)
    return steps <= _MAX_SEARCH_STEPS and mg / min(sizes) <= _MAX_UNITS_SEARCHED


@dataclass(frozen=True, slots=True)
class OralStrengths(RoundingPolicy):
    """Round to what whole capsules or tablets of the given strengths make.

    ``max_units`` limits the units in one dose (``None``: no limit of its own; a dose of more
    than 200 units is never searched). :meth:`describe` states both.

    >>> OralStrengths((2.5, 5, 10, 15, 20, 25)).propose(24.2)
    (25.0, '1 × 25 mg capsules/tablets')
    >>> OralStrengths((50,)).propose(591.6)
    (600.0, '12 × 50 mg capsules/tablets')
    >>> OralStrengths((50,), max_units=4).describe()
    'whole capsules/tablets of 50 mg, at most 4 per dose, within 10 %'
    """

    FORMS: ClassVar[str] = "strengths:MG,MG[@PCT%][,max=N]"

    strengths_mg: tuple[float, ...]
    tolerance: float = 0.10
    max_units: int | None = None

    def __post_init__(self) -> None:
        if not _sizes_ok(self.strengths_mg):
            raise RoundingError(
                "strengths",
                "one or more strengths of 0.01 to 10,000 mg in whole hundredths",
                repr(self.strengths_mg),
            )
        if self.max_units is not None and not (
            isinstance(self.max_units, int)
            and not isinstance(self.max_units, bool)
            and 1 <= self.max_units <= _MAX_UNITS_SEARCHED
        ):
            raise RoundingError(
                "max_units",
                f"a whole number from 1 to {_MAX_UNITS_SEARCHED}, or None",
                repr(self.max_units),
            )
        _check_tolerance(self.tolerance)

    def propose(self, mg: float) -> tuple[float, str] | None:
        """Nearest total of whole units (at most ``max_units`` when set)."""
        return _nearest_combination(
            tuple(self.strengths_mg), mg, self.max_units, "capsules/tablets"
        )

    def describe(self) -> str:
        """``whole capsules/tablets of 2.5, 5, 10 mg, any number per dose, within 10 %``."""
        listed = ", ".join(format_number(s) for s in self.strengths_mg)
        units = (
            f"at most {self.max_units} per dose"
            if self.max_units is not None
            else f"any number per dose up to {_MAX_UNITS_SEARCHED}"
        )
        return f"whole capsules/tablets of {listed} mg, {units}, within {percent(self.tolerance)}"


@dataclass(frozen=True, slots=True)
class VialBanding(RoundingPolicy):
    """Band to what whole vials make, within ``tolerance`` (typically 5 % or 10 %).

    >>> VialBanding((10, 30, 60), tolerance=0.05).propose(110.43)
    (110.0, '1 × 60 mg + 1 × 30 mg + 2 × 10 mg vials')
    """

    FORMS: ClassVar[str] = "vials:MG,MG[@PCT%]"

    vial_sizes_mg: tuple[float, ...]
    tolerance: float = 0.05

    def __post_init__(self) -> None:
        if not _sizes_ok(self.vial_sizes_mg):
            raise RoundingError(
                "vial_sizes",
                "one or more sizes of 0.01 to 10,000 mg in whole hundredths",
                repr(self.vial_sizes_mg),
            )
        _check_tolerance(self.tolerance)

    def propose(self, mg: float) -> tuple[float, str] | None:
        """Nearest total of whole vials."""
        return _nearest_combination(tuple(self.vial_sizes_mg), mg, None, "vials")

    def describe(self) -> str:
        """``vials of 10, 30, 60 mg within 5 %``."""
        listed = ", ".join(format_number(s) for s in self.vial_sizes_mg)
        return f"vials of {listed} mg within {percent(self.tolerance)}"


# -- the dose -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dose:
    """One computed dose and its whole trace. Magnitudes are mg, m² or kg; see the properties.

    ``calculated_mg`` is rate × measurement after any BSA cap and maximum dose, unrounded;
    ``final_mg`` is what is given: the rounded value when a rounding was applied, otherwise
    ``calculated_mg`` reported to 0.1 mg (finer under 1 mg; see
    :func:`~dosing.notation.report_precision`). ``events`` says why the dose
    differs from rate × measurement (:mod:`dosing.trace`).
    """

    rule: DoseRule
    measure: float | None
    measure_uncapped: float | None
    formula: BSAFormula | None
    calculated_mg: float
    final_mg: float
    rounding: RoundingPolicy | None = None
    events: tuple[Event, ...] = ()

    def __repr__(self) -> str:
        """The dose, its calculation and the flags of its events, on one short line.

        >>> from dosing import Patient
        >>> patient = Patient(height="175 cm", weight="80 kg")
        >>> compute_dose(DoseRule.parse("56 mg/m²", bsa_cap="2.2 m²"), patient)
        <Dose 110.4 mg = 56 mg/m² × 1.972 m² (Mosteller)>
        >>> compute_dose(DoseRule.parse("25 mg"), patient, rounding=NearestIncrement(20))
        <Dose 25 mg = 25 mg flat [check]>
        """
        flags = dict.fromkeys(e.flag for e in self.events)
        shown = f" [{', '.join(flags)}]" if flags else ""
        return f"<Dose {self.text} = {self.basis}{shown}>"

    @property
    def notes(self) -> tuple[str, ...]:
        """The sentences of the events that are notes (a cap, a rounding applied)."""
        return tuple(str(e) for e in self.events if not e.warning)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The sentences of the events a clinician must look at (a rounding refused)."""
        return tuple(str(e) for e in self.events if e.warning)

    @property
    def mg(self) -> pint.Quantity[float]:
        """The dose to give, in mg."""
        return Quantity(self.final_mg, "mg")

    @property
    def calculated(self) -> pint.Quantity[float]:
        """The calculated dose before rounding, in mg."""
        return Quantity(self.calculated_mg, "mg")

    @property
    def text(self) -> str:
        """The dose written per ISMP (``110.4 mg``, ``0.06 mg``)."""
        return format_amount(self.final_mg, "mg", decimals=max(2, report_decimals(self.final_mg)))

    @property
    def basis(self) -> str:
        """The calculation in one line: ``56 mg/m² × 1.972 m² (Mosteller)``."""
        rate = format_amount(self.rule.amount, str(self.rule.basis))
        if self.rule.basis is Basis.FLAT:
            return f"{rate} flat"
        if self.rule.basis is Basis.PER_KG:
            assert self.measure is not None
            return f"{rate} × {format_amount(self.measure, 'kg', decimals=4)} actual weight"
        assert self.measure is not None
        assert self.formula is not None
        capped = self.measure_uncapped is not None and self.measure_uncapped > self.measure
        label = self.formula.label
        if capped:
            label = (
                f"capped; {label} BSA {format_amount(self.measure_uncapped or 0, 'm²', decimals=3)}"
            )
        return f"{rate} × {format_amount(self.measure, 'm²', decimals=3)} ({label})"

    @property
    def modified(self) -> bool:
        """True when a cap, maximum or rounding changed the dose from rate × measurement."""
        return any(not e.warning for e in self.events)

    def trace(self) -> str:
        """Every step, one per line, as a pharmacist would check it.

        >>> from dosing import Patient
        >>> print(compute_dose(DoseRule.parse("25 mg"), Patient(height=175, weight=80)).trace())
        rule: 25 mg flat
        calculated: 25 mg
        final: 25 mg (reported to 0.1 mg; no rounding policy)
        """
        lines = [f"rule: {self.basis}"]
        lines.append(f"calculated: {format_amount(self.calculated_mg, 'mg', decimals=4)}")
        lines.extend(f"{'warning' if e.warning else 'note'}: {e}" for e in self.events)
        if self.rounding is None:
            step = report_precision(self.calculated_mg)
            policy = f"reported to {format_number(step)} mg; no rounding policy"
        else:
            policy = f"rounding: {self.rounding.describe()}"
        lines.append(f"final: {self.text} ({policy})")
        return "\n".join(lines)


def compute_dose(
    rule: DoseRule,
    patient: Patient,
    *,
    bsa_formula: BSAFormula | str = BSAFormula.MOSTELLER,
    rounding: RoundingPolicy | None = None,
) -> Dose:
    """Apply ``rule`` to ``patient``: BSA (by ``bsa_formula``) or actual weight, caps, rounding."""
    formula = BSAFormula.parse(bsa_formula)
    if rule.basis is Basis.PER_M2:
        uncapped = patient.bsa(formula).magnitude
        return dose_from_measure(rule, uncapped, formula=formula, rounding=rounding)
    if rule.basis is Basis.PER_KG:
        return dose_from_measure(rule, patient.weight.magnitude, rounding=rounding)
    return dose_from_measure(rule, None, rounding=rounding)


def dose_from_measure(
    rule: DoseRule,
    measure: float | None,
    *,
    formula: BSAFormula | None = None,
    rounding: RoundingPolicy | None = None,
    strengths_mg: tuple[float, ...] = (),
) -> Dose:
    """Apply ``rule`` to a measurement already in m² (BSA) or kg; ``None`` for a flat dose.

    This is the arithmetic behind :func:`compute_dose`, for callers that computed BSA once
    for many rules (the schedule engine). The BSA cap is applied here. With the strengths of
    the units a drug is dispensed in, a final dose no whole number of them makes is flagged
    (:class:`~dosing.trace.NotDispensable`) with the nearest doses that can be dispensed.
    """
    events: list[Event] = []
    used = measure
    if rule.basis is Basis.FLAT:
        calculated = rule.amount
        used = None
    else:
        if measure is None or not (math.isfinite(measure) and measure > 0):
            raise MeasurementError("measure", "a positive finite BSA or weight", repr(measure))
        if rule.bsa_cap_m2 is not None and measure > rule.bsa_cap_m2:
            used = rule.bsa_cap_m2
            events.append(BSACapped(measure, used, formula.label if formula else "BSA"))
        assert used is not None
        calculated = rule.amount * used
    if rule.max_dose_mg is not None and calculated > rule.max_dose_mg:
        events.append(MaximumDose(calculated, rule.max_dose_mg))
        calculated = rule.max_dose_mg
    if not math.isfinite(calculated):  # e.g. a 1e308 mg/m² rule times a BSA
        raise MeasurementError("dose", "a finite number of mg", repr(calculated))
    final = round_half_up(calculated, report_precision(calculated))
    if rounding is not None:
        final, event = _apply_rounding(rounding, calculated, final)
        if event is not None:
            events.append(event)
    if not (math.isfinite(final) and final > 0):
        raise MeasurementError(
            "dose",
            "a positive finite number of mg",
            format_amount(final, "mg") if math.isfinite(final) else repr(final),
            "check the rule and the rounding policy",
        )
    flag = dispensable(final, strengths_mg)
    if flag is not None:
        events.append(flag)
    return Dose(
        rule=rule,
        measure=used,
        measure_uncapped=measure if rule.basis is not Basis.FLAT else None,
        formula=formula if rule.basis is Basis.PER_M2 else None,
        calculated_mg=calculated,
        final_mg=final,
        rounding=rounding,
        events=tuple(events),
    )


def _apply_rounding(
    policy: RoundingPolicy, calculated: float, reported: float
) -> tuple[float, Event | None]:
    proposal = policy.propose(calculated)
    if proposal is None:
        return reported, RoundingImpossible(calculated, policy.describe())
    value, made_of = proposal
    if not (_finite_number(value) and value >= 0):
        raise RoundingError(
            "rounding", "a policy that proposes a finite dose of 0 mg or more", repr(value)
        )
    change = abs(value - calculated) / calculated
    if math.isclose(value, calculated, rel_tol=1e-9, abs_tol=1e-9):
        return value, None
    if change > policy.tolerance + 1e-12:
        return reported, RoundingRefused(calculated, value, made_of, change, policy.tolerance)
    return value, Rounded(calculated, value, made_of, change, policy.tolerance)


_ROUNDING_FORMS = RoundingPolicy.FORMS


def parse_rounding(spec: str, *, field: str = "rounding") -> RoundingPolicy:
    """Read a rounding policy from text (also :meth:`RoundingPolicy.parse`).

    ``nearest:MG`` rounds to a multiple of MG (10 % tolerance unless given); ``vials:MG,MG``
    bands to whole vials (5 %); ``strengths:MG,MG`` rounds to whole capsules or tablets
    (10 %), with ``max=N`` to allow at most N units per dose. ``@PCT%`` sets the tolerance.

    >>> parse_rounding("vials:10,30,60@5%")
    VialBanding(vial_sizes_mg=(10.0, 30.0, 60.0), tolerance=0.05)
    >>> parse_rounding("strengths:25,50@10%,max=12").describe()
    'whole capsules/tablets of 25, 50 mg, at most 12 per dose, within 10 %'
    >>> parse_rounding("strengths:50@10%,max=0")
    Traceback (most recent call last):
      ...
    dosing.errors.RoundingError: max_units must be a whole number from 1 to 200, or None, got 0
    """
    if not isinstance(spec, str) or len(spec) > 200:
        raise RoundingError(field, _ROUNDING_FORMS, repr(spec)[:80])
    kind, _, rest = spec.strip().partition(":")
    values, _, options = rest.partition("@")
    tolerance: float | None = None
    max_units: int | None = None
    try:
        numbers = tuple(float(v) for v in values.split(",") if v.strip())
        for option in (o.strip() for o in options.split(",") if o.strip()):
            if option.endswith("%") and tolerance is None:
                tolerance = float(option[:-1]) / 100
            elif option.lower().startswith("max=") and max_units is None:
                max_units = int(option[4:])
            else:
                raise ValueError(option)
    except ValueError:
        raise RoundingError(field, _ROUNDING_FORMS, repr(spec)) from None
    kind = kind.strip().lower()
    if max_units is not None and kind != "strengths":
        raise RoundingError(field, "max=N with strengths only", repr(spec))
    if kind == "nearest" and len(numbers) == 1:
        return NearestIncrement(numbers[0], tolerance=0.10 if tolerance is None else tolerance)
    if kind == "vials" and numbers:
        return VialBanding(numbers, tolerance=0.05 if tolerance is None else tolerance)
    if kind == "strengths" and numbers:
        return OralStrengths(
            numbers, tolerance=0.10 if tolerance is None else tolerance, max_units=max_units
        )
    raise RoundingError(field, _ROUNDING_FORMS, repr(spec))
