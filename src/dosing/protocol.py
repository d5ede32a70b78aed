"""Protocols as data: the file format, its validation, and loading by id or path.

A protocol is a TOML file (see ``docs/protocol-format.md`` and ``dosing schema``): the cycle
length and count, the sources it follows, and for each drug its route, dose rule, caps and the
days it is given by cycle range. Step-up overrides and named choices are keyed by drug.
Validation reports every problem in a file at once, each with its location.

>>> from dosing.protocol import get_protocol
>>> krd = get_protocol("krd")
>>> krd.id, krd.cycle_length_days, [d.name for d in krd.drugs]
('KRd', 28, ['carfilzomib', 'lenalidomide', 'dexamethasone'])
>>> get_protocol("DKRD").id
'D-KRd'
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dosing.dose import Basis, DoseRule
from dosing.errors import (
    ChoiceError,
    DosingError,
    FormatError,
    Problem,
    ProtocolError,
    UnknownProtocolError,
)
from dosing.notation import format_amount, format_number
from dosing.units import split_number_unit

__all__ = [
    "MAX_CYCLES",
    "Choice",
    "CycleRange",
    "Cycles",
    "DayBlock",
    "Drug",
    "Protocol",
    "ResolvedChoice",
    "Source",
    "StepUp",
    "builtin_protocols",
    "get_protocol",
    "load_protocol",
    "load_protocols",
    "protocol_json_schema",
    "resolve_choices",
    "validate_paths",
]

#: The most cycles any schedule may have, whatever a protocol says (about 9 years of 28 days).
MAX_CYCLES = 120
#: The largest protocol file read, in bytes.
MAX_FILE_BYTES = 256 * 1024
_MAX_DAY_SPAN = 400

_CYCLE_TEXT = re.compile(r"^\s*(\d+)\s*(?:(\+)|-\s*(\d+))?\s*$")
_DAY_PART = re.compile(r"^\s*(-?\d+)\s*(?:(?:-|to|\.\.)\s*(-?\d+))?\s*$")
_NAME = r"^[a-z][a-z0-9\- ]{0,59}$"
_ID = r"^[A-Za-z0-9][A-Za-z0-9\-_.+]{0,39}$"


@dataclass(frozen=True, slots=True)
class CycleRange:
    """Cycles ``first`` to ``last`` inclusive; ``last=None`` means every later cycle.

    >>> CycleRange.parse("3-6"), CycleRange.parse("7+").contains(40), str(CycleRange.parse(1))
    (CycleRange(first=3, last=6), True, '1')
    """

    first: int
    last: int | None

    @classmethod
    def parse(cls, value: object) -> CycleRange:
        """Read ``1``, ``"1"``, ``"3-6"`` or ``"7+"``."""
        if isinstance(value, CycleRange):
            return value
        last: int | None
        if isinstance(value, int) and not isinstance(value, bool):
            first, last = value, value
        elif isinstance(value, str) and (m := _CYCLE_TEXT.match(value)):
            first = int(m[1])
            last = None if m[2] else int(m[3]) if m[3] else first
        else:
            raise FormatError("cycles", "a number or a range such as '3-6' or '7+'", repr(value))
        if first < 1 or first > MAX_CYCLES:
            raise FormatError("cycles", f"to start between 1 and {MAX_CYCLES}", repr(value))
        if last is not None and last < first:
            raise FormatError("cycles", "a range that does not end before it starts", repr(value))
        return cls(first, last)

    def contains(self, cycle: int) -> bool:
        """True if ``cycle`` lies in the range."""
        return self.first <= cycle and (self.last is None or cycle <= self.last)

    def overlaps(self, other: CycleRange) -> bool:
        """True if the two ranges share a cycle."""
        end_a = self.last if self.last is not None else MAX_CYCLES
        end_b = other.last if other.last is not None else MAX_CYCLES
        return self.first <= end_b and other.first <= end_a

    def __str__(self) -> str:
        """``1``, ``3-6`` or ``7+``."""
        if self.last is None:
            return f"{self.first}+"
        return str(self.first) if self.last == self.first else f"{self.first}-{self.last}"


def parse_days(value: object) -> tuple[int, ...]:
    """Read days as a list of integers or text such as ``"1-21"`` or ``"1,2,8,9"``.

    >>> parse_days("1-3, 8"), parse_days([-5, -4, -3])
    ((1, 2, 3, 8), (-5, -4, -3))
    """
    parts: list[object]
    if isinstance(value, str):
        parts = [p for p in value.split(",") if p.strip()]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise FormatError("days", "a list such as [1, 8, 15] or text such as '1-21'", repr(value))
    if len(parts) > _MAX_DAY_SPAN:
        raise FormatError("days", f"at most {_MAX_DAY_SPAN} days", f"{len(parts)} entries")
    days: list[int] = []
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            days.append(part)
            continue
        m = _DAY_PART.match(part) if isinstance(part, str) else None
        if not m:
            raise FormatError("days", "whole numbers or ranges such as '1-21'", repr(part))
        first, last = int(m[1]), int(m[2]) if m[2] else int(m[1])
        if last < first or last - first > _MAX_DAY_SPAN:
            raise FormatError(
                "days", f"ranges that run forwards over at most {_MAX_DAY_SPAN} days", repr(part)
            )
        days.extend(range(first, last + 1))
        if len(days) > _MAX_DAY_SPAN:
            raise FormatError("days", f"at most {_MAX_DAY_SPAN} days", f"{len(days)} or more")
    if not days:
        raise FormatError("days", "a list of at least one day", "none")
    duplicated = sorted(day for day, n in Counter(days).items() if n > 1)
    if duplicated:
        raise FormatError(
            "days", "free of repeats", f"{', '.join(map(str, duplicated))} more than once"
        )
    return tuple(sorted(days))


def _some(values: Sequence[int], limit: int = 10) -> str:
    """``29, 30, 31`` or, for a long list, its first ``limit`` values and the count."""
    shown = ", ".join(map(str, values[:limit]))
    return shown if len(values) <= limit else f"{shown}, ... ({len(values)} in all)"


def _check_rule(text: str, field: str, **caps: object) -> DoseRule:
    try:
        return DoseRule.parse(text, field=field, **caps)
    except DosingError as err:
        raise ValueError(str(err)) from None


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


Days = Annotated[tuple[int, ...], BeforeValidator(parse_days)]
Cycle = Annotated[
    CycleRange,
    BeforeValidator(CycleRange.parse),
    PlainSerializer(str, return_type=str),
    Field(json_schema_extra={"type": "string", "examples": ["1", "3-6", "7+"]}),
]


class Source(_Model):
    """A source the protocol follows, tagged as in the clinical reference."""

    tag: Literal["SEED", "US", "EU", "TRIAL", "INST"] = Field(description="Kind of source.")
    citation: str = Field(min_length=3, max_length=500, description="What was read.")


class DayBlock(_Model):
    """The days of a cycle range on which a drug is given."""

    cycles: Cycle = Field(description="'1', '3-6' or '7+' (open-ended).")
    days: Days = Field(
        description="Days of the cycle: [1, 8, 15] or '1-21'. Day 0 and negative days are allowed in cycle 1."
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


class Drug(_Model):
    """One drug: route, dose rule (or a choice), caps and days by cycle range."""

    name: str = Field(pattern=_NAME, description="Lower-case generic name.")
    route: Literal["IV", "PO", "SC", "IM"] = Field(description="Route of administration.")
    dose: str | None = Field(
        default=None,
        max_length=40,
        description="Dose rule such as '56 mg/m2', '16 mg/kg' or '25 mg'; omit when a choice for this drug gives it.",
    )
    bsa_cap: str | None = Field(
        default=None, max_length=20, description="BSA cap such as '2.2 m2' (mg/m² doses only)."
    )
    max_dose: str | None = Field(
        default=None, max_length=20, description="Maximum single dose such as '500 mg'."
    )
    schedule: tuple[DayBlock, ...] = Field(min_length=1, max_length=40)
    sources: tuple[str, ...] = Field(
        min_length=1, max_length=10, description="Tags of the protocol's sources this drug follows."
    )
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("dose")
    @classmethod
    def _dose_parses(cls, value: str | None) -> str | None:
        if value is not None:
            _check_rule(value, "dose")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Drug:
        problems = []
        try:
            if self.dose is not None:
                _check_rule(self.dose, "dose", bsa_cap=self.bsa_cap, max_dose=self.max_dose)
        except ValueError as err:
            problems.append(str(err))
        blocks = self.schedule
        for i, a in enumerate(blocks):
            for b in blocks[i + 1 :]:
                if a.cycles.overlaps(b.cycles):
                    problems.append(
                        f"schedule cycle ranges must not overlap, got {a.cycles} and {b.cycles}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def days_in(self, cycle: int) -> tuple[int, ...]:
        """The days this drug is given in ``cycle`` (empty if none)."""
        for block in self.schedule:
            if block.cycles.contains(cycle):
                return block.days
        return ()


class StepUp(_Model):
    """A dose that replaces a drug's rule on given days: a priming dose or a split dose."""

    drug: str = Field(pattern=_NAME)
    cycles: Cycle
    days: Days
    dose: str = Field(max_length=40)
    note: str = Field(min_length=3, max_length=500, description="Why, e.g. 'priming dose'.")

    @field_validator("dose")
    @classmethod
    def _dose_parses(cls, value: str) -> str:
        _check_rule(value, "dose")
        return value


class Choice(_Model):
    """A value the prescriber chooses for a drug's dose, with the allowed values and a default."""

    unit: str = Field(max_length=20, description="Unit of the values: 'mg/m2', 'mg/kg' or 'mg'.")
    allowed: tuple[float, ...] = Field(min_length=1, max_length=20)
    default: float
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _default_allowed(self) -> Choice:
        problems = []
        try:
            _check_rule(f"1 {self.unit}", "unit")
        except ValueError as err:
            problems.append(str(err))
        if any(not v > 0 or v != v or v == float("inf") for v in self.allowed):
            problems.append(f"allowed must be positive finite numbers, got {list(self.allowed)}")
        if self.default not in self.allowed:
            problems.append(
                f"default must be one of the allowed values {_listing(self.allowed)}, "
                f"got {format_number(self.default)}"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _listing(values: Iterable[float]) -> str:
    return ", ".join(format_number(v) for v in values)


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
    """A treatment protocol as data. Load with :func:`load_protocol` or :func:`get_protocol`."""

    format: Literal[1] = Field(default=1, description="Format version of the file.")
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=3, max_length=200)
    aliases: tuple[Annotated[str, Field(pattern=_ID)], ...] = Field(default=(), max_length=20)
    setting: str = Field(min_length=3, max_length=200)
    cycle_length_days: int = Field(ge=1, le=365)
    cycles: Cycles
    sources: tuple[Source, ...] = Field(max_length=20)
    drugs: tuple[Drug, ...] = Field(min_length=1, max_length=30)
    step_up: tuple[StepUp, ...] = Field(default=(), max_length=100)
    choices: dict[Annotated[str, Field(pattern=_NAME)], Choice] = Field(
        default_factory=dict, max_length=30
    )
    notes: tuple[Annotated[str, Field(max_length=1000)], ...] = Field(
        default=(), max_length=50, description="Where this file departs from or refines a source."
    )
    _origin: str = PrivateAttr(default="<memory>")

    @field_validator("sources")
    @classmethod
    def _has_sources(cls, value: tuple[Source, ...]) -> tuple[Source, ...]:
        if not value:
            raise ValueError("sources must name at least one source, got none")
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> Protocol:
        problems = cross_reference_problems(self.model_dump(mode="python", round_trip=True))
        if problems:
            raise PydanticCustomError("cross_reference", "; ".join(str(p) for p in problems))
        return self

    @property
    def origin(self) -> str:
        """Where the protocol was loaded from (a path, or ``builtin:ID``)."""
        return self._origin

    def drug(self, name: str) -> Drug:
        """The drug called ``name``."""
        for drug in self.drugs:
            if drug.name == name:
                return drug
        raise ChoiceError("drug", f"one of {', '.join(d.name for d in self.drugs)}", repr(name))

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

    def rules(self, choices: Mapping[str, ResolvedChoice]) -> dict[str, DoseRule]:
        """Each drug's base dose rule with the given choices applied."""
        out = {}
        for drug in self.drugs:
            choice = choices.get(drug.name)
            if choice is None:
                assert drug.dose is not None  # validation: a dose or a choice
                out[drug.name] = DoseRule.parse(
                    drug.dose, bsa_cap=drug.bsa_cap, max_dose=drug.max_dose
                )
            else:  # the chosen number in the choice's unit, without a round trip through text
                unit = DoseRule.parse(
                    f"1 {choice.unit}", bsa_cap=drug.bsa_cap, max_dose=drug.max_dose
                )
                out[drug.name] = replace(unit, amount=choice.value * unit.amount)
        return out

    def step_up_rule(self, step: StepUp) -> DoseRule:
        """The rule of a step-up, with the drug's caps."""
        drug = self.drug(step.drug)
        return DoseRule.parse(step.dose, bsa_cap=drug.bsa_cap, max_dose=drug.max_dose)


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
    if isinstance(choices, Mapping):
        for key in choices:
            if key not in names:
                problems.append(
                    Problem(
                        f"choices.{key}",
                        f"must name a drug of the protocol ({', '.join(map(str, names))}), got {key!r}",
                    )
                )
    for drug in drugs:
        name = str(drug.get("name"))
        has_choice = isinstance(choices, Mapping) and name in choices
        if drug.get("dose") is None and not has_choice:
            problems.append(
                Problem(
                    f"drugs.{name}.dose",
                    "must be given, or a choice for this drug must give it, got neither",
                )
            )
        if drug.get("dose") is not None and has_choice:
            problems.append(
                Problem(
                    f"drugs.{name}.dose", "must be left out when choices give the dose, got both"
                )
            )
        cap_basis = _basis_or_none(
            drug.get("dose")
            if drug.get("dose") is not None
            else f"1 {choices[name].get('unit')}"
            if has_choice and isinstance(choices[name], Mapping)
            else None
        )
        if drug.get("bsa_cap") is not None and cap_basis not in (None, Basis.PER_M2):
            problems.append(
                Problem(
                    f"drugs.{name}.bsa_cap",
                    f"must be used only with a mg/m² dose, got a {cap_basis} dose",
                )
            )
        for tag in drug.get("sources") or ():
            if tag not in tags:
                problems.append(
                    Problem(
                        f"drugs.{name}.sources",
                        f"must be tags of the protocol's sources ({', '.join(sorted(map(str, tags)))}), got {tag!r}",
                    )
                )
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
        try:
            cycles = CycleRange.parse(step.get("cycles"))
            days = parse_days(step.get("days"))
            blocks = [
                DayBlock.model_validate(b) if not isinstance(b, DayBlock) else b
                for b in by_name[drug_name].get("schedule") or ()
            ]
        except (ValueError, ValidationError):
            continue  # reported where the malformed part is
        last = (
            cycles.last
            if cycles.last is not None
            else max([b.cycles.first for b in blocks] + [cycles.first])
        )
        for cycle in range(cycles.first, last + 1):
            given = next((b.days for b in blocks if b.cycles.contains(cycle)), ())
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


# -- loading ---------------------------------------------------------------------------------


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
                out.append(name)
                out[-2:] = [f"drugs.{name}"]
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
        problems += [p for p in extra if str(p) not in seen]
        raise ProtocolError(origin, _unique(problems)) from None
    except RecursionError:
        raise ProtocolError(origin, [Problem("", "the file must not nest this deeply")]) from None
    protocol._origin = origin
    return protocol


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    out: dict[str, Problem] = {}
    for p in problems:
        out.setdefault(str(p), p)
    return list(out.values())


def loads_protocol(text: str, *, origin: str = "<string>") -> Protocol:
    """Parse and validate a protocol from TOML text.

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
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ProtocolError(
            origin, [Problem("", f"the file must be valid TOML, got: {err}")]
        ) from None
    except RecursionError:
        raise ProtocolError(origin, [Problem("", "the file must not nest this deeply")]) from None
    return parse_protocol(data, origin=origin)


def load_protocol(path: str | Path) -> Protocol:
    """Load and validate one protocol file (TOML)."""
    from dosing._files import os_reason, read_limited

    p = Path(path)
    try:  # read with a hard limit: /dev/zero or a pipe claims a size of 0 and never ends
        raw = read_limited(p, MAX_FILE_BYTES)
    except DosingError:
        problem = f"the file must be at most {MAX_FILE_BYTES} bytes, got more"
        raise ProtocolError(str(p), [Problem("", problem)]) from None
    except OSError as err:
        raise DosingError(
            "protocol file", "a readable file", f"{str(p)!r} ({os_reason(err)})"
        ) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a byte order mark is not content
    except UnicodeDecodeError:
        raise ProtocolError(str(p), [Problem("", "the file must be UTF-8 text")]) from None
    return loads_protocol(text, origin=str(p))


def _protocol_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.toml"))
    return [path]


def load_protocols(paths: Iterable[str | Path]) -> list[Protocol]:
    """Load every protocol in the given files and folders (``*.toml``)."""
    out = []
    for path in paths:
        for file in _protocol_files(Path(path)):
            out.append(load_protocol(file))
    return out


def validate_paths(
    paths: Iterable[str | Path],
) -> Iterator[tuple[str, ProtocolError | DosingError | None]]:
    """Validate files and folders, yielding ``(path, error or None)`` for every file."""
    for path in paths:
        p = Path(path)
        files_found = _protocol_files(p)
        if p.is_dir() and not files_found:
            yield str(p), DosingError("path", "a folder with *.toml protocol files", repr(str(p)))
        for file in files_found:
            try:
                load_protocol(file)
            except DosingError as err:
                yield str(file), err
            else:
                yield str(file), None


def _builtin_dir() -> Path:
    packaged = files("dosing").joinpath("protocols")
    if packaged.is_dir():
        return Path(str(packaged))
    # A source checkout (editable install): the files live at the repository's top level.
    return Path(__file__).resolve().parents[2] / "protocols"


@cache
def _load_builtin(file: Path) -> Protocol:
    protocol = load_protocol(file)
    protocol._origin = f"builtin:{protocol.id}"
    return protocol


def builtin_protocols() -> tuple[Protocol, ...]:
    """The protocols shipped with `dosing`, in file-name order."""
    return tuple(_load_builtin(file) for file in _protocol_files(_builtin_dir()))


@cache
def _builtin_labels() -> dict[str, Path]:
    """Each built-in file by its id and aliases (normalised), read without full validation."""
    import tomllib

    labels: dict[str, Path] = {}
    for file in _protocol_files(_builtin_dir()):
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        for label in (data.get("id"), *(data.get("aliases") or ())):
            if isinstance(label, str):
                labels.setdefault(_key(label), file)
    return labels


def _key(text: str) -> str:
    return re.sub(r"[\s\-_.]", "", text).lower()


def get_protocol(name: str, *, extra: Iterable[Protocol] = ()) -> Protocol:
    """Find a protocol by id or alias, case-insensitively, among ``extra`` and the built-ins.

    Only the built-in file that matches is validated, so looking one up stays fast.

    >>> get_protocol("DKR")
    Traceback (most recent call last):
      ...
    dosing.errors.UnknownProtocolError: protocol must be a known id or alias, got 'DKR' - did you mean D-KRd? Known: D-KRd, KCyD, Kd-weekly, KdD, KRd
    """
    extras = list(extra)
    wanted = _key(str(name))
    for protocol in extras:
        if wanted in {_key(protocol.id), *(_key(a) for a in protocol.aliases)}:
            return protocol
    for file in _protocol_files(_builtin_dir()):  # built-in files are named after their id
        if _key(file.stem) == wanted:
            protocol = _load_builtin(file)
            if _key(protocol.id) == wanted:
                return protocol
    by_label = _builtin_labels().get(wanted)
    if by_label is not None:
        return _load_builtin(by_label)
    candidates = extras + list(builtin_protocols())
    ids = sorted({p.id for p in candidates}, key=str.lower)
    labels = {_key(label): p.id for p in candidates for label in (p.id, *p.aliases)}
    close = difflib.get_close_matches(wanted, list(labels), n=1, cutoff=0.5)
    hint = f"did you mean {labels[close[0]]}? " if close else ""
    raise UnknownProtocolError(
        "protocol", "a known id or alias", repr(name), f"{hint}Known: {', '.join(ids)}"
    )


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

    def __str__(self) -> str:
        """``carfilzomib 56 mg/m² (default)``."""
        mark = " (default)" if self.is_default else " (chosen)"
        return f"{self.drug} {format_amount(self.value, self.unit)}{mark}"


def resolve_choices(
    protocol: Protocol, given: Mapping[str, object] | None = None
) -> dict[str, ResolvedChoice]:
    """Apply the prescriber's choices (``{"carfilzomib": 36}``) to a protocol's defaults.

    Values are in the choice's unit; ``"36 mg/m2"`` is accepted when the unit matches.

    >>> krd = get_protocol("KRd")
    >>> [str(c) for c in resolve_choices(krd, {"carfilzomib": "36"}).values()]
    ['carfilzomib 36 mg/m² (chosen)', 'dexamethasone 40 mg (default)']
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
            out[drug_name] = ResolvedChoice(drug_name, value, choice.unit, False, choice.allowed)
        else:
            out[drug_name] = ResolvedChoice(
                drug_name, choice.default, choice.unit, True, choice.allowed
            )
    return out


def _choice_value(raw: object, choice: Choice, drug: str, unit_text: str) -> float:
    constraint = f"one of {_listing(choice.allowed)} ({unit_text})"
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
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
            repr(raw) if not isinstance(raw, int | float) else format_number(float(raw), decimals=6)
        )
        raise ChoiceError(drug, constraint, shown)
    return value


def _basis_or_none(text: object) -> Basis | None:
    if not isinstance(text, str):
        return None
    try:
        return DoseRule.parse(text).basis
    except DosingError:
        return None
