"""Protocols as data: the model of a protocol file and its validation.

A protocol is a TOML file (see ``docs/protocol-format.md`` and ``dosing schema``): the cycle
length and count, the sources it follows, and for each drug its route, dose rule, caps and the
days it is given by cycle range; step-up doses, the prescriber's choices, and the label facts
that make a dose safe to give (oral strengths, renal starting doses, premedication). Every
quantity is read once, at load, into a typed value and checked for its dimension and a
plausible range; validation reports every problem in a file at once, each with its location.
Loading files and finding protocols by id is :mod:`dosing.catalogue`.

>>> from dosing.catalogue import get_protocol
>>> krd = get_protocol("krd")
>>> krd.id, krd.cycle_length_days, [d.name for d in krd.drugs]
('KRd', 28, ['carfilzomib', 'lenalidomide', 'dexamethasone'])
>>> str(krd.drug("lenalidomide").rule), krd.drug("carfilzomib").rule
('25 mg', None)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    WrapSerializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dosing._text import abbreviated
from dosing.dose import Basis, DoseRule
from dosing.errors import (
    ChoiceError,
    DosingError,
    ImmutableError,
    Problem,
    ProtocolError,
)
from dosing.grammar import EARLIEST_DAY, MAX_CYCLES, CycleRange, parse_days
from dosing.notation import format_amount, format_number
from dosing.units import parse_quantity, split_number_unit

__all__ = [
    "DOSE_LIMITS",
    "FORMAT_VERSIONS",
    "GROUPS",
    "MAX_ADMINISTRATIONS",
    "MAX_CYCLES",
    "MAX_FILE_BYTES",
    "Choice",
    "Codes",
    "Cycles",
    "DayBlock",
    "DoseLevels",
    "Drug",
    "OlderPatients",
    "Premedication",
    "Protocol",
    "RenalRow",
    "ResolvedChoice",
    "Source",
    "StepUp",
    "WeightChange",
    "loads_protocol",
    "parse_protocol",
    "protocol_json_schema",
    "resolve_choices",
]

#: The format versions this library reads. Version 2 added block doses, choice schedules,
#: oral strengths, roles, premedication and renal starting-dose tables.
FORMAT_VERSIONS = (1, 2)
#: The largest protocol file read, in bytes.
MAX_FILE_BYTES = 256 * 1024
#: The most administrations one schedule may hold, so that no accepted input exhausts the
#: machine (a 120-cycle D-KRd course has about 3,700).
MAX_ADMINISTRATIONS = 10_000

#: Plausible ranges of the quantities a protocol states, as screening limits against typing
#: mistakes (a dose cap in mm², a dose of 1e308 mg), not clinical facts: rate per basis, BSA
#: cap in m², maximum single dose and oral strength in mg.
DOSE_LIMITS: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        str(Basis.PER_M2): (0.001, 5_000.0),
        str(Basis.PER_KG): (0.001, 200.0),
        str(Basis.FLAT): (0.001, 10_000.0),
        "bsa_cap": (1.0, 3.0),
        "max_dose": (0.001, 10_000.0),
        "strength": (0.01, 10_000.0),
    }
)

_NAME = r"^[a-z][a-z0-9\- ]{0,59}$"
_ID = r"^[A-Za-z0-9][A-Za-z0-9\-_.+]{0,39}$"
_TABLE = r"^[a-z][a-z0-9\-]{1,15}$"
_RULE_UNITS = {Basis.PER_M2: "mg/m2", Basis.PER_KG: "mg/kg", Basis.FLAT: "mg"}

SourceTag = Literal["SEED", "US", "EU", "TRIAL", "INST"]
Group = Literal["seed", "label", "other"]

#: The catalogue groups a protocol may name (format 2 ``group``) and what each holds, in the
#: order ``dosing protocols`` lists them.
GROUPS: Mapping[str, str] = MappingProxyType(
    {
        "seed": "Seed regimens",
        "label": "Label variants",
        "other": "Other regimens",
    }
)


def _some(values: Sequence[int], limit: int = 10) -> str:
    """``29, 30, 31`` or, for a long list, its first ``limit`` values and the count."""
    shown = ", ".join(map(str, values[:limit]))
    return shown if len(values) <= limit else f"{shown}, ... ({len(values)} in all)"


def _listing(values: Iterable[float]) -> str:
    return ", ".join(format_number(v) for v in values)


def _within(value: float, limits: tuple[float, float], what: str, unit: str) -> None:
    low, high = limits
    if not (math.isfinite(value) and low <= value <= high):
        shown = format_number(value, decimals=6) if math.isfinite(value) else repr(value)
        raise ValueError(
            f"{what} must be between {format_number(low, decimals=3)} and "
            f"{format_number(high)} {unit} (a plausibility limit), got {shown} {unit}"
        )


# -- typed quantities: read once, checked for dimension and range ----------------------------


def _rule_value(value: object) -> DoseRule:
    if not isinstance(value, DoseRule):
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(
                f"dose must be text such as '56 mg/m2' of at most 40 characters, got {value!r}"
            )
        try:
            value = DoseRule.parse(value)
        except DosingError as err:
            raise ValueError(str(err)) from None
    _within(value.amount, DOSE_LIMITS[str(value.basis)], "dose", str(value.basis))
    return value


def _rule_text(rule: DoseRule) -> str:
    """A rule as the file writes it: ``56 mg/m2`` (no caps; they are separate keys)."""
    return f"{format_number(rule.amount, decimals=6).replace(',', '')} {_RULE_UNITS[rule.basis]}"


def _quantity_value(what: str, dimension: str, unit: str, shown_unit: str, example: str) -> Any:
    def parse(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"{what} must be text such as {example}, got {value!r}")
        if isinstance(value, str) and len(value) > 20:
            raise ValueError(f"{what} must be at most 20 characters, got {len(value)}")
        try:
            magnitude = parse_quantity(
                value, field=what, dimension=dimension, to_unit=unit, example=example
            ).magnitude
        except DosingError as err:
            raise ValueError(str(err)) from None
        _within(float(magnitude), DOSE_LIMITS[what], what, shown_unit)
        return float(magnitude)

    return parse


def _serialize(unit: str) -> Any:
    return PlainSerializer(
        lambda v: f"{format_number(v, decimals=6).replace(',', '')} {unit}", return_type=str
    )


Rule = Annotated[
    DoseRule,
    PlainValidator(_rule_value),
    PlainSerializer(_rule_text, return_type=str),
    WithJsonSchema(
        {"type": "string", "maxLength": 40, "examples": ["56 mg/m2", "16 mg/kg", "25 mg"]}
    ),
]
AreaM2 = Annotated[
    float,
    PlainValidator(_quantity_value("bsa_cap", "[length] ** 2", "m**2", "m²", "'2.2 m2'")),
    _serialize("m2"),
    WithJsonSchema({"type": "string", "maxLength": 20, "examples": ["2.2 m2"]}),
]
MaxDoseMg = Annotated[
    float,
    PlainValidator(_quantity_value("max_dose", "[mass]", "mg", "mg", "'500 mg'")),
    _serialize("mg"),
    WithJsonSchema({"type": "string", "maxLength": 20, "examples": ["500 mg"]}),
]
StrengthMg = Annotated[
    float,
    PlainValidator(_quantity_value("strength", "[mass]", "mg", "mg", "'25 mg'")),
    _serialize("mg"),
    WithJsonSchema({"type": "string", "maxLength": 20, "examples": ["2.5 mg", "25 mg"]}),
]
Days = Annotated[
    tuple[int, ...],
    PlainValidator(lambda v: parse_days(v)),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"type": "integer"}, "maxItems": 400},
                {"type": "string", "maxLength": 2000},
            ],
            "examples": [[1, 8, 15], "1-21"],
        }
    ),
]
Cycle = Annotated[
    CycleRange,
    PlainValidator(CycleRange.parse),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": ["string", "integer"], "examples": ["1", "3-6", "7+"]}),
]


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _plain_mapping(value: Mapping[str, Any], handler: Any) -> Any:
    return handler(dict(value))


class _Model(BaseModel):
    """Base of the protocol models: frozen, no unknown keys, every quantity typed."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def __setattr__(self, name: str, value: object) -> None:
        raise ImmutableError.assignment(type(self).__name__, name, "model_copy(update=...)")

    def __delattr__(self, name: str) -> None:
        raise ImmutableError.assignment(type(self).__name__, name, "model_copy(update=...)")


class Source(_Model):
    """A source the protocol follows, tagged as in the clinical reference."""

    tag: SourceTag = Field(description="Kind of source.")
    citation: str = Field(min_length=3, max_length=500, description="What was read.")


class DayBlock(_Model):
    """The days of a cycle range on which a drug is given, optionally with their own dose."""

    cycles: Cycle = Field(description="'1', '3-6' or '7+' (open-ended).")
    days: Days = Field(
        description=(
            "Days of the cycle: [1, 8, 15] or '1-21'. Day 0 and negative days (counting back "
            f"from an anchor day, down to {EARLIEST_DAY}) are allowed in cycle 1."
        )
    )
    dose: Rule | None = Field(
        default=None,
        description="Format 2: a dose for these days that replaces the drug's (e.g. 20 mg on days 1, 2).",
    )

    @model_validator(mode="after")
    def _days_fit(self, info: ValidationInfo) -> DayBlock:
        length = (info.context or {}).get("cycle_length")
        problems = []
        if isinstance(length, int) and length > 0:
            beyond = [d for d in self.days if d > length]
            if beyond:
                problems.append(f"days must lie within the {length}-day cycle, got {_some(beyond)}")
        early = [d for d in self.days if d < 1]
        if early and self.cycles.first != 1:
            problems.append(
                f"days before day 1 (an anchor day 0 or negative days) must be in cycle 1 only, "
                f"got {', '.join(map(str, early))} in cycles {self.cycles}"
            )
        if early and (self.cycles.last is None or self.cycles.last > 1):
            problems.append(
                f"days before day 1 must be in a block for cycle 1 alone, got cycles {self.cycles}"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _clash_problems(drug: str, blocks: Sequence[DayBlock]) -> list[str]:
    """Two blocks that give ``drug`` on the same cycle day (checked to the last named cycle)."""
    problems = []
    for i, a in enumerate(blocks):
        for b in blocks[i + 1 :]:
            if not a.cycles.overlaps(b.cycles):
                continue
            shared = sorted(set(a.days) & set(b.days))
            if shared:
                first = max(a.cycles.first, b.cycles.first)
                problems.append(
                    f"schedule must not give {drug} twice on the same day, got days "
                    f"{_some(shared)} in both cycles {a.cycles} and {b.cycles} (from cycle {first})"
                )
    return problems


class Premedication(_Model):
    """What must be given before a drug, checked against the schedule (format 2).

    Every day the drug is given in ``cycles`` must also have a drug with the role ``needs``
    (``corticosteroid``); days without one are listed as premedication to order separately.
    """

    needs: str = Field(pattern=_NAME, description="A role another drug has, e.g. 'corticosteroid'.")
    cycles: Cycle = Field(default=CycleRange(1, None), description="Cycles the rule covers.")
    timing: str = Field(
        min_length=3,
        max_length=300,
        description="What and when, e.g. '1-3 h before each infusion'.",
    )
    source: SourceTag
    citation: str = Field(min_length=3, max_length=500)


class RenalRow(_Model):
    """One row of a renal starting-dose table (format 2): a clearance band and its dose.

    ``clearance_min`` is inclusive and ``clearance_below`` exclusive, in mL/min by
    Cockcroft-Gault; a ``dialysis`` row applies to patients on dialysis whatever their
    clearance. ``every_days`` 2 keeps every other day of the drug's days (every 48 hours).
    """

    table: str = Field(pattern=_TABLE, description="Which label's table: 'us', 'eu'.")
    clearance_min: float | None = Field(default=None, ge=0, le=300)
    clearance_below: float | None = Field(default=None, gt=0, le=300)
    dialysis: bool = False
    dose: Rule
    every_days: Literal[1, 2] = Field(
        default=1, description="1 = daily on the drug's days, 2 = every 48 hours."
    )
    note: str | None = Field(default=None, max_length=500)
    source: SourceTag
    citation: str = Field(min_length=3, max_length=500)

    @model_validator(mode="after")
    def _band(self) -> RenalRow:
        low, high = self.clearance_min, self.clearance_below
        if self.dialysis and (low is not None or high is not None):
            raise ValueError("a dialysis row must not give a clearance band, got one")
        if not self.dialysis and low is None and high is None:
            raise ValueError("a row must give clearance_min, clearance_below or dialysis, got none")
        if low is not None and high is not None and not low < high:
            raise ValueError(
                f"clearance_min must be below clearance_below, got {format_number(low)} "
                f"and {format_number(high)}"
            )
        return self

    @property
    def band(self) -> str:
        """``30 to < 60 mL/min, not on dialysis``, ``< 30 mL/min, not on dialysis`` or ``on dialysis``."""
        if self.dialysis:
            return "on dialysis"
        low, high = self.clearance_min, self.clearance_below
        if low is not None and high is not None:
            text = f"band {format_number(low)} to < {format_number(high)} mL/min"
        elif high is not None:
            text = f"band < {format_number(high)} mL/min"
        else:
            assert low is not None
            text = f"band ≥ {format_number(low)} mL/min"
        return f"{text}, not on dialysis"

    def matches(self, clearance: float | None, dialysis: bool) -> bool:
        """True if a patient with this clearance (mL/min) and dialysis status falls in the row."""
        if self.dialysis or dialysis:
            return self.dialysis and dialysis
        if clearance is None:
            return False
        low, high = self.clearance_min, self.clearance_below
        return (low is None or clearance >= low) and (high is None or clearance < high)


class DoseLevels(_Model):
    """A drug's dose levels, highest first, as a label's dose-modification table gives them.

    ``levels`` empty states that the label recommends no dose reductions (daratumumab).
    """

    levels: tuple[Rule, ...] = Field(
        max_length=12, description="Doses from the highest down, e.g. ['56 mg/m2', '45 mg/m2']."
    )
    source: SourceTag
    citation: str = Field(min_length=3, max_length=500)

    @model_validator(mode="after")
    def _descending(self) -> DoseLevels:
        bases = {rule.basis for rule in self.levels}
        if len(bases) > 1:
            raise ValueError(
                f"levels must all be of one kind (mg/m², mg/kg or mg), got {len(bases)}"
            )
        amounts = [rule.amount for rule in self.levels]
        if amounts != sorted(set(amounts), reverse=True):
            raise ValueError(
                "levels must run from the highest dose down without repeats, got "
                + ", ".join(str(r) for r in self.levels)
            )
        return self

    def position(self, rule: DoseRule) -> int | None:
        """Where ``rule`` stands on the ladder (0 = highest), or ``None`` if it is not a level."""
        for i, level in enumerate(self.levels):
            if level.basis is rule.basis and math.isclose(level.amount, rule.amount):
                return i
        return None


class WeightChange(_Model):
    """How a mg/m² dose follows a change of weight (format 2).

    The baseline BSA is kept while the weight stays within ``recalculate_above`` percent of
    baseline, and recalculated beyond it.
    """

    recalculate_above: float = Field(gt=0, le=100, description="Percent of the baseline weight.")
    source: SourceTag
    citation: str = Field(min_length=3, max_length=500)


class Codes(_Model):
    """Standard codes of a drug's ingredient (format 2), each checked for its form."""

    rxnorm: str | None = Field(
        default=None, pattern=r"^[1-9][0-9]{0,8}$", description="RxNorm ingredient RxCUI."
    )
    atc: str | None = Field(
        default=None,
        pattern=r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$",
        description="WHO ATC code, e.g. L01XG02.",
    )
    citation: str = Field(min_length=3, max_length=500, description="Where the codes were found.")


class Drug(_Model):
    """One drug: route, dose rule (or a choice), caps, days by cycle range, label facts."""

    name: str = Field(pattern=_NAME, description="Lower-case generic name.")
    route: Literal["IV", "PO", "SC", "IM"] = Field(description="Route of administration.")
    dose: Rule | None = Field(
        default=None,
        description="Dose rule such as '56 mg/m2', '16 mg/kg' or '25 mg'; omit when a choice for this drug gives it.",
    )
    bsa_cap: AreaM2 | None = Field(
        default=None, description="BSA cap such as '2.2 m2' (mg/m² doses only); held in m²."
    )
    max_dose: MaxDoseMg | None = Field(
        default=None, description="Maximum single dose such as '500 mg'; held in mg."
    )
    strengths: tuple[StrengthMg, ...] = Field(
        default=(),
        max_length=20,
        description="Format 2: strengths of the units dispensed (capsules, tablets), e.g. ['5 mg', '25 mg']; held in mg.",
    )
    roles: tuple[Annotated[str, Field(pattern=_NAME)], ...] = Field(
        default=(), max_length=10, description="Format 2: roles such as 'corticosteroid'."
    )
    premedication: Premedication | None = Field(
        default=None, description="Format 2: what must be given the same day."
    )
    renal: tuple[RenalRow, ...] = Field(
        default=(), max_length=40, description="Format 2: renal starting-dose tables."
    )
    dose_levels: DoseLevels | None = Field(
        default=None, description="Format 2: the label's dose levels, highest first."
    )
    weight_change: WeightChange | None = Field(
        default=None,
        description="Format 2: a mg/m² dose kept on baseline BSA within this weight change.",
    )
    product: str | None = Field(
        default=None,
        min_length=3,
        max_length=120,
        description="Format 2: a named product, e.g. 'daratumumab and hyaluronidase-fihj'.",
    )
    form: Literal["capsule", "tablet", "infusion", "injection"] | None = Field(
        default=None, description="Format 2: how a dose is given, for patients' wording."
    )
    infusion_minutes: int | None = Field(
        default=None, ge=1, le=24 * 60, description="Format 2: the infusion time in minutes."
    )
    codes: Codes | None = Field(default=None, description="Format 2: RxNorm and ATC codes.")
    schedule: tuple[DayBlock, ...] = Field(min_length=1, max_length=40)
    sources: tuple[SourceTag, ...] = Field(
        min_length=1, max_length=10, description="Tags of the protocol's sources this drug follows."
    )
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _consistent(self) -> Drug:
        problems = _clash_problems(self.name, self.schedule)
        if (
            self.bsa_cap is not None
            and self.dose is not None
            and self.dose.basis is not Basis.PER_M2
        ):
            problems.append(
                f"bsa_cap must be used only with a mg/m² dose, got a {self.dose.basis} dose"
            )
        tables: dict[str, list[RenalRow]] = {}
        for row in self.renal:
            tables.setdefault(row.table, []).append(row)
        for table, rows in tables.items():
            if sum(r.dialysis for r in rows) > 1:
                problems.append(
                    f"renal table {table!r} must have at most one dialysis row, got more"
                )
            bands = [r for r in rows if not r.dialysis]
            for i, a in enumerate(bands):
                for b in bands[i + 1 :]:
                    if _bands_overlap(a, b):
                        problems.append(
                            f"renal table {table!r} must not have overlapping bands, got {a.band} and {b.band}"
                        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def with_caps(self, rule: DoseRule) -> DoseRule:
        """``rule`` with this drug's BSA cap (mg/m² rules) and maximum dose."""
        cap = self.bsa_cap if rule.basis is Basis.PER_M2 else None
        if (cap, self.max_dose) == (rule.bsa_cap_m2, rule.max_dose_mg):
            return rule
        return replace(rule, bsa_cap_m2=cap, max_dose_mg=self.max_dose)

    @property
    def rule(self) -> DoseRule | None:
        """The drug's own dose rule with its caps, or ``None`` when a choice gives the dose."""
        return None if self.dose is None else self.with_caps(self.dose)

    def days_in(self, cycle: int) -> tuple[int, ...]:
        """The days this drug is given in ``cycle`` by its own schedule (empty if none)."""
        return _days_in(self.schedule, cycle)

    def renal_tables(self) -> tuple[str, ...]:
        """The names of the renal tables this drug has, in file order."""
        return tuple(dict.fromkeys(r.table for r in self.renal))


def _days_in(blocks: Sequence[DayBlock], cycle: int) -> tuple[int, ...]:
    return tuple(sorted(d for b in blocks if b.cycles.contains(cycle) for d in b.days))


def _bands_overlap(a: RenalRow, b: RenalRow) -> bool:
    a_low, a_high = a.clearance_min or 0.0, a.clearance_below or math.inf
    b_low, b_high = b.clearance_min or 0.0, b.clearance_below or math.inf
    return a_low < b_high and b_low < a_high


class StepUp(_Model):
    """A dose that replaces a drug's rule on given days: a priming dose or a split dose."""

    drug: str = Field(pattern=_NAME)
    cycles: Cycle
    days: Days
    dose: Rule
    note: str = Field(min_length=3, max_length=500, description="Why, e.g. 'priming dose'.")


class OlderPatients(_Model):
    """A lower choice the labels allow for older patients (format 2): a warning, not a change.

    When the patient is older than ``age_above`` years and another value was chosen, every
    output warns that ``value`` is allowed and how to choose it.
    """

    age_above: int = Field(ge=18, le=120, description="Applies when age > this many years.")
    value: float
    source: SourceTag
    citation: str = Field(min_length=3, max_length=500)


class Choice(_Model):
    """A value the prescriber chooses for a drug's dose, with the allowed values and a default.

    ``schedules`` (format 2) gives a value its own days and doses, replacing the drug's
    schedule when that value is chosen: dexamethasone 40 mg a week split across the carfilzomib
    days, 20 mg a week on days 1, 8, 15, 22.
    """

    unit: str = Field(max_length=20, description="Unit of the values: 'mg/m2', 'mg/kg' or 'mg'.")
    allowed: tuple[float, ...] = Field(min_length=1, max_length=20)
    default: float
    meaning: str | None = Field(
        default=None, max_length=100, description="What the value is, e.g. 'dose per week'."
    )
    note: str | None = Field(default=None, max_length=500)
    schedules: Annotated[
        Mapping[str, tuple[DayBlock, ...]],
        AfterValidator(_frozen_mapping),
        WrapSerializer(_plain_mapping),
    ] = Field(
        default_factory=lambda: MappingProxyType({}),
        description="Format 2: days (and block doses) by chosen value, e.g. {'20' = [...]}.",
    )
    older_patients: OlderPatients | None = None

    @model_validator(mode="after")
    def _default_allowed(self) -> Choice:
        problems = []
        try:
            unit = DoseRule.parse(f"1 {self.unit}", field="unit")
        except DosingError as err:
            problems.append(str(err))
        else:
            for value in self.allowed:
                try:
                    _within(
                        value * unit.amount,
                        DOSE_LIMITS[str(unit.basis)],
                        "allowed",
                        str(unit.basis),
                    )
                except ValueError as err:
                    problems.append(str(err))
        if any(not (v > 0 and math.isfinite(v)) for v in self.allowed):
            problems.append(f"allowed must be positive finite numbers, got {list(self.allowed)}")
        if self.default not in self.allowed:
            problems.append(
                f"default must be one of the allowed values {_listing(self.allowed)}, "
                f"got {format_number(self.default)}"
            )
        for key in self.schedules:
            if _as_number(key) not in self.allowed:
                problems.append(
                    f"schedules must be keyed by allowed values ({_listing(self.allowed)}), got {key!r}"
                )
        older = self.older_patients
        if older is not None and older.value not in self.allowed:
            problems.append(
                f"older_patients.value must be one of the allowed values {_listing(self.allowed)}, "
                f"got {format_number(older.value)}"
            )
        if problems:
            raise ValueError("; ".join(dict.fromkeys(problems)))
        return self

    def schedule_for(self, value: float) -> tuple[DayBlock, ...] | None:
        """The blocks the chosen ``value`` brings, or ``None`` to use the drug's schedule."""
        for key, blocks in self.schedules.items():
            if _as_number(key) == value:
                return blocks
        return None


def _as_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class Cycles(_Model):
    """How many cycles: a default, an optional maximum, or until progression."""

    default: int = Field(
        ge=1,
        le=MAX_CYCLES,
        description="Cycles when none are asked for (the horizon if until progression).",
    )
    maximum: int | None = Field(default=None, ge=1, le=MAX_CYCLES)
    until_progression: bool = False

    @model_validator(mode="after")
    def _default_within(self) -> Cycles:
        if self.maximum is not None and self.default > self.maximum:
            raise ValueError(
                f"default must be at most maximum ({self.maximum}), got {self.default}"
            )
        return self


class Protocol(_Model):
    """A treatment protocol as data.

    Load one with :func:`dosing.catalogue.load_protocol` or
    :func:`dosing.catalogue.get_protocol`; derive a changed one with :meth:`model_copy`.
    """

    format: Literal[1, 2] = Field(default=1, description="Format version of the file.")
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=3, max_length=200)
    aliases: tuple[Annotated[str, Field(pattern=_ID)], ...] = Field(default=(), max_length=20)
    setting: str = Field(min_length=3, max_length=200)
    cycle_length_days: int = Field(ge=1, le=365)
    anchor_day: int = Field(
        default=1,
        ge=-60,
        le=365,
        description=(
            "Format 2: the day of cycle 1 that the start date names (1 unless given; 0 for a "
            "protocol counted back from an infusion on day 0)."
        ),
    )
    group: Group | None = Field(
        default=None,
        description=(
            "Format 2: where the protocol stands in the catalogue: 'seed' (a regimen of the "
            "seed document), 'label' (a label's variant of a regimen), 'other' (another "
            "regimen); listed without a group when left out."
        ),
    )
    cycles: Cycles
    sources: tuple[Source, ...] = Field(max_length=20)
    drugs: tuple[Drug, ...] = Field(min_length=1, max_length=30)
    step_up: tuple[StepUp, ...] = Field(default=(), max_length=100)
    choices: Annotated[
        Mapping[Annotated[str, Field(pattern=_NAME)], Choice],
        AfterValidator(_frozen_mapping),
        WrapSerializer(_plain_mapping),
    ] = Field(default_factory=lambda: MappingProxyType({}), max_length=30)
    notes: tuple[Annotated[str, Field(max_length=1000)], ...] = Field(
        default=(), max_length=50, description="Where this file departs from or refines a source."
    )
    _origin: str = PrivateAttr(default="<memory>")
    _memo: dict[Any, Any] = PrivateAttr(default_factory=dict)

    @field_validator("sources")
    @classmethod
    def _has_sources(cls, value: tuple[Source, ...]) -> tuple[Source, ...]:
        if not value:
            raise ValueError("sources must name at least one source, got none")
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> Protocol:
        problems = cross_reference_problems(self.model_dump(mode="python", round_trip=True))
        problems += self._size_problems()
        if problems:
            raise PydanticCustomError("cross_reference", "; ".join(str(p) for p in problems))
        return self

    def _size_problems(self) -> list[Problem]:
        limit = self.max_cycles()
        out = []
        for where, count in (
            ("cycles.default", self.cycles.default),
            ("cycles.maximum", self.cycles.maximum),
        ):
            if count is not None and count > limit:
                out.append(
                    Problem(
                        where,
                        f"must be at most {limit}, got {count}: {count} cycles would hold "
                        f"{self.most_administrations(count):,} administrations, more than the "
                        f"{MAX_ADMINISTRATIONS:,} a schedule may have",
                    )
                )
        return out

    @property
    def origin(self) -> str:
        """Where the protocol was loaded from (a path, or ``builtin:ID``)."""
        return self._origin

    def __repr__(self) -> str:
        """The protocol on one short line: id, drugs, cycles and where it came from.

        >>> from dosing.catalogue import get_protocol
        >>> get_protocol("KRd")
        <Protocol KRd: carfilzomib, lenalidomide, dexamethasone; 28-day cycles, 8 by default (builtin:KRd)>
        """
        names = [d.name for d in self.drugs]
        drugs = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        return (
            f"<Protocol {self.id}: {drugs}; {self.cycle_length_days}-day cycles, "
            f"{self.cycles.default} by default ({abbreviated(self.origin, 40)})>"
        )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, a new protocol validated exactly like a loaded file.

        >>> from dosing.catalogue import get_protocol
        >>> get_protocol("KRd").model_copy(update={"cycle_length_days": 0})
        Traceback (most recent call last):
          ...
        dosing.errors.ProtocolError: <KRd copy>: protocol must be valid, got 1 problem:
          cycle_length_days: input should be greater than or equal to 1, got 0
        """
        if not update:
            return super().model_copy(deep=deep)
        data = self.model_dump(mode="python", round_trip=True)
        data.update(update)
        copy = parse_protocol(data, origin=f"<{self.id} copy>")
        _set_origin(copy, f"{self.origin} (changed)")
        return copy  # type: ignore[return-value]

    def drug(self, name: str) -> Drug:
        """The drug called ``name``."""
        for drug in self.drugs:
            if drug.name == name:
                return drug
        raise ChoiceError("drug", f"one of {', '.join(d.name for d in self.drugs)}", repr(name))

    def source(self, tag: str) -> Source | None:
        """The protocol's source with ``tag``, if any."""
        return next((s for s in self.sources if s.tag == tag), None)

    def source_text(self) -> str:
        """Sources in one line: ``[SEED] …; [US] …``."""
        return "; ".join(f"[{s.tag}] {s.citation}" for s in self.sources)

    def cycles_text(self) -> str:
        """``8 (maximum 24)`` or ``until progression (horizon 12)``."""
        if self.cycles.until_progression:
            return f"until progression (default horizon {self.cycles.default})"
        if self.cycles.maximum is not None:
            return f"{self.cycles.default} (maximum {self.cycles.maximum})"
        return str(self.cycles.default)

    def earliest_day(self) -> int:
        """The first day of cycle 1: 1, or the earliest day 0 or negative day any drug has.

        >>> from dosing.catalogue import get_protocol
        >>> get_protocol("KRd").earliest_day(), get_protocol("Flu-Cy-LD").earliest_day()
        (1, -5)
        """
        blocks = [b for d in self.drugs for b in d.schedule]
        blocks += [b for c in self.choices.values() for v in c.schedules.values() for b in v]
        return min([1, *(day for b in blocks if b.cycles.contains(1) for day in b.days)])

    def renal_tables(self) -> tuple[str, ...]:
        """Every renal table any drug of the protocol has (``('us', 'eu')``)."""
        return tuple(dict.fromkeys(t for d in self.drugs for t in d.renal_tables()))

    def most_administrations(self, cycles: int) -> int:
        """The most administrations ``cycles`` cycles can hold, whatever the choices.

        >>> from dosing.catalogue import get_protocol
        >>> get_protocol("KRd").most_administrations(1)
        31
        """
        return sum(_most_in_cycle(self, cycle) for cycle in range(1, cycles + 1))

    def max_cycles(self) -> int:
        """The most cycles a schedule may have.

        That is the protocol's maximum, the library's limit of :data:`MAX_CYCLES`, and no
        more cycles than :data:`MAX_ADMINISTRATIONS` administrations hold.
        """
        return int(self.memo("max_cycles", lambda: _max_cycles(self)))

    def memo(self, key: object, make: Callable[[], Any]) -> Any:
        """A value derived from this (immutable) protocol, worked out once and kept.

        Used for what every schedule of the protocol needs: its cycle limit, its plans.
        At most 256 values are kept.
        """
        memo = self._memo
        try:
            return memo[key]
        except KeyError:
            pass
        value = make()
        if len(memo) >= 256:
            memo.clear()
        memo[key] = value
        return value


def _most_in_cycle(protocol: Protocol, cycle: int) -> int:
    """The most administrations one cycle can hold, over every choice's days."""
    total = 0
    for drug in protocol.drugs:
        variants = [drug.schedule]
        choice = protocol.choices.get(drug.name)
        if choice is not None:
            variants += list(choice.schedules.values())
        total += max(len(_days_in(v, cycle)) for v in variants)
    return total


def _max_cycles(protocol: Protocol) -> int:
    stated = protocol.cycles.maximum or MAX_CYCLES
    total = 0
    for cycle in range(1, stated + 1):
        total += _most_in_cycle(protocol, cycle)
        if total > MAX_ADMINISTRATIONS:
            return max(cycle - 1, 1)
    return stated


# -- checks that span several parts of a file ------------------------------------------------

_V2_DRUG_KEYS = (
    "strengths",
    "roles",
    "premedication",
    "renal",
    "dose_levels",
    "weight_change",
    "product",
    "form",
    "infusion_minutes",
    "codes",
)


def cross_reference_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Checks that span several parts of a file; tolerant of parts that are malformed.

    Run on the raw file too, so that a type error in one place does not hide these.
    """
    problems: list[Problem] = []
    drugs = [d for d in data.get("drugs") or () if isinstance(d, Mapping)]
    names: list[str] = [str(d["name"]) for d in drugs if isinstance(d.get("name"), str)]
    tags = {s.get("tag") for s in data.get("sources") or () if isinstance(s, Mapping)}
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(
                Problem(
                    f"drugs.{name}",
                    "each drug must appear once (two rules would give the same drug on the same day); "
                    "use several schedule blocks instead",
                )
            )
        seen.add(name)
    choices = data.get("choices") or {}
    if not isinstance(choices, Mapping):
        choices = {}
    for key in choices:
        if key not in names:
            problems.append(
                Problem(
                    f"choices.{key}",
                    f"must name a drug of the protocol ({', '.join(map(str, names))}), got {key!r}",
                )
            )
    problems += _version_problems(data, drugs, choices)
    for drug in drugs:
        problems += _drug_problems(drug, choices, tags)
    problems += _choice_tag_problems(choices, tags)
    problems += _step_up_problems(data, drugs, names, choices)
    return problems


def _version_problems(
    data: Mapping[str, Any], drugs: list[Mapping[str, Any]], choices: Mapping[str, Any]
) -> list[Problem]:
    if data.get("format", 1) != 1:
        return []
    used = ["anchor_day"] if data.get("anchor_day", 1) != 1 else []
    used += ["group"] if data.get("group") is not None else []
    for drug in drugs:
        used += [f"drugs.{drug.get('name')}.{k}" for k in _V2_DRUG_KEYS if drug.get(k)]
        for i, block in enumerate(drug.get("schedule") or ()):
            if isinstance(block, Mapping) and block.get("dose") is not None:
                used.append(f"drugs.{drug.get('name')}.schedule[{i}].dose")
    for key, choice in choices.items():
        if isinstance(choice, Mapping):
            used += [
                f"choices.{key}.{k}"
                for k in ("schedules", "older_patients", "meaning")
                if choice.get(k)
            ]
    return [
        Problem(where, "needs format = 2 at the top of the file, got format 1") for where in used
    ]


def _drug_problems(
    drug: Mapping[str, Any], choices: Mapping[str, Any], tags: set[Any]
) -> list[Problem]:
    problems = []
    name = str(drug.get("name"))
    has_choice = name in choices
    if drug.get("dose") is None and not has_choice:
        problems.append(
            Problem(
                f"drugs.{name}.dose",
                "must be given, or a choice for this drug must give it, got neither",
            )
        )
    if drug.get("dose") is not None and has_choice:
        problems.append(
            Problem(f"drugs.{name}.dose", "must be left out when choices give the dose, got both")
        )
    choice = choices.get(name)
    if drug.get("dose") is None and isinstance(choice, Mapping):
        basis = _basis_or_none(f"1 {choice.get('unit')}")
        if drug.get("bsa_cap") is not None and basis not in (None, Basis.PER_M2):
            problems.append(
                Problem(
                    f"drugs.{name}.bsa_cap",
                    f"must be used only with a mg/m² dose, got a {basis} dose",
                )
            )
    declared = (
        [("sources", tag) for tag in drug.get("sources") or ()]
        + [
            (f"renal[{i}].source", row.get("source"))
            for i, row in enumerate(drug.get("renal") or ())
            if isinstance(row, Mapping)
        ]
        + [
            (f"{key}.source", drug[key].get("source"))
            for key in ("premedication", "dose_levels", "weight_change")
            if isinstance(drug.get(key), Mapping)
        ]
    )
    for where, tag in declared:
        if tag is not None and tag not in tags:
            problems.append(
                Problem(
                    f"drugs.{name}.{where}",
                    f"must be tags of the protocol's sources ({', '.join(sorted(map(str, tags)))}), got {tag!r}",
                )
            )
    return problems


def _choice_tag_problems(choices: Mapping[str, Any], tags: set[Any]) -> list[Problem]:
    problems = []
    for key, choice in choices.items():
        older = choice.get("older_patients") if isinstance(choice, Mapping) else None
        if isinstance(older, Mapping) and older.get("source") not in tags:
            problems.append(
                Problem(
                    f"choices.{key}.older_patients.source",
                    f"must be a tag of the protocol's sources ({', '.join(sorted(map(str, tags)))}), got {older.get('source')!r}",
                )
            )
    return problems


def _step_up_problems(
    data: Mapping[str, Any],
    drugs: list[Mapping[str, Any]],
    names: list[str],
    choices: Mapping[str, Any],
) -> list[Problem]:
    problems: list[Problem] = []
    by_name = {d.get("name"): d for d in drugs}
    taken: set[tuple[str, int, int]] = set()
    for i, step in enumerate(data.get("step_up") or ()):
        if not isinstance(step, Mapping):
            continue
        drug_name = step.get("drug")
        where = f"step_up[{i}]"
        if not isinstance(drug_name, str) or drug_name not in by_name:
            problems.append(
                Problem(
                    f"{where}.drug",
                    f"must be a drug of the protocol ({', '.join(map(str, names))}), got {drug_name!r}",
                )
            )
            continue
        if by_name[drug_name].get("renal"):
            problems.append(
                Problem(
                    f"{where}.drug",
                    f"must not be a drug with a renal starting-dose table ({drug_name}): the table "
                    "gives its starting dose",
                )
            )
        try:
            cycles = CycleRange.parse(step.get("cycles"))
            days = parse_days(step.get("days"))
            blocks = _raw_blocks(by_name[drug_name].get("schedule"))
            choice = choices.get(drug_name)
            if isinstance(choice, Mapping):
                for variant in (choice.get("schedules") or {}).values():
                    blocks += _raw_blocks(variant)
        except (ValueError, ValidationError, DosingError):
            continue  # reported where the malformed part is
        last = (
            cycles.last
            if cycles.last is not None
            else max([b.cycles.first for b in blocks] + [cycles.first])
        )
        for cycle in range(cycles.first, last + 1):
            given = set(_days_in(blocks, cycle))
            for day in days:
                if day not in given:
                    problems.append(
                        Problem(
                            where,
                            f"day {day} of cycle {cycle} must be a day {drug_name} is given, got a day without it",
                        )
                    )
                elif (drug_name, cycle, day) in taken:
                    problems.append(
                        Problem(
                            where, f"must not give {drug_name} twice on cycle {cycle} day {day}"
                        )
                    )
                taken.add((drug_name, cycle, day))
    return problems


def _raw_blocks(raw: object) -> list[DayBlock]:
    if not isinstance(raw, list | tuple):
        raise ValueError("not a list")
    return [b if isinstance(b, DayBlock) else DayBlock.model_validate(b) for b in raw]


def _basis_or_none(text: object) -> Basis | None:
    if not isinstance(text, str):
        return None
    try:
        return DoseRule.parse(text).basis
    except DosingError:
        return None


# -- from data and text ----------------------------------------------------------------------


def _problems_from(err: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    items = err.errors(include_url=False)
    for item in items:
        if item["type"] == "cross_reference":
            continue  # reported by cross_reference_problems on the raw data
        if item["type"] == "too_short" and any(
            len(o["loc"]) > len(item["loc"]) and o["loc"][: len(item["loc"])] == item["loc"]
            for o in items
        ):
            continue  # a list emptied by its own invalid items: the items are reported
        loc = _location(item["loc"], data)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = f"is not a known key (got {_short(item['input'])}); see `dosing schema`"
        elif item["type"] == "missing":
            message = "is required, got nothing"
        elif item["type"] != "value_error":
            message = f"{message[0].lower()}{message[1:]}, got {_short(item.get('input'))}"
        problems.extend(Problem(loc, part) for part in message.split("; "))
    return problems


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _location(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    """``drugs.carfilzomib.schedule[1].days`` from pydantic's ``('drugs', 0, 'schedule', 1, 'days')``."""
    out: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list | tuple) and part < len(node) else None
            name = item.get("name") if isinstance(item, Mapping) else None
            if out and out[-1] == "drugs" and isinstance(name, str):
                out[-1:] = [f"drugs.{name}"]
            else:
                out[-1:] = [f"{out[-1]}[{part}]"] if out else [f"[{part}]"]
            node = item
        else:
            if part.startswith(("function-", "tuple[")):
                continue
            out.append(part)
            node = node.get(part) if isinstance(node, Mapping) else None
    return ".".join(out)


def parse_protocol(data: object, *, origin: str = "<memory>") -> Protocol:
    """Validate a protocol from already-parsed data (a dict as TOML gives it)."""
    if not isinstance(data, Mapping):
        raise ProtocolError(
            origin, [Problem("", f"a protocol must be a table of keys, got {type(data).__name__}")]
        )
    length = data.get("cycle_length_days")
    context = {"cycle_length": length if isinstance(length, int) else None}
    try:
        protocol = Protocol.model_validate(data, context=context)
    except ValidationError as err:
        problems = _problems_from(err, data)
        seen = {str(p) for p in problems}
        try:
            extra = cross_reference_problems(data)
        except Exception:  # the raw data is malformed in ways already reported
            extra = []
        cross = [
            Problem("", str(e["ctx"]["error"]) if "ctx" in e and "error" in e["ctx"] else e["msg"])
            for e in err.errors(include_url=False)
            if e["type"] == "cross_reference"
        ]
        problems += [p for p in extra if str(p) not in seen]
        if cross and not extra:  # checks only the typed model can make (the schedule's size)
            problems += _split_cross(cross)
        raise ProtocolError(origin, _unique(problems)) from None
    except RecursionError:
        raise ProtocolError(origin, [Problem("", "the file must not nest this deeply")]) from None
    _set_origin(protocol, origin)
    return protocol


def _set_origin(protocol: Protocol, origin: str) -> None:
    """Record where a protocol came from (the one private value set after validation)."""
    private = protocol.__pydantic_private__
    assert private is not None
    private["_origin"] = origin


def _split_cross(items: list[Problem]) -> list[Problem]:
    out = []
    for item in items:
        for part in item.message.split("; "):
            where, sep, message = part.partition(": ")
            out.append(Problem(where, message) if sep and " " not in where else Problem("", part))
    return out


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    out: dict[str, Problem] = {}
    for p in problems:
        out.setdefault(str(p), p)
    return list(out.values())


def loads_protocol(text: str, *, origin: str = "<string>") -> Protocol:
    """Parse and validate a protocol from TOML text (a leading byte order mark is skipped).

    >>> loads_protocol("id = 'x'")
    Traceback (most recent call last):
      ...
    dosing.errors.ProtocolError: <string>: protocol must be valid, got 6 problems:
      name: is required, got nothing
      setting: is required, got nothing
      cycle_length_days: is required, got nothing
      cycles: is required, got nothing
      sources: is required, got nothing
      drugs: is required, got nothing
    """
    import tomllib

    if not isinstance(text, str):
        raise ProtocolError(
            origin, [Problem("", f"the protocol must be text (str), got {type(text).__name__}")]
        )
    if len(text) > MAX_FILE_BYTES:
        raise ProtocolError(
            origin,
            [Problem("", f"the file must be at most {MAX_FILE_BYTES} bytes, got {len(text)}")],
        )
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as err:
        raise ProtocolError(
            origin, [Problem("", f"the file must be valid TOML, got: {err}")]
        ) from None
    except RecursionError:
        raise ProtocolError(origin, [Problem("", "the file must not nest this deeply")]) from None
    return parse_protocol(data, origin=origin)


@cache
def protocol_json_schema() -> dict[str, Any]:
    """The JSON Schema of the protocol file format (what ``dosing schema`` prints)."""
    schema = Protocol.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dosing protocol file"
    return schema


# -- choices ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolvedChoice:
    """The value used for one choice, and whether it was left at its default."""

    drug: str
    value: float
    unit: str
    is_default: bool
    allowed: tuple[float, ...]
    meaning: str | None = None

    def __str__(self) -> str:
        """``carfilzomib 56 mg/m² (default)``."""
        mark = " (default)" if self.is_default else " (chosen)"
        meaning = f" {self.meaning}" if self.meaning else ""
        return f"{self.drug} {format_amount(self.value, self.unit)}{meaning}{mark}"


def resolve_choices(
    protocol: Protocol, given: Mapping[str, object] | None = None
) -> Mapping[str, ResolvedChoice]:
    """Apply the prescriber's choices (``{"carfilzomib": 36}``) to a protocol's defaults.

    Values are in the choice's unit; ``"36 mg/m2"`` is accepted when the unit matches.

    >>> from dosing.catalogue import get_protocol
    >>> krd = get_protocol("KRd")
    >>> [str(c) for c in resolve_choices(krd, {"carfilzomib": "36"}).values()]
    ['carfilzomib 36 mg/m² (chosen)', 'dexamethasone 40 mg per week (default)']
    >>> resolve_choices(krd, {"carfilzomib": 27})
    Traceback (most recent call last):
      ...
    dosing.errors.ChoiceError: carfilzomib must be one of 36, 56 (mg/m²), got 27
    """
    given = dict(given or {})
    for key in given:
        if key not in protocol.choices:
            names = list(protocol.choices)
            close = difflib.get_close_matches(str(key).lower(), names, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            allowed = ", ".join(names) if names else "none: this protocol has no choices"
            raise ChoiceError(
                "choose",
                f"a drug with a choice in {protocol.id} ({allowed})",
                repr(key),
                hint.strip(),
            )
    out = {}
    for drug_name, choice in protocol.choices.items():
        unit_text = format_amount(1, choice.unit).split(" ", 1)[1]
        if drug_name in given:
            value = _choice_value(given[drug_name], choice, drug_name, unit_text)
            default = False
        else:
            value, default = choice.default, True
        out[drug_name] = ResolvedChoice(
            drug_name, value, choice.unit, default, choice.allowed, choice.meaning
        )
    return MappingProxyType(out)


def _choice_value(raw: object, choice: Choice, drug: str, unit_text: str) -> float:
    constraint = f"one of {_listing(choice.allowed)} ({unit_text})"
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw) if math.isfinite(raw) else None
    elif isinstance(raw, str) and len(raw) <= 40:
        number, unit = split_number_unit(raw)
        try:
            value = float(number)
        except ValueError:
            value = None
        if value is not None and unit.strip():
            try:
                rule = DoseRule.parse(f"1 {unit.strip()}", field=drug)
                expected = DoseRule.parse(f"1 {choice.unit}", field=drug)
            except DosingError:
                raise ChoiceError(drug, constraint, repr(raw)) from None
            if rule.basis is not expected.basis:
                raise ChoiceError(drug, constraint, repr(raw), f"the value is in {expected.basis}")
            value *= rule.amount / expected.amount
    if value is None or value not in choice.allowed:
        shown = (
            repr(raw)
            if not isinstance(raw, int | float) or not math.isfinite(raw)
            else format_number(float(raw), decimals=6)
        )
        raise ChoiceError(drug, constraint, shown)
    return value


def choice_rule(protocol: Protocol, choice: ResolvedChoice) -> DoseRule:
    """The dose rule a resolved choice gives its drug, with the drug's caps."""
    unit = DoseRule.parse(f"1 {choice.unit}")
    return protocol.drug(choice.drug).with_caps(replace(unit, amount=choice.value * unit.amount))
