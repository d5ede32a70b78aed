"""The schedule engine: plan × patient × start date → dated administrations.

The protocol's dateless plan (:mod:`dosing.plan`) is adapted to the patient - renal starting
doses from the patient's creatinine clearance (:mod:`dosing.renal`) - and dated by
:func:`dosing.plan.day_offset`, as :func:`~dosing.plan.dose_date` dates a day. Each dose is
worked out once per distinct rule and shared by every administration that uses it. The
schedule also carries what the patient's facts say about it: the renal assessment, a lower
dose the labels allow for older patients, and every day a drug needs premedication the
schedule does not give. A schedule is immutable.

>>> import datetime as dt
>>> from dosing import Patient, build_schedule, get_protocol
>>> s = build_schedule(get_protocol("KRd"), Patient(height="175 cm", weight="80 kg"),
...                    dt.date(2026, 1, 5), cycles=2)
>>> first = s.administrations[0]
>>> first.date, first.label, first.drug, first.dose.text, first.dose.basis
(datetime.date(2026, 1, 5), 'C1 D1', 'carfilzomib', '39.4 mg', '20 mg/m² × 1.972 m² (Mosteller)')
>>> [(a.label, a.dose.text) for a in s.by_drug()["carfilzomib"]][2]
('C1 D8', '110.4 mg')
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from dosing._frozen import immutable
from dosing._text import abbreviated
from dosing.bsa import BSAFormula, WeightPolicy, bsa_m2
from dosing.dose import Basis, Dose, DoseRule, RoundingPolicy, dose_from_measure
from dosing.errors import DateError, DosingError, ImmutableError, ScheduleError
from dosing.notation import REPORTING, format_amount
from dosing.plan import (
    Plan,
    build_plan,
    day_offset,
    premedication_gaps,
    with_renal_starting_doses,
)
from dosing.protocol import Protocol, ResolvedChoice, resolve_choices
from dosing.renal import DEFAULT_TABLE, RenalDecision, RenalFunction, assess, decide
from dosing.trace import (
    ClinicClosed,
    Event,
    HeldDose,
    OlderPatientDose,
    PremedicationNeeded,
    StepUpDose,
)

if TYPE_CHECKING:
    import pandas
    import pint

    from dosing.course import Amendment
    from dosing.patient import Patient

__all__ = [
    "RECORD_FIELDS",
    "VERIFICATION_NOTICE",
    "WEEKDAYS",
    "Administration",
    "DrugTotal",
    "HeldAdministration",
    "PremedicationDay",
    "Schedule",
    "TreatmentDay",
    "build_schedule",
    "cycle_count",
    "parse_date",
]

#: Shown on every table and calendar `dosing` writes.
VERIFICATION_NOTICE = (
    "For trained clinicians only: every dose and date must be verified against the protocol, "
    "the product labels and the patient before use."
)

#: The keys of :meth:`Schedule.to_records`, in order (the columns of :meth:`Schedule.to_pandas`).
RECORD_FIELDS: Final = (
    "date",
    "weekday",
    "cycle",
    "day",
    "drug",
    "route",
    "dose_mg",
    "calculated_mg",
    "basis",
    "reason",
    "event_kinds",
)

#: Weekday names as the records write them, Monday first (never the system's locale).
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: The most clinic closure dates one schedule takes.
MAX_CLOSED_DATES = 400

#: How far from today a start date may lie, in years: 10 back, 5 ahead.
START_WINDOW_YEARS = (10, 5)

_COURSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{1,63}$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def parse_date(value: object, *, field: str = "start", today: dt.date | None = None) -> dt.date:
    """Read a date as ISO ``YYYY-MM-DD`` only (``03/04/2026`` is ambiguous and refused).

    The date must lie within 10 years before and 5 years after ``today`` (the system date
    unless given), which catches a mistyped year.

    >>> parse_date("2026-01-05", today=dt.date(2026, 1, 1))
    datetime.date(2026, 1, 5)
    >>> parse_date("03/04/2026")
    Traceback (most recent call last):
      ...
    dosing.errors.DateError: start must be an ISO date YYYY-MM-DD, got '03/04/2026' - day/month order is ambiguous; write 2026-04-03 or 2026-03-04
    """
    if isinstance(value, dt.datetime):
        raise DateError(field, "a date without a time", repr(value))
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        m = _ISO_DATE.match(value) if len(value) <= 40 else None
        if not m:
            hint = ""
            parts = (
                re.match(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$", value)
                if len(value) <= 40
                else None
            )
            if parts:  # offer only the readings that are real dates
                a, b, y = (int(g) for g in parts.groups())
                real: list[str] = []
                for month, day_of_month in ((b, a), (a, b)):
                    try:
                        real.append(dt.date(y, month, day_of_month).isoformat())
                    except ValueError:
                        continue
                real = list(dict.fromkeys(real))
                hint = (
                    f"day/month order is ambiguous; write {real[0]} or {real[1]}"
                    if len(real) == 2
                    else f"write {real[0]}"
                    if real
                    else "no reading of it is a real date"
                )
            raise DateError(
                field,
                "an ISO date YYYY-MM-DD",
                repr(value if len(value) <= 40 else value[:40] + "..."),
                hint,
            )
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as err:
            raise DateError(field, "a real calendar date", repr(value), str(err)) from None
    else:
        raise DateError(field, "an ISO date YYYY-MM-DD", repr(value))
    if today is not None and (isinstance(today, dt.datetime) or not isinstance(today, dt.date)):
        raise DateError("today", "a date (datetime.date)", repr(today))
    earliest, latest = _start_window(today or dt.date.today())
    if not earliest <= day <= latest:
        raise DateError(
            field,
            f"between {earliest.isoformat()} and {latest.isoformat()} "
            f"({START_WINDOW_YEARS[0]} years back, {START_WINDOW_YEARS[1]} ahead)",
            day.isoformat(),
            "check the year",
        )
    return day


@functools.lru_cache(maxsize=8)
def _start_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last start date allowed on ``today`` (29 February moves to the 28th)."""
    from dateutil.relativedelta import relativedelta

    back, ahead = START_WINDOW_YEARS
    return today - relativedelta(years=back), today + relativedelta(years=ahead)


class Administration(NamedTuple):
    """One dose of one drug on one date, with the reasons the plan gives for it.

    ``events`` are the plan's reasons (a step-up, a renal starting dose, premedication to
    order); the dose's own (a cap, a rounding) are in ``dose.events``; :attr:`reasons` has both.
    An administration is an immutable named tuple (a schedule holds hundreds; a tuple is
    the cheapest immutable value Python makes); derive a changed one with ``_replace``.
    """

    date: dt.date
    cycle: int
    day: int
    drug: str
    route: str
    dose: Dose
    events: tuple[Event, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise ImmutableError.assignment("Administration", name, "a._replace(...)")

    def __delattr__(self, name: str) -> None:
        raise ImmutableError.assignment("Administration", name, "a._replace(...)")

    def __repr__(self) -> str:
        """``<Administration 2026-01-05 C1 D1 carfilzomib 39.4 mg IV [step-up]>``."""
        flags = dict.fromkeys(e.flag for e in self.reasons)
        shown = f" [{', '.join(flags)}]" if flags else ""
        return (
            f"<Administration {self.date.isoformat()} {self.label} {abbreviated(self.drug, 40)} "
            f"{self.dose.text} {self.route}{shown}>"
        )

    @property
    def label(self) -> str:
        """``C1 D8``."""
        return f"C{self.cycle} D{self.day}"

    @property
    def weekday(self) -> str:
        """The day of the week, ``Mon`` to ``Sun``."""
        return WEEKDAYS[self.date.weekday()]

    @property
    def on_weekend(self) -> bool:
        """True on a Saturday or Sunday."""
        return self.date.weekday() >= 5

    @property
    def mg(self) -> pint.Quantity[float]:
        """The dose in mg."""
        return self.dose.mg

    @property
    def reasons(self) -> tuple[Event, ...]:
        """Every reason this dose is what it is: the plan's, then the dose's own."""
        return (*self.events, *self.dose.events)

    @property
    def step(self) -> str | None:
        """The note of the step-up this dose is, or ``None``."""
        return next((str(e) for e in self.events if isinstance(e, StepUpDose)), None)

    @property
    def reason(self) -> str:
        """Why this dose differs from the plain rule, in words (or ``""``)."""
        return "; ".join(str(e) for e in self.reasons)


@dataclass(frozen=True, slots=True)
class TreatmentDay:
    """Everything given on one date."""

    date: dt.date
    cycle: int
    day: int
    administrations: tuple[Administration, ...]

    @property
    def label(self) -> str:
        """``C1 D8``."""
        return f"C{self.cycle} D{self.day}"


@dataclass(frozen=True, slots=True)
class DrugTotal:
    """Total mg of one drug in one cycle, and cumulative to the end of that cycle."""

    drug: str
    cycle: int
    administrations: int
    total_mg: float
    cumulative_mg: float


@dataclass(frozen=True, slots=True)
class HeldAdministration:
    """A planned dose a course amendment held: not given, kept so that outputs can say so."""

    date: dt.date
    cycle: int
    day: int
    drug: str
    route: str
    event: HeldDose

    @property
    def label(self) -> str:
        """``C2 D15``."""
        return f"C{self.cycle} D{self.day}"


@dataclass(frozen=True, slots=True)
class PremedicationDay:
    """A day a drug needs premedication that the schedule does not give."""

    date: dt.date
    cycle: int
    day: int
    need: PremedicationNeeded

    def __str__(self) -> str:
        """``2026-01-06 C1 D2: carfilzomib needs a corticosteroid (...)``."""
        n = self.need
        return (
            f"{self.date.isoformat()} C{self.cycle} D{self.day}: {n.drug} needs a {n.needs} "
            f"({n.timing}); none scheduled that day - order separately ({n.source})"
        )


@immutable("build_schedule(...)")
@dataclass(frozen=True, slots=True)
class Schedule:
    """A patient's schedule under a protocol: immutable, in date order."""

    protocol: Protocol
    patient: Patient
    start: dt.date
    cycles: int
    cycles_is_default: bool
    bsa_formula: BSAFormula
    bsa_formula_is_default: bool
    bsa_m2: float
    choices: Mapping[str, ResolvedChoice]
    rounding: Mapping[str, RoundingPolicy]
    administrations: tuple[Administration, ...] = field(repr=False)
    plan: Plan = field(repr=False)
    renal: RenalFunction | None = None
    renal_table: str | None = None
    renal_table_is_default: bool = True
    renal_decisions: Mapping[str, RenalDecision] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )
    alerts: tuple[Event, ...] = ()
    premedication: tuple[PremedicationDay, ...] = field(default=(), repr=False)
    amendments: tuple[Amendment, ...] = ()
    course_id: str | None = None
    held: tuple[HeldAdministration, ...] = field(default=(), repr=False)
    closed: tuple[dt.date, ...] = ()

    def __repr__(self) -> str:
        """The schedule on one short line: protocol, patient, cycles, start and size.

        >>> import datetime as dt
        >>> from dosing import Patient, get_protocol
        >>> build_schedule(get_protocol("D-KRd"),
        ...                Patient(height=175, weight=80, identifier="MRN 1"), "2026-01-05",
        ...                today=dt.date(2026, 1, 1))
        <Schedule D-KRd for MRN 1: 8 cycles from 2026-01-05, 266 administrations>
        """
        who = self.patient.identifier
        patient = "" if who is None else f" for {abbreviated(who)}"
        count = self.cycles - self.first_cycle + 1
        cycles = (
            f"{_counted(count, 'cycle')}"
            if self.first_cycle == 1
            else f"cycles {self.first_cycle} to {self.cycles}"
        )
        extras = [_counted(len(self.administrations), "administration")]
        if self.amendments:
            extras.append(_counted(len(self.amendments), "course change"))
        if self.held:
            extras.append(f"{len(self.held)} held")
        return (
            f"<Schedule {self.protocol.id}{patient}: {cycles} from {self.start.isoformat()}, "
            f"{', '.join(extras)}>"
        )

    @property
    def first_cycle(self) -> int:
        """The first cycle on the calendar (1 unless the course starts later)."""
        return self.plan.first_cycle

    @property
    def cycle_numbers(self) -> range:
        """The cycles on the calendar, first to last."""
        return range(self.first_cycle, self.cycles + 1)

    @property
    def bsa(self) -> pint.Quantity[float]:
        """The patient's BSA in m², uncapped, by :attr:`bsa_formula`."""
        from dosing.units import Quantity

        return Quantity(self.bsa_m2, "m**2")

    @property
    def end(self) -> dt.date:
        """The last day of the last cycle."""
        return self.cycle_window(self.cycles)[1]

    def date_of(self, cycle: int, day: int) -> dt.date:
        """The date of ``cycle`` day ``day`` in this course, any delays included."""
        length = self.protocol.cycle_length_days
        origin = self.start - dt.timedelta(days=(self.first_cycle - 1) * length)
        return origin + dt.timedelta(
            days=_offset(self.plan, cycle, day, self.plan.shift(cycle, day))
        )

    def cycle_day(self, date: dt.date) -> tuple[int, int | None] | None:
        """The cycle and day that fall on ``date``.

        The day is ``None`` for a day a delay inserted; the result is ``None`` outside every
        cycle.
        """
        for cycle in self.cycle_numbers:
            first, last = self.cycle_window(cycle)
            if first <= date <= last:
                for day in range(1, self.protocol.cycle_length_days + 1):
                    if self.date_of(cycle, day) == date:
                        return cycle, day
                return cycle, None
        return None

    def cycle_window(self, cycle: int) -> tuple[dt.date, dt.date]:
        """First and last date of ``cycle``, delays included.

        A cycle runs from day 1 to its last day; cycle 1 from its earliest day when a
        protocol gives day 0 or negative days.
        """
        first = self.protocol.earliest_day() if cycle == 1 else 1
        return self.date_of(cycle, first), self.date_of(cycle, self.protocol.cycle_length_days)

    def by_day(self) -> tuple[TreatmentDay, ...]:
        """Administrations grouped by date."""
        days: list[TreatmentDay] = []
        group: list[Administration] = []
        for admin in self.administrations:
            if group and admin.date != group[0].date:
                days.append(TreatmentDay(group[0].date, group[0].cycle, group[0].day, tuple(group)))
                group = []
            group.append(admin)
        if group:
            days.append(TreatmentDay(group[0].date, group[0].cycle, group[0].day, tuple(group)))
        return tuple(days)

    def to_records(self) -> list[dict[str, Any]]:
        """One plain dict per administration, in date order, doses as numbers in mg.

        Keys (:data:`RECORD_FIELDS`): ``date`` (a :class:`datetime.date`), ``weekday``
        (``Mon`` to ``Sun``), ``cycle``, ``day``, ``drug``, ``route``, ``dose_mg`` (the dose
        to give), ``calculated_mg`` (before rounding, unrounded), ``basis`` and ``reason`` as
        the tables write them, and ``event_kinds``, the kinds of the dose's trace events
        (:mod:`dosing.trace`). The same records are :meth:`to_pandas`'s rows.

        >>> import datetime as dt
        >>> from dosing import Patient, get_protocol
        >>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80),
        ...                    "2026-01-05", cycles=1, today=dt.date(2026, 1, 1))
        >>> s.to_records()[0]
        {'date': datetime.date(2026, 1, 5), 'weekday': 'Mon', 'cycle': 1, 'day': 1, 'drug': 'carfilzomib', 'route': 'IV', 'dose_mg': 39.4, 'calculated_mg': 39.4405..., 'basis': '20 mg/m² × 1.972 m² (Mosteller)', 'reason': 'priming dose: 20 mg/m2 on cycle 1 days 1-2, target dose from day 8 if tolerated', 'event_kinds': ['step_up']}
        """
        return [
            {
                "date": a.date,
                "weekday": WEEKDAYS[a.date.weekday()],
                "cycle": a.cycle,
                "day": a.day,
                "drug": a.drug,
                "route": a.route,
                "dose_mg": a.dose.final_mg,
                "calculated_mg": a.dose.calculated_mg,
                "basis": a.dose.basis,
                "reason": a.reason,
                "event_kinds": [e.kind for e in a.reasons],
            }
            for a in self.administrations
        ]

    def to_pandas(self) -> pandas.DataFrame:
        """:meth:`to_records` as a pandas DataFrame, ``date`` as datetime64.

        Needs pandas, which the ``pandas`` extra installs (``pip install 'dosing[pandas]'``);
        without it, a :class:`~dosing.errors.DosingError` says so. pandas is imported here,
        on first use, never by ``import dosing`` or the command line.
        """
        try:
            import pandas
        except ImportError:
            raise DosingError(
                "pandas",
                "installed for Schedule.to_pandas()",
                "no module named 'pandas'",
                "install the extra: pip install 'dosing[pandas]'",
            ) from None
        frame = pandas.DataFrame.from_records(self.to_records(), columns=list(RECORD_FIELDS))
        frame["date"] = pandas.to_datetime(frame["date"])
        return frame

    def by_drug(self) -> dict[str, tuple[Administration, ...]]:
        """Administrations of each drug, in the protocol's drug order."""
        out: dict[str, list[Administration]] = {d.name: [] for d in self.protocol.drugs}
        for admin in self.administrations:
            out[admin.drug].append(admin)
        return {name: tuple(items) for name, items in out.items()}

    def totals(self) -> tuple[DrugTotal, ...]:
        """Per drug and cycle: number of doses, total mg and cumulative mg."""
        out = []
        for drug, items in self.by_drug().items():
            cumulative = 0.0
            for cycle in self.cycle_numbers:
                in_cycle = [a.dose.final_mg for a in items if a.cycle == cycle]
                total = sum(in_cycle)
                cumulative += total
                out.append(DrugTotal(drug, cycle, len(in_cycle), total, cumulative))
        return tuple(out)

    def renal_text(self) -> str:
        """The renal function line every header shows (or that it was not given)."""
        renal_drugs = [d.name for d in self.protocol.drugs if d.renal]
        if self.renal is None:
            if renal_drugs:
                return (
                    f"not given: the {', '.join(renal_drugs)} starting dose was not checked "
                    "against renal function (give serum creatinine, age and sex)"
                )
            return f"not given (no drug of {self.protocol.id} has a renal starting-dose rule)"
        return str(self.renal)

    def renal_dose_lines(self) -> tuple[str, ...]:
        """One line per drug with a renal table: the table used and what it gave."""
        if not self.renal_decisions or self.renal is None:
            return ()
        table = (self.renal_table or DEFAULT_TABLE).upper()
        which = f"{table} table" + (" (default)" if self.renal_table_is_default else "")
        return tuple(
            f"{name}, {which}: {decision.note}" for name, decision in self.renal_decisions.items()
        )

    def age_lines(self) -> tuple[str, ...]:
        """For each choice with an older-patient rule: what the patient's age says about it."""
        out = []
        age = self.patient.age_on(self.start)
        for drug, choice in self.protocol.choices.items():
            older = choice.older_patients
            if older is None:
                continue
            allowed = format_amount(older.value, choice.unit)
            if choice.meaning:
                allowed += f" {choice.meaning}"
            rule = f"over {older.age_above} years the labels allow {drug} {allowed} ({older.source}: {older.citation})"
            if age is None:
                out.append(f"{drug}: age not given, so not checked: {rule}")
            elif age <= older.age_above:
                out.append(
                    f"{drug}: age {age} is not over {older.age_above}; no lower dose suggested"
                )
            elif any(isinstance(a, OlderPatientDose) and a.drug == drug for a in self.alerts):
                continue  # the warning itself is among the alerts
            else:
                out.append(
                    f"{drug}: age {age}, over {older.age_above}: {self.choices[drug]} follows {rule}"
                )
        return tuple(out)

    def course_changes(self) -> tuple[str, ...]:
        """Every amendment of the course in order, with when and why."""
        return tuple(
            f"{a} ({a.why()})"
            + (f"; levels: {self._levels_source(a)}" if a.kind == "reduce" else "")
            for a in self.amendments
        )

    def held_lines(self) -> tuple[str, ...]:
        """Each dose a course held, with the date it would have had and why."""
        return tuple(f"{h.date.isoformat()} {h.label} {h.drug} ({h.event.why})" for h in self.held)

    def _levels_source(self, amendment: Amendment) -> str:
        levels = self.protocol.drug(getattr(amendment, "drug", "")).dose_levels
        return "none" if levels is None else f"{levels.source}: {levels.citation}"

    def drug_notes(self) -> tuple[str, ...]:
        """Each drug's note from the protocol file (premedication, infusion time, hydration)."""
        return tuple(f"{d.name}: {d.note}" for d in self.protocol.drugs if d.note)

    def warnings(self) -> tuple[str, ...]:
        """What a clinician must look at before giving this schedule, one line each."""
        lines = [str(a) for a in self.alerts]
        lines += self.closure_lines()
        seen: set[str] = set()
        for admin in self.administrations:
            for event in admin.dose.events:
                if event.warning:
                    line = f"{admin.drug}: {event}"
                    if line not in seen:
                        seen.add(line)
                        lines.append(line)
        return tuple(lines)

    def closure_lines(self) -> tuple[str, ...]:
        """One line per clinic closure date that holds doses: what falls on it (nothing moved)."""
        if not self.closed:
            return ()
        out = []
        for day in self.by_day():
            if day.date in self.closed:
                drugs = ", ".join(dict.fromkeys(a.drug for a in day.administrations))
                out.append(
                    f"clinic closed on {WEEKDAYS[day.date.weekday()]} {day.date.isoformat()} "
                    f"({day.label}): {drugs} not moved - give elsewhere or record a delay"
                )
        return tuple(out)

    def notes(self) -> tuple[str, ...]:
        """What an order must show besides the doses: defaults, caps, rounding, overrides."""
        notes = []
        formula = self.bsa_formula.label + (
            " (default formula)" if self.bsa_formula_is_default else ""
        )
        notes.append(f"BSA {format_amount(self.bsa_m2, 'm²', decimals=3)} by {formula}")
        cycles = "protocol default" if self.cycles_is_default else "requested"
        notes.append(f"cycles: {self.cycles} ({cycles}; protocol: {self.protocol.cycles_text()})")
        notes.extend(f"choice: {c}" for c in self.choices.values())
        seen: set[str] = set()
        for admin in self.administrations:
            for event in admin.dose.events:
                if event.warning:
                    continue
                line = f"{admin.drug}: {event}"
                if line not in seen:
                    seen.add(line)
                    notes.append(line)
        for drug, policy in self.rounding.items():
            notes.append(f"rounding for {drug}: {policy.describe()}")
        if not self.rounding:
            notes.append(f"rounding: none; doses reported to {REPORTING}")
        notes.extend(f"patient: {o}" for o in self.patient.outliers)
        notes.extend(f"patient: {a}" for a in self.patient.assumed_units)
        return tuple(notes)


def _counted(count: int, noun: str) -> str:
    """``1 cycle``, ``8 cycles``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


_from_ordinal: Final = dt.date.fromordinal


def _offset(plan: Plan, cycle: int, day: int, shift: int) -> int:
    """Days from the course's origin (cycle 1 day 1 before any start cycle) to a cycle day."""
    protocol = plan.protocol
    return day_offset(protocol.cycle_length_days, cycle, day, protocol.anchor_day) + shift


@dataclass(frozen=True, slots=True)
class _Rows:
    """A plan laid out for fast expansion: what every patient's schedule of it shares.

    ``offsets`` are the distinct days from the origin; ``doses`` the distinct
    (drug, rule, weight the amendments fixed) a dose is worked out from; each row is
    (offset index, cycle, day, drug, route, dose index, events with any premedication gap).
    A patient's schedule then needs one date per offset and one dose per dose key.
    """

    offsets: tuple[int, ...]
    doses: tuple[tuple[str, DoseRule, float | None], ...]
    rows: tuple[tuple[int, int, int, str, str, int, tuple[Event, ...]], ...]
    premedication: tuple[tuple[int, int, int, PremedicationNeeded], ...]


def _rows(plan: Plan) -> _Rows:
    gaps = premedication_gaps(plan)
    offsets: dict[int, int] = {}
    keys: dict[tuple[str, int, float | None], int] = {}
    rules: list[tuple[str, DoseRule, float | None]] = []
    rows = []
    premedication = []
    for planned in plan.doses:
        rule = planned.rule
        kg = (
            planned.bsa_weight_kg
            if rule.basis is Basis.PER_M2
            else planned.weight_kg
            if rule.basis is Basis.PER_KG
            else None
        )
        key = (planned.drug, id(rule), kg)
        which = keys.get(key)
        if which is None:
            which = keys[key] = len(rules)
            rules.append((planned.drug, rule, kg))
        offset = _offset(plan, planned.cycle, planned.day, planned.shift)
        at = offsets.setdefault(offset, len(offsets))
        events = planned.events
        gap = gaps.get((planned.cycle, planned.day, planned.drug))
        if gap is not None:
            events = (*events, gap)
            premedication.append((at, planned.cycle, planned.day, gap))
        rows.append((at, planned.cycle, planned.day, planned.drug, planned.route, which, events))
    return _Rows(tuple(offsets), tuple(rules), tuple(rows), tuple(premedication))


def build_schedule(
    protocol: Protocol,
    patient: Patient,
    start: dt.date | str,
    *,
    cycles: int | None = None,
    choices: Mapping[str, object] | None = None,
    bsa_formula: BSAFormula | str | None = None,
    rounding: Mapping[str, RoundingPolicy] | None = None,
    renal_table: str | None = None,
    clearance_weight: WeightPolicy | str | None = None,
    amendments: Sequence[Amendment] = (),
    course_id: str | None = None,
    closed: Iterable[dt.date | str] = (),
    today: dt.date | None = None,
) -> Schedule:
    """Expand ``protocol`` for ``patient`` from ``start`` (cycle 1 day 1).

    ``cycles`` defaults to the protocol's default (shown as such in every output);
    ``choices`` maps a drug to a value in its choice's unit; ``rounding`` maps a drug to a
    rounding policy. ``renal_table`` picks the label whose renal starting-dose table applies
    (``"us"`` unless given) and ``clearance_weight`` the body weight Cockcroft-Gault uses
    (``"actual"`` unless given). ``amendments`` are the course's changes in the order they
    were recorded (:mod:`dosing.course`); ``course_id`` names the course for calendar
    identity. ``closed`` lists dates the clinic is closed (dates or ISO ``YYYY-MM-DD``
    text): nothing is moved, but every dose on one carries a
    :class:`~dosing.trace.ClinicClosed` warning. The start date must lie within 10 years
    before and 5 years after ``today`` (the system date unless given).

    >>> from dosing import Patient, get_protocol
    >>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80), "2026-01-05",
    ...                    cycles=1, closed=["2026-01-06"], today=dt.date(2026, 1, 1))
    >>> [(a.drug, a.events[-1].flag) for a in s.administrations if a.date in s.closed]
    [('carfilzomib', 'closed'), ('lenalidomide', 'closed')]
    """
    _check_types(protocol, patient, choices, rounding)
    first_day = parse_date(start, today=today)
    closed_dates = _closed_dates(closed, today)
    count = cycle_count(protocol, cycles)
    resolved = resolve_choices(protocol, choices)
    formula = BSAFormula.MOSTELLER if bsa_formula is None else BSAFormula.parse(bsa_formula)
    policies = dict(rounding or {})
    known = {d.name for d in protocol.drugs}
    for drug_name in policies:
        if drug_name not in known:
            raise ScheduleError(
                "rounding",
                f"keyed by a drug of {protocol.id} ({', '.join(sorted(known))})",
                repr(drug_name),
            )
    function = assess(patient, on=first_day, weight_policy=clearance_weight)
    decisions = decide(protocol, function, resolved, table=renal_table)
    base = plan = build_plan(protocol, resolved, cycles=count)
    plan = with_renal_starting_doses(
        plan,
        {
            name: (d.row, d.event)
            for name, d in decisions.items()
            if d.row is not None and d.event is not None
        },
    )
    amendments = tuple(amendments)
    if amendments:  # the course module is imported only for a course that has changes
        from dosing.course import apply as apply_amendments

        plan = apply_amendments(
            plan,
            amendments,
            baseline_kg=patient.weight.magnitude,
            weigh=lambda text: float(patient.replace(weight=text).weight.magnitude),
        )
    if course_id is not None and not _COURSE_ID.match(str(course_id)):
        raise ScheduleError(
            "course_id", "2 to 64 letters, digits, '-', '_' or '.'", repr(course_id)
        )
    rows = (
        protocol.memo(("rows", count, tuple(sorted(resolved.items()))), lambda: _rows(base))
        if plan is base  # the shared plan of the protocol, choices and cycles: rows kept with it
        else _rows(plan)
    )
    bsa = patient.bsa(formula).magnitude
    weight = patient.weight.magnitude
    height = patient.height.magnitude
    strengths = {d.name: d.strengths for d in protocol.drugs}
    doses = [
        dose_from_measure(
            rule,
            (
                (bsa if kg is None else bsa_m2(height, kg, formula))
                if rule.basis is Basis.PER_M2
                else (weight if kg is None else kg)
                if rule.basis is Basis.PER_KG
                else None
            ),
            formula=formula if rule.basis is Basis.PER_M2 else None,
            rounding=policies.get(drug),
            strengths_mg=strengths[drug],
        )
        for drug, rule, kg in rows.doses
    ]
    length = protocol.cycle_length_days
    origin = (first_day - dt.timedelta(days=(plan.first_cycle - 1) * length)).toordinal()
    dates = [_from_ordinal(origin + offset) for offset in rows.offsets]
    new = tuple.__new__
    administrations = [
        new(Administration, (dates[at], cycle, day, drug, route, doses[which], events))
        for at, cycle, day, drug, route, which, events in rows.rows
    ]
    premedication = [
        PremedicationDay(dates[at], cycle, day, gap) for at, cycle, day, gap in rows.premedication
    ]
    alerts = _older_patient_alerts(protocol, resolved, patient, first_day)
    if alerts:  # each warning also stands on every dose it is about
        about = {getattr(a, "drug", None): a for a in alerts}
        administrations = [
            a._replace(events=(*a.events, about[a.drug])) if a.drug in about else a
            for a in administrations
        ]
    # No sort is needed: the plan runs in cycle and day order, and delays only ever add to the
    # days after their point, so the dates already run forward.
    if closed_dates:  # warned on every dose, moved nowhere
        administrations = [
            a._replace(events=(*a.events, ClinicClosed(a.date.isoformat(), a.weekday)))
            if a.date in closed_dates
            else a
            for a in administrations
        ]
    held = tuple(
        HeldAdministration(
            _from_ordinal(origin + _offset(plan, d.cycle, d.day, plan.shift(d.cycle, d.day))),
            d.cycle,
            d.day,
            d.drug,
            d.route,
            e,
        )
        for d, e in plan.held
        if isinstance(e, HeldDose)
    )
    return Schedule(
        protocol=protocol,
        patient=patient,
        start=first_day,
        cycles=count,
        cycles_is_default=cycles is None,
        bsa_formula=formula,
        bsa_formula_is_default=bsa_formula is None,
        bsa_m2=bsa,
        choices=resolved,
        rounding=MappingProxyType(policies),
        administrations=tuple(administrations),
        plan=plan,
        renal=function,
        renal_table=(renal_table or DEFAULT_TABLE).strip().lower() if decisions else None,
        renal_table_is_default=renal_table is None,
        renal_decisions=MappingProxyType(decisions),
        alerts=alerts,
        premedication=tuple(premedication),
        amendments=amendments,
        course_id=course_id,
        held=held,
        closed=closed_dates,
    )


def _closed_dates(closed: object, today: dt.date | None) -> tuple[dt.date, ...]:
    """The clinic closure dates, each read as :func:`parse_date` reads a start, sorted, once each."""
    if isinstance(closed, str | dt.date) or not isinstance(closed, Iterable):
        raise DateError(
            "closed",
            "a list of dates or ISO YYYY-MM-DD texts",
            repr(closed)[:80],
            "put a single date in a list",
        )
    days: set[dt.date] = set()
    for value in closed:
        days.add(parse_date(value, field="closed", today=today))
        if len(days) > MAX_CLOSED_DATES:
            raise DateError("closed", f"at most {MAX_CLOSED_DATES} dates", "more")
    return tuple(sorted(days))


def _older_patient_alerts(
    protocol: Protocol, choices: Mapping[str, ResolvedChoice], patient: Patient, on: dt.date
) -> tuple[Event, ...]:
    """A warning for each choice above what the labels allow at the patient's age."""
    age = patient.age_on(on)
    out: list[Event] = []
    for drug, choice in protocol.choices.items():
        older = choice.older_patients
        chosen = choices[drug]
        if older is None or age is None or age <= older.age_above or chosen.value <= older.value:
            continue
        meaning = f" {choice.meaning}" if choice.meaning else ""
        out.append(
            OlderPatientDose(
                drug=drug,
                age=age,
                age_above=older.age_above,
                chosen=f"{format_amount(chosen.value, choice.unit)}{meaning}",
                allowed=f"{format_amount(older.value, choice.unit)}{meaning}",
                value=format_amount(older.value, choice.unit).split(" ")[0],
                source=f"{older.source}: {older.citation}",
            )
        )
    return tuple(out)


def _check_types(protocol: object, patient: object, choices: object, rounding: object) -> None:
    """Refuse arguments of the wrong kind with a DosingError instead of a crash further in."""
    from dosing.patient import Patient

    if not isinstance(protocol, Protocol):
        raise ScheduleError(
            "protocol", "a dosing.Protocol (see get_protocol)", type(protocol).__name__
        )
    if not isinstance(patient, Patient):
        raise ScheduleError("patient", "a dosing.Patient", type(patient).__name__)
    if choices is not None and not isinstance(choices, Mapping):
        raise ScheduleError(
            "choices", "a mapping of drug to value, e.g. {'carfilzomib': 36}", repr(choices)
        )
    if rounding is None:
        return
    if not isinstance(rounding, Mapping):
        raise ScheduleError("rounding", "a mapping of drug to rounding policy", repr(rounding))
    for drug, policy in rounding.items():
        if not all(hasattr(policy, name) for name in ("propose", "describe", "tolerance")):
            raise ScheduleError(
                f"rounding[{drug!r}]",
                "a rounding policy (NearestIncrement, OralStrengths, VialBanding)",
                repr(policy),
            )


def cycle_count(protocol: Protocol, cycles: object) -> int:
    """The number of cycles to schedule: ``cycles`` checked against the protocol, or its default.

    >>> from dosing.catalogue import get_protocol
    >>> cycle_count(get_protocol("KRd"), None), cycle_count(get_protocol("KRd"), 3)
    (8, 3)
    """
    if cycles is None:
        return protocol.cycles.default
    maximum = protocol.max_cycles()
    where = f"{protocol.id} allows 1 to {maximum}" + (
        ""
        if protocol.cycles.maximum == maximum
        else " (the library's limit; the protocol states no maximum)"
        if protocol.cycles.maximum is None
        else ""
    )
    if isinstance(cycles, bool) or not isinstance(cycles, int):
        raise ScheduleError("cycles", f"a whole number ({where})", repr(cycles))
    if not 1 <= cycles <= maximum:
        raise ScheduleError("cycles", f"between 1 and {maximum}", str(cycles), where)
    return cycles
