"""A patient's real course: amendments to the plan, and the course file that records them.

Real courses deviate from the plan: a cycle starts a week late, a dose is held, a drug drops a
dose level, the patient's weight changes, or the patient began elsewhere. Each is an immutable
**amendment** that applies from a named point - a cycle (``C3``) or a cycle day (``C2D8``) -
and leaves everything before it unchanged:

=================  ============================================================================
``Delay``          ``C3:7``: cycle 3 and every later dose 7 days later; ``C2D8:2``: that day and
                   every later dose 2 days later. Cycle and day numbers keep their meaning.
``Hold``           ``carfilzomib@C2D15``: one dose omitted; ``lenalidomide@C4``: a whole cycle;
                   ``lenalidomide@C4+``: from cycle 4 on.
``DoseLevel``      ``carfilzomib=45@C3`` or ``carfilzomib=-1@C3``: a dose level the protocol
                   declares (``-1``/``-2``: one or two levels down), from that point on.
``Reweigh``        ``95kg@C4``: doses per kg use the new weight from cycle 4; a mg/m² dose whose
                   drug has a weight-change rule keeps its baseline BSA within the rule's limit
                   (carfilzomib: 20 %) and is recalculated beyond it; ``95kg@C4:recalculate``
                   recalculates regardless.
``StartAtCycle``   ``4``: the calendar begins at cycle 4 on the start date (a patient who began
                   elsewhere); cycles before it are left out.
=================  ============================================================================

Amendments commute - their effect does not depend on their order in the list - except two that
set the same thing at the same point (two dose levels of one drug from C3, two new weights
from C4), where the later in the list wins. Each carries the date it was recorded and a
reason; every export shows them, and each changed dose names the amendment in its trace.

A **course file** (TOML, :class:`Course`; JSON Schema from ``dosing schema --course``) keeps
the patient, protocol, start, choices and the list of amendments, so that a pharmacist keeps
one file per patient and re-exports after each change.

>>> import datetime as dt
>>> from dosing import Patient, build_schedule, get_protocol
>>> krd = get_protocol("KRd")
>>> patient = Patient(height="175 cm", weight="80 kg")
>>> delay = parse_amendment("delay", "C2:7", recorded=dt.date(2026, 2, 1), reason="neutropenia")
>>> s = build_schedule(krd, patient, "2026-01-05", cycles=2, amendments=[delay],
...                    today=dt.date(2026, 1, 1))
>>> [(a.label, a.date.isoformat()) for a in s.by_drug()["carfilzomib"]][6]
('C2 D1', '2026-02-09')
>>> str(s.by_drug()["carfilzomib"][6].events[0])
'delayed 7 days from C2 (recorded 2026-02-01: neutropenia)'
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dosing.dose import Basis, DoseRule
from dosing.errors import DosingError, ImmutableError, ScheduleError
from dosing.grammar import MAX_CYCLES
from dosing.notation import format_amount, format_number
from dosing.plan import Plan, PlannedDose
from dosing.protocol import DoseLevels, Drug, Protocol
from dosing.trace import Delayed, DoseLevelApplied, Event, HeldDose, Reweighed, StepUpDose

__all__ = [
    "Amendment",
    "Course",
    "CoursePatient",
    "Delay",
    "DoseLevel",
    "Hold",
    "Point",
    "Reweigh",
    "StartAtCycle",
    "apply",
    "course_json_schema",
    "dumps_course",
    "loads_course",
    "new_course_id",
    "parse_amendment",
]

_POINT = re.compile(r"^\s*[Cc]\s*(\d{1,3})\s*(?:[Dd]\s*(-?\d{1,3}))?\s*$")
_DRUG = r"^[a-z][a-z0-9\- ]{0,59}$"
_COURSE_ID = r"^[A-Za-z0-9][A-Za-z0-9\-_.]{2,63}$"


@dataclass(frozen=True, slots=True, order=True)
class Point:
    """A point in a course: a whole cycle (``C3``) or one cycle day (``C2D8``).

    >>> Point.parse("C2D8"), str(Point.parse("c3")), Point.parse("C3").covers(3, 1)
    (Point(cycle=2, day=8), 'C3', True)
    """

    cycle: int
    day: int | None = None

    @classmethod
    def parse(cls, text: object, *, field: str = "at") -> Point:
        """Read ``C3`` or ``C2D8`` (case and spaces do not matter)."""
        m = _POINT.match(text) if isinstance(text, str) and len(text) <= 20 else None
        if m is None:
            raise ScheduleError(field, "a cycle such as C3 or a cycle day such as C2D8", repr(text))
        cycle = int(m[1])
        if not 1 <= cycle <= MAX_CYCLES:
            raise ScheduleError(field, f"a cycle from 1 to {MAX_CYCLES}", repr(text))
        return cls(cycle, None if m[2] is None else int(m[2]))

    def covers(self, cycle: int, day: int) -> bool:
        """True for the point itself and everything after it."""
        if self.day is None:
            return cycle >= self.cycle
        return (cycle, day) >= (self.cycle, self.day)

    def key(self) -> tuple[int, int]:
        """Ordering key: a whole cycle starts before its first day."""
        return (self.cycle, -(10**6) if self.day is None else self.day)

    def __str__(self) -> str:
        return f"C{self.cycle}" if self.day is None else f"C{self.cycle}D{self.day}"


def _point(value: object) -> Point:
    return value if isinstance(value, Point) else Point.parse(value)


class _Amendment(BaseModel):
    """Fields every amendment has: when it was recorded and why."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    recorded: dt.date | None = Field(default=None, description="When the change was recorded.")
    reason: str | None = Field(default=None, max_length=300, description="Why, in free text.")

    label: ClassVar[str] = "amendment"

    def __setattr__(self, name: str, value: object) -> None:
        raise ImmutableError.assignment(type(self).__name__, name, "model_copy(update=...)")

    def why(self) -> str:
        """``recorded 2026-02-01: neutropenia`` (or what was not given)."""
        when = self.recorded.isoformat() if self.recorded else "date not recorded"
        return f"recorded {when}: {self.reason or 'no reason given'}"


class Delay(_Amendment):
    """Every dose from ``at`` on is given ``days`` days later."""

    kind: Literal["delay"] = "delay"
    at: Annotated[str, Field(pattern=r"^[Cc]\d{1,3}([Dd]-?\d{1,3})?$")]
    days: int = Field(ge=1, le=365)

    label: ClassVar[str] = "delay"

    @property
    def point(self) -> Point:
        """Where the delay starts."""
        return Point.parse(self.at)

    def __str__(self) -> str:
        return f"delay {self.point} and later by {self.days} days"


class Hold(_Amendment):
    """A drug's dose at ``at`` omitted (a cycle day), its whole cycle, or every dose onwards."""

    kind: Literal["hold"] = "hold"
    drug: str = Field(pattern=_DRUG)
    at: Annotated[str, Field(pattern=r"^[Cc]\d{1,3}([Dd]-?\d{1,3})?$")]
    onwards: bool = Field(default=False, description="Hold from ``at`` to the end of the course.")

    label: ClassVar[str] = "hold"

    @property
    def point(self) -> Point:
        """The dose, cycle or start of the hold."""
        return Point.parse(self.at)

    def holds(self, cycle: int, day: int) -> bool:
        """True if this hold omits the drug's dose on ``cycle`` day ``day``."""
        point = self.point
        if self.onwards:
            return point.covers(cycle, day)
        if point.day is None:
            return cycle == point.cycle
        return (cycle, day) == (point.cycle, point.day)

    def __str__(self) -> str:
        what = f"from {self.point} on" if self.onwards else f"{self.point}"
        return f"hold {self.drug} {what}"


class DoseLevel(_Amendment):
    """A drug's dose from ``at`` on: a level its protocol declares, or ``-1``/``-2`` levels down."""

    kind: Literal["reduce"] = "reduce"
    drug: str = Field(pattern=_DRUG)
    level: str = Field(
        pattern=r"^(-[1-9]|\d+(\.\d+)?)$",
        description="A dose in the levels' unit (45) or a step down (-1, -2).",
    )
    at: Annotated[str, Field(pattern=r"^[Cc]\d{1,3}([Dd]-?\d{1,3})?$")]

    label: ClassVar[str] = "dose level"

    @property
    def point(self) -> Point:
        """From where the level applies."""
        return Point.parse(self.at)

    @property
    def steps(self) -> int | None:
        """``1`` for ``-1``; ``None`` for an absolute level."""
        return -int(self.level) if self.level.startswith("-") else None

    def __str__(self) -> str:
        what = (
            f"{self.steps} level{'s' if self.steps != 1 else ''} down" if self.steps else self.level
        )
        return f"{self.drug} dose level {what} from {self.point}"


class Reweigh(_Amendment):
    """A new weight from ``at`` on; ``recalculate`` forces a new BSA for every mg/m² dose."""

    kind: Literal["reweigh"] = "reweigh"
    weight: str = Field(max_length=40, description="The new weight with its unit, e.g. '95 kg'.")
    at: Annotated[str, Field(pattern=r"^[Cc]\d{1,3}([Dd]-?\d{1,3})?$")]
    recalculate: bool = Field(
        default=False, description="Recalculate BSA even within a drug's weight-change rule."
    )

    label: ClassVar[str] = "new weight"

    @property
    def point(self) -> Point:
        """From where the new weight applies."""
        return Point.parse(self.at)

    def __str__(self) -> str:
        forced = ", BSA recalculated on request" if self.recalculate else ""
        return f"new weight {self.weight} from {self.point}{forced}"


class StartAtCycle(_Amendment):
    """The calendar begins at ``cycle`` on the start date; earlier cycles are left out."""

    kind: Literal["start-cycle"] = "start-cycle"
    cycle: int = Field(ge=2, le=MAX_CYCLES)

    label: ClassVar[str] = "start at cycle"

    def __str__(self) -> str:
        return f"calendar starts at cycle {self.cycle} (earlier cycles given elsewhere)"


Amendment = Annotated[
    Delay | Hold | DoseLevel | Reweigh | StartAtCycle, Field(discriminator="kind")
]

#: The command-line form of each amendment kind, for messages and docs.
FORMS: Mapping[str, str] = {
    "delay": "C3:7 or C2D8:2 (point:days)",
    "hold": "DRUG@C2D15, DRUG@C4 or DRUG@C4+",
    "reduce": "DRUG=45@C3 or DRUG=-1@C3",
    "reweigh": "95kg@C4 or 95kg@C4:recalculate",
    "start-cycle": "a cycle number from 2",
}


def parse_amendment(
    kind: str, text: str, *, recorded: dt.date | None = None, reason: str | None = None
) -> Delay | Hold | DoseLevel | Reweigh | StartAtCycle:
    """Read an amendment as the command line writes it (see :data:`FORMS`).

    >>> parse_amendment("hold", "lenalidomide@C4+")
    Hold(recorded=None, reason=None, kind='hold', drug='lenalidomide', at='C4', onwards=True)
    >>> parse_amendment("reduce", "carfilzomib=45@C3").level
    '45'
    >>> parse_amendment("delay", "C3")
    Traceback (most recent call last):
      ...
    dosing.errors.ScheduleError: delay must be C3:7 or C2D8:2 (point:days), got 'C3'
    """
    field = {"start-cycle": "start-cycle"}.get(kind, kind)
    if kind not in FORMS:
        raise ScheduleError("amendment", f"one of {', '.join(FORMS)}", repr(kind))
    shown = repr(text)
    if not isinstance(text, str) or not text.strip() or len(text) > 100:
        raise ScheduleError(field, FORMS[kind], shown)
    text = text.strip()
    common: dict[str, Any] = {"recorded": recorded, "reason": reason}
    data: dict[str, Any]
    if kind == "delay":
        point, sep, days = text.partition(":")
        if not sep or not days.strip().isdigit():
            raise ScheduleError(field, FORMS[kind], shown)
        data = {"at": str(Point.parse(point, field=field)), "days": int(days)}
    elif kind == "hold":
        drug, sep, point = text.partition("@")
        if not sep:
            raise ScheduleError(field, FORMS[kind], shown)
        onwards = point.strip().endswith("+")
        data = {
            "drug": drug.strip().lower(),
            "at": str(Point.parse(point.strip().rstrip("+"), field=field)),
            "onwards": onwards,
        }
    elif kind == "reduce":
        drug, sep, rest = text.partition("=")
        level, sep2, point = rest.partition("@")
        if not (sep and sep2):
            raise ScheduleError(field, FORMS[kind], shown)
        data = {
            "drug": drug.strip().lower(),
            "level": level.strip(),
            "at": str(Point.parse(point, field=field)),
        }
    elif kind == "reweigh":
        weight, sep, rest = text.partition("@")
        point, _, flag = rest.partition(":")
        if not sep or flag.strip().lower() not in ("", "recalculate"):
            raise ScheduleError(field, FORMS[kind], shown)
        data = {
            "weight": weight.strip(),
            "at": str(Point.parse(point, field=field)),
            "recalculate": flag.strip().lower() == "recalculate",
        }
    else:
        if not text.isdigit():
            raise ScheduleError(field, FORMS[kind], shown)
        data = {"cycle": int(text)}
    return _validated(kind, {**data, **common}, field, shown)


_MODELS: Mapping[str, type[_Amendment]] = {
    "delay": Delay,
    "hold": Hold,
    "reduce": DoseLevel,
    "reweigh": Reweigh,
    "start-cycle": StartAtCycle,
}


def _validated(
    kind: str, data: dict[str, Any], field: str, shown: str
) -> Delay | Hold | DoseLevel | Reweigh | StartAtCycle:
    try:
        value = _MODELS[kind].model_validate(data)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ScheduleError(field, FORMS[kind], shown, f"{where}: {first['msg']}") from None
    assert isinstance(value, Delay | Hold | DoseLevel | Reweigh | StartAtCycle)
    return value


def check_order(amendments: Sequence[object]) -> None:
    """Amendments are values of the five kinds, recorded on dates that never go back."""
    last: dt.date | None = None
    for i, amendment in enumerate(amendments, 1):
        if not isinstance(amendment, Delay | Hold | DoseLevel | Reweigh | StartAtCycle):
            raise ScheduleError(
                f"amendments[{i}]",
                "a Delay, Hold, DoseLevel, Reweigh or StartAtCycle",
                type(amendment).__name__,
            )
        if amendment.recorded is not None:
            if last is not None and amendment.recorded < last:
                raise ScheduleError(
                    f"amendments[{i}].recorded",
                    f"on or after the one before ({last.isoformat()})",
                    amendment.recorded.isoformat(),
                    "amendments are listed in the order they were recorded",
                )
            last = amendment.recorded


def new_course_id() -> str:
    """A fresh course id, generated once and kept in the course file (``c-`` and 16 hex digits)."""
    return f"c-{secrets.token_hex(8)}"


# -- the course file ----------------------------------------------------------------------------


class CoursePatient(BaseModel):
    """The patient as the course file records it: measurements as typed, with their units."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    identifier: str | None = Field(default=None, min_length=1, max_length=200)
    height: str = Field(max_length=40, description="As typed, with its unit: '175 cm'.")
    weight: str = Field(max_length=40, description="Baseline weight as typed: '80 kg'.")
    sex: Literal["female", "male"] | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    date_of_birth: dt.date | None = None
    serum_creatinine: str | None = Field(default=None, max_length=40)
    dialysis: bool | None = None
    accept_outlier: bool = False


class Course(BaseModel):
    """One patient's course: who, which protocol from when, the choices, and every change."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    format: Literal[1] = Field(default=1, description="Format version of the course file.")
    course_id: str = Field(
        pattern=_COURSE_ID, description="Generated once; calendar identity across re-exports."
    )
    protocol: str = Field(min_length=1, max_length=300, description="Protocol id, alias or file.")
    protocol_file: str | None = Field(default=None, max_length=1000)
    start: dt.date
    cycles: int | None = Field(default=None, ge=1, le=MAX_CYCLES)
    bsa_formula: str | None = Field(default=None, max_length=20)
    renal_table: str | None = Field(default=None, max_length=16)
    clearance_weight: Literal["actual", "ideal", "adjusted"] | None = None
    choices: dict[Annotated[str, Field(pattern=_DRUG)], float | str] = Field(default_factory=dict)
    rounding: dict[Annotated[str, Field(pattern=_DRUG)], str] = Field(default_factory=dict)
    patient: CoursePatient
    amendments: tuple[Amendment, ...] = Field(default=(), max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> Course:
        try:
            check_order(self.amendments)
        except DosingError as err:
            raise ValueError(str(err)) from None
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise ImmutableError.assignment("Course", name, "model_copy(update=...)")

    def extended(self, amendments: Iterable[Any]) -> Course:
        """The course with ``amendments`` appended (validated like a loaded file)."""
        data = self.model_dump(mode="python")
        data["amendments"] = [
            *self.model_dump(mode="python")["amendments"],
            *(a.model_dump(mode="python") for a in amendments),
        ]
        return load_course_data(data, origin="<course>")


def load_course_data(data: object, *, origin: str) -> Course:
    """Validate a course from parsed data; every problem is one :class:`ScheduleError` line."""
    try:
        return Course.model_validate(data)
    except ValidationError as err:
        problems = []
        for item in err.errors(include_url=False)[:5]:
            where = ".".join(str(p) for p in item["loc"]) or "course"
            problems.append(f"{where}: {item['msg'].removeprefix('Value error, ')}")
        raise ScheduleError(
            "course file",
            "a valid course (see `dosing schema --course`)",
            origin,
            "; ".join(problems),
        ) from None


def loads_course(text: str, *, origin: str = "<string>") -> Course:
    """Read a course from TOML text (a byte order mark is skipped)."""
    import tomllib

    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as err:
        raise ScheduleError("course file", "valid TOML", origin, str(err)) from None
    except RecursionError:
        raise ScheduleError("course file", "TOML that does not nest this deeply", origin) from None
    return load_course_data(data, origin=origin)


def dumps_course(course: Course) -> str:
    """The course as TOML text, with a header comment on what it is."""
    lines = [
        "# A dosing course file: one patient's protocol, start, choices and every change",
        "# (see docs/course.md and `dosing schema --course`). Re-export with",
        "# `dosing calendar --course THIS-FILE -o ...` after each change.",
        "",
    ]
    data = course.model_dump(mode="json", exclude_none=True)
    for key in (
        "format",
        "course_id",
        "protocol",
        "protocol_file",
        "start",
        "cycles",
        "bsa_formula",
        "renal_table",
        "clearance_weight",
    ):
        if key in data:
            lines.append(f"{key} = {_toml_value(data[key])}")
    for table in ("choices", "rounding", "patient"):
        values = data.get(table) or {}
        if values or table == "patient":
            lines += ["", f"[{table}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in values.items()]
    for amendment in data.get("amendments", ()):
        lines += ["", "[[amendments]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in amendment.items()]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    escaped = "".join(
        c
        if c.isprintable() and c not in '"\\'
        else f"\\u{ord(c):04x}"
        if ord(c) < 0x10000
        else f"\\U{ord(c):08x}"
        for c in text
    )
    return f'"{escaped}"'


def course_json_schema() -> dict[str, Any]:
    """The JSON Schema of the course file format (``dosing schema --course``)."""
    schema = Course.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dosing course file"
    return schema


# -- applying amendments to a plan --------------------------------------------------------------


def apply(
    plan: Plan,
    amendments: Sequence[Delay | Hold | DoseLevel | Reweigh | StartAtCycle],
    *,
    baseline_kg: float,
    weigh: Callable[[str], float],
) -> Plan:
    """``plan`` with ``amendments`` applied; each changed dose names its amendment.

    ``weigh`` reads a new weight (text with its unit) to kg, checking it as the patient's
    own weight is checked. Every amendment must fall inside the plan: a point beyond its
    cycles, a drug it does not have, or a hold of a dose that is not planned is refused.
    """
    check_order(amendments)
    numbered = list(enumerate(amendments, 1))
    protocol = plan.protocol
    starts = [a for _, a in numbered if isinstance(a, StartAtCycle)]
    first = starts[-1].cycle if starts else 1
    if first > plan.cycles:
        raise ScheduleError(
            "start-cycle",
            f"at most the course's {plan.cycles} cycles",
            str(first),
            "--cycles counts from cycle 1",
        )
    for index, amendment in numbered:
        _check_inside(amendment, index, plan, first)
    doses = [d for d in plan.doses if d.cycle >= first]
    doses, held = _holds(doses, numbered, plan)
    delays = tuple((a.point.key(), a.days) for _, a in numbered if isinstance(a, Delay))
    delay_events = [(i, a) for i, a in numbered if isinstance(a, Delay)]
    levels = _levels(doses, numbered, protocol)
    weights = _weights(numbered, weigh)
    out = []
    for dose in doses:
        events = list(dose.events)
        shift = 0
        for index, delay in delay_events:
            if delay.point.covers(dose.cycle, dose.day):
                shift += delay.days
                events.append(Delayed(delay.days, str(delay.point), index, delay.why()))
        rule = dose.rule
        found = levels.get(id(dose))
        if found is not None:
            rule, event = found
            events.append(event)
        weight_kg = bsa_weight_kg = None
        reweigh = _latest(weights, dose)
        if reweigh is not None:
            index, amendment, kg = reweigh
            weight_kg, bsa_weight_kg, basis = _reweigh_effect(
                protocol.drug(dose.drug), rule, kg, baseline_kg, amendment.recalculate
            )
            if basis:
                change = (kg - baseline_kg) / baseline_kg * 100
                events.append(
                    Reweighed(
                        kg, baseline_kg, change, basis, str(amendment.point), index, amendment.why()
                    )
                )
        out.append(
            replace(
                dose,
                rule=rule,
                events=tuple(events),
                shift=shift,
                weight_kg=weight_kg,
                bsa_weight_kg=bsa_weight_kg,
            )
        )
    return replace(plan, doses=tuple(out), held=tuple(held), first_cycle=first, delays=delays)


def _check_inside(amendment: object, index: int, plan: Plan, first: int) -> None:
    where = f"amendments[{index}]"
    if isinstance(amendment, StartAtCycle):
        return
    assert isinstance(amendment, Delay | Hold | DoseLevel | Reweigh)
    point = amendment.point
    if not first <= point.cycle <= plan.cycles:
        raise ScheduleError(
            where,
            f"a point within the course's cycles {first} to {plan.cycles}",
            f"{amendment} ",
        )
    if point.day is not None and not (
        point.day <= plan.protocol.cycle_length_days and (point.day >= 1 or point.cycle == 1)
    ):
        raise ScheduleError(
            where, f"a day of the {plan.protocol.cycle_length_days}-day cycle", str(point)
        )
    if isinstance(amendment, Hold | DoseLevel):
        names = [d.name for d in plan.protocol.drugs]
        if amendment.drug not in names:
            raise ScheduleError(
                where, f"a drug of {plan.protocol.id} ({', '.join(names)})", repr(amendment.drug)
            )


def _holds(
    doses: list[PlannedDose], numbered: Sequence[tuple[int, object]], plan: Plan
) -> tuple[list[PlannedDose], list[tuple[PlannedDose, Event]]]:
    holds = [(i, a) for i, a in numbered if isinstance(a, Hold)]
    kept: list[PlannedDose] = []
    held: list[tuple[PlannedDose, Event]] = []
    matched: set[int] = set()
    for dose in doses:
        hit = next(
            ((i, h) for i, h in holds if h.drug == dose.drug and h.holds(dose.cycle, dose.day)),
            None,
        )
        if hit is None:
            kept.append(dose)
            continue
        index, hold = hit
        matched.add(index)
        held.append((dose, HeldDose(dose.drug, f"C{dose.cycle} D{dose.day}", index, hold.why())))
    for index, hold in holds:
        if index not in matched:
            raise ScheduleError(
                f"amendments[{index}]",
                f"a dose of {hold.drug} that the course plans",
                f"{hold}",
                f"{hold.drug} is not given at {hold.point} in {plan.protocol.id}",
            )
    return kept, held


def _levels(
    doses: list[PlannedDose], numbered: Sequence[tuple[int, object]], protocol: Protocol
) -> dict[int, tuple[DoseRule, Event]]:
    """For each dose a dose level changes: its new rule and the event that says why."""
    out: dict[int, tuple[DoseRule, Event]] = {}
    by_drug: dict[str, list[tuple[int, DoseLevel]]] = {}
    for index, amendment in numbered:
        if isinstance(amendment, DoseLevel):
            by_drug.setdefault(amendment.drug, []).append((index, amendment))
    for drug_name, items in by_drug.items():
        drug = protocol.drug(drug_name)
        ladder = drug.dose_levels
        where = f"amendments[{items[0][0]}]"
        if ladder is None:
            raise ScheduleError(
                where,
                f"a drug whose dose levels {protocol.id} declares",
                repr(drug_name),
                f"{drug_name} has no dose levels in this protocol file; hold or delay instead",
            )
        if not ladder.levels:
            raise ScheduleError(
                where,
                "a drug with dose levels",
                repr(drug_name),
                f"{ladder.source}: {ladder.citation}",
            )
        plain = [
            d
            for d in doses
            if d.drug == drug_name and not any(isinstance(e, StepUpDose) for e in d.events)
        ]
        current: dict[int, DoseRule] = {id(d): d.rule for d in plain}
        for index, amendment in sorted(items, key=lambda item: (item[1].point.key(), item[0])):
            covered = [d for d in plain if amendment.point.covers(d.cycle, d.day)]
            if not covered:
                continue
            before = current[id(covered[0])]
            rule = _level_rule(amendment, before, ladder, drug.with_caps, index)
            event = DoseLevelApplied(
                _rate(rule),
                _rate(before),
                str(amendment.point),
                index,
                amendment.why(),
                f"{ladder.source}: {ladder.citation}",
            )
            for dose in covered:
                current[id(dose)] = rule
                out[id(dose)] = (rule, event)
    return out


def _rate(rule: DoseRule) -> str:
    """``45 mg/m²``: the rate without its caps."""
    return format_amount(rule.amount, str(rule.basis))


def _level_rule(
    amendment: DoseLevel,
    before: DoseRule,
    ladder: DoseLevels,
    with_caps: Callable[[DoseRule], DoseRule],
    index: int,
) -> DoseRule:
    levels = ", ".join(str(r) for r in ladder.levels)
    where = f"amendments[{index}]"
    steps = amendment.steps
    if steps is None:
        unit = ladder.levels[0]
        wanted = replace(unit, amount=float(amendment.level), bsa_cap_m2=None, max_dose_mg=None)
        if ladder.position(wanted) is None:
            raise ScheduleError(
                where, f"one of {amendment.drug}'s dose levels ({levels})", repr(amendment.level)
            )
        return with_caps(wanted)
    position = ladder.position(before)
    if position is None:
        raise ScheduleError(
            where,
            f"a step from a dose on {amendment.drug}'s levels ({levels})",
            f"{amendment.level} from {before} at {amendment.point}",
            "give the level itself instead",
        )
    target = position + steps
    if target >= len(ladder.levels):
        raise ScheduleError(
            where,
            f"at most {len(ladder.levels) - 1 - position} level(s) down from {before} ({levels})",
            amendment.level,
        )
    return with_caps(ladder.levels[target])


def _weights(
    numbered: Sequence[tuple[int, object]], weigh: Callable[[str], float]
) -> list[tuple[int, Reweigh, float]]:
    items = [(i, a, weigh(a.weight)) for i, a in numbered if isinstance(a, Reweigh)]
    return sorted(items, key=lambda item: (item[1].point.key(), item[0]))


def _latest(
    weights: list[tuple[int, Reweigh, float]], dose: PlannedDose
) -> tuple[int, Reweigh, float] | None:
    found = None
    for item in weights:  # sorted by point: the last that covers the dose wins
        if item[1].point.covers(dose.cycle, dose.day):
            found = item
    return found


def _reweigh_effect(
    drug: Drug, rule: DoseRule, kg: float, baseline_kg: float, recalculate: bool
) -> tuple[float | None, float | None, str]:
    """(weight for mg/kg, weight for BSA, what it did) for one dose under a new weight."""
    if rule.basis is Basis.PER_KG:
        return kg, None, "dose per kg on the new weight"
    if rule.basis is not Basis.PER_M2:
        return None, None, ""
    change = abs(kg - baseline_kg) / baseline_kg * 100
    limit = drug.weight_change
    if recalculate:
        return None, kg, "BSA recalculated on the new weight, as asked"
    if limit is None:
        return (
            None,
            kg,
            "BSA recalculated on the new weight (the protocol gives no weight-change rule for this drug)",
        )
    if change <= limit.recalculate_above:
        return (
            None,
            None,
            f"baseline BSA kept: within the {format_number(limit.recalculate_above)} % the label allows ({limit.source})",
        )
    return (
        None,
        kg,
        f"BSA recalculated: beyond the {format_number(limit.recalculate_above)} % the label allows ({limit.source})",
    )
