"""The schedule engine: protocol × patient × start date → dated administrations.

Cycle *n* starts on ``start + (n − 1) × cycle length``; day *d* of a cycle falls ``d − 1``
days after the cycle's start (so day 0 is the day before day 1, and day −5 five days before
day 0). Each dose is worked out once per distinct rule and shared by every administration
that uses it; a schedule is immutable.

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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from dosing.bsa import BSAFormula
from dosing.dose import Basis, Dose, DoseRule, RoundingPolicy, dose_from_measure
from dosing.errors import DateError, ScheduleError
from dosing.notation import format_amount
from dosing.protocol import MAX_CYCLES, Protocol, ResolvedChoice, StepUp, resolve_choices

if TYPE_CHECKING:
    import pint

    from dosing.patient import Patient

__all__ = [
    "VERIFICATION_NOTICE",
    "Administration",
    "DrugTotal",
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

#: How far from today a start date may lie, in years: 10 back, 5 ahead.
START_WINDOW_YEARS = (10, 5)

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
    from dateutil.relativedelta import relativedelta

    if today is not None and (isinstance(today, dt.datetime) or not isinstance(today, dt.date)):
        raise DateError("today", "a date (datetime.date)", repr(today))
    today = today or dt.date.today()
    earliest = today - relativedelta(years=START_WINDOW_YEARS[0])
    latest = today + relativedelta(years=START_WINDOW_YEARS[1])
    if not earliest <= day <= latest:
        raise DateError(
            field,
            f"between {earliest.isoformat()} and {latest.isoformat()} "
            f"({START_WINDOW_YEARS[0]} years back, {START_WINDOW_YEARS[1]} ahead)",
            day.isoformat(),
            "check the year",
        )
    return day


@dataclass(frozen=True, slots=True)
class Administration:
    """One dose of one drug on one date."""

    date: dt.date
    cycle: int
    day: int
    drug: str
    route: str
    dose: Dose
    step: str | None = None

    @property
    def label(self) -> str:
        """``C1 D8``."""
        return f"C{self.cycle} D{self.day}"

    @property
    def mg(self) -> pint.Quantity[float]:
        """The dose in mg."""
        return self.dose.mg

    @property
    def reason(self) -> str:
        """Why this dose differs from the plain rule: step-up, cap, rounding (or ``""``)."""
        parts = [self.step] if self.step else []
        parts.extend(self.dose.notes)
        parts.extend(self.dose.warnings)
        return "; ".join(parts)


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

    @property
    def bsa(self) -> pint.Quantity[float]:
        """The patient's BSA in m², uncapped, by :attr:`bsa_formula`."""
        from dosing.units import Quantity

        return Quantity(self.bsa_m2, "m**2")

    @property
    def end(self) -> dt.date:
        """The last day of the last cycle."""
        return self.cycle_window(self.cycles)[1]

    def cycle_window(self, cycle: int) -> tuple[dt.date, dt.date]:
        """First and last date of ``cycle`` (day 1 to the cycle's last day)."""
        length = self.protocol.cycle_length_days
        first = self.start + dt.timedelta(days=(cycle - 1) * length)
        return first, first + dt.timedelta(days=length - 1)

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
            for cycle in range(1, self.cycles + 1):
                in_cycle = [a.dose.final_mg for a in items if a.cycle == cycle]
                total = sum(in_cycle)
                cumulative += total
                out.append(DrugTotal(drug, cycle, len(in_cycle), total, cumulative))
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
            for text in (*admin.dose.notes, *admin.dose.warnings):
                line = f"{admin.drug}: {text}"
                if line not in seen:
                    seen.add(line)
                    notes.append(line)
        for drug, policy in self.rounding.items():
            notes.append(f"rounding for {drug}: {policy.describe()}")
        if not self.rounding:
            notes.append("rounding: none; doses reported to 0.1 mg (0.01 mg under 1 mg)")
        notes.extend(f"patient: {o}" for o in self.patient.outliers)
        notes.extend(f"patient: {a}" for a in self.patient.assumed_units)
        return tuple(notes)


def build_schedule(
    protocol: Protocol,
    patient: Patient,
    start: dt.date | str,
    *,
    cycles: int | None = None,
    choices: Mapping[str, object] | None = None,
    bsa_formula: BSAFormula | str | None = None,
    rounding: Mapping[str, RoundingPolicy] | None = None,
    today: dt.date | None = None,
) -> Schedule:
    """Expand ``protocol`` for ``patient`` from ``start`` (cycle 1 day 1).

    ``cycles`` defaults to the protocol's default (shown as such in every output);
    ``choices`` maps a drug to a value in its choice's unit; ``rounding`` maps a drug to a
    rounding policy. The start date must lie within 10 years before and 5 years after
    ``today`` (the system date unless given).
    """
    _check_types(protocol, patient, choices, rounding)
    first_day = parse_date(start, today=today)
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
    bsa = patient.bsa(formula).magnitude
    weight = patient.weight.magnitude
    base_rules = protocol.rules(resolved)
    steps = [(s, protocol.step_up_rule(s)) for s in protocol.step_up]
    doses: dict[tuple[str, DoseRule], Dose] = {}

    def dose_for(drug: str, rule: DoseRule) -> Dose:
        key = (drug, rule)
        found = doses.get(key)
        if found is None:
            measure = (
                bsa
                if rule.basis is Basis.PER_M2
                else weight
                if rule.basis is Basis.PER_KG
                else None
            )
            found = dose_from_measure(
                rule,
                measure,
                formula=formula if rule.basis is Basis.PER_M2 else None,
                rounding=policies.get(drug),
            )
            doses[key] = found
        return found

    length = protocol.cycle_length_days
    start_ordinal = first_day.toordinal()
    administrations: list[Administration] = []
    for cycle in range(1, count + 1):
        cycle_start = start_ordinal + (cycle - 1) * length
        entries: list[tuple[int, int, Administration]] = []
        for order, drug in enumerate(protocol.drugs):
            days = drug.days_in(cycle)
            if not days:
                continue
            base = dose_for(drug.name, base_rules[drug.name])
            overrides = _step_overrides(steps, drug.name, cycle)
            for day in days:
                step = overrides.get(day)
                dose = base if step is None else dose_for(drug.name, step[1])
                admin = Administration(
                    dt.date.fromordinal(cycle_start + day - 1),
                    cycle,
                    day,
                    drug.name,
                    drug.route,
                    dose,
                    None if step is None else step[0].note,
                )
                entries.append((day, order, admin))
        entries.sort(key=lambda e: (e[0], e[1]))
        administrations.extend(e[2] for e in entries)
    return Schedule(
        protocol=protocol,
        patient=patient,
        start=first_day,
        cycles=count,
        cycles_is_default=cycles is None,
        bsa_formula=formula,
        bsa_formula_is_default=bsa_formula is None,
        bsa_m2=bsa,
        choices=MappingProxyType(resolved),
        rounding=MappingProxyType(policies),
        administrations=tuple(administrations),
    )


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


def _step_overrides(
    steps: list[tuple[StepUp, DoseRule]], drug: str, cycle: int
) -> dict[int, tuple[StepUp, DoseRule]]:
    return {
        day: (step, rule)
        for step, rule in steps
        if step.drug == drug and step.cycles.contains(cycle)
        for day in step.days
    }


def cycle_count(protocol: Protocol, cycles: object) -> int:
    """The number of cycles to schedule: ``cycles`` checked against the protocol, or its default.

    >>> from dosing.protocol import get_protocol
    >>> cycle_count(get_protocol("KRd"), None), cycle_count(get_protocol("KRd"), 3)
    (8, 3)
    """
    if cycles is None:
        return protocol.cycles.default
    maximum = protocol.cycles.maximum or MAX_CYCLES
    where = f"{protocol.id} allows 1 to {maximum}" + (
        "" if protocol.cycles.maximum else " (the library's limit; the protocol states no maximum)"
    )
    if isinstance(cycles, bool) or not isinstance(cycles, int):
        raise ScheduleError("cycles", f"a whole number ({where})", repr(cycles))
    if not 1 <= cycles <= maximum:
        raise ScheduleError("cycles", f"between 1 and {maximum}", str(cycles), where)
    return cycles
