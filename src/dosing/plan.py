"""The dateless plan: protocol × choices → the ordered list of planned doses.

One function, :func:`build_plan`, walks drugs × cycles × days once: it takes each drug's
days (or the days a chosen value brings), the dose of each day (the drug's rule, a chosen
value, a block's own dose, or a step-up) and why. Everything else reads the plan: the dated
schedule (:mod:`dosing.schedule`), ``dosing show``, and the checks that need a protocol's
doses day by day (premedication). Changes to a plan - a renal starting dose today, a
patient's course later - are functions from plan to plan that record what they did.

Dates come from one rule, :func:`dose_date`: cycle *n* starts ``(n − 1) × cycle length``
days after the start, and day *d* falls ``d − 1`` days after its cycle's start (so day 0 is
the day before day 1).

>>> from dosing.catalogue import get_protocol
>>> from dosing.protocol import resolve_choices
>>> krd = get_protocol("KRd")
>>> plan = build_plan(krd, resolve_choices(krd), cycles=1)
>>> [(d.label, d.drug, str(d.rule)) for d in plan.doses[:2]]
[('C1 D1', 'carfilzomib', '20 mg/m² (BSA capped at 2.2 m²)'), ('C1 D1', 'lenalidomide', '25 mg')]
>>> [str(e) for e in plan.doses[0].events]
['priming dose: 20 mg/m2 on cycle 1 days 1-2, target dose from day 8 if tolerated']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from dosing.dose import DoseRule
from dosing.errors import ScheduleError
from dosing.protocol import (
    MAX_ADMINISTRATIONS,
    DayBlock,
    Drug,
    Protocol,
    RenalRow,
    ResolvedChoice,
    choice_rule,
)
from dosing.trace import Event, PremedicationNeeded, RenalStartingDose, StepUpDose

__all__ = [
    "Plan",
    "PlannedDose",
    "build_plan",
    "day_offset",
    "dose_date",
    "premedication_gaps",
    "with_renal_starting_doses",
]


def day_offset(cycle_length: int, cycle: int, day: int, anchor: int = 1) -> int:
    """Days from cycle 1 day ``anchor`` to ``day`` of ``cycle``.

    >>> day_offset(28, 2, 1), day_offset(28, 1, -5, anchor=0)
    (28, -5)
    """
    return (cycle - 1) * cycle_length + day - anchor


def dose_date(start: dt.date, cycle_length: int, cycle: int, day: int, anchor: int = 1) -> dt.date:
    """The date of ``day`` of ``cycle`` for a course whose cycle 1 day ``anchor`` is ``start``.

    The anchor is day 1 unless a protocol counts from another day (day 0, an infusion).

    >>> dose_date(dt.date(2026, 1, 5), 28, 2, 1), dose_date(dt.date(2026, 1, 5), 28, 1, -5)
    (datetime.date(2026, 2, 2), datetime.date(2025, 12, 30))
    >>> dose_date(dt.date(2026, 1, 10), 28, 1, -5, anchor=0)
    datetime.date(2026, 1, 5)
    """
    return start + dt.timedelta(days=day_offset(cycle_length, cycle, day, anchor))


@dataclass(frozen=True, slots=True)
class PlannedDose:
    """One dose of one drug on one cycle day, with its rule and the reasons for it.

    A course may move it ``shift`` days later, and give it a weight (``weight_kg``, for a
    dose per kg) or a weight to recalculate the BSA from (``bsa_weight_kg``); ``None`` is the
    patient's baseline.
    """

    cycle: int
    day: int
    drug: str
    route: str
    rule: DoseRule
    chosen: bool = False
    events: tuple[Event, ...] = ()
    shift: int = 0
    weight_kg: float | None = None
    bsa_weight_kg: float | None = None

    @property
    def label(self) -> str:
        """``C1 D8``."""
        return f"C{self.cycle} D{self.day}"


@dataclass(frozen=True, slots=True)
class Plan:
    """A protocol's planned doses for ``cycles`` cycles with the given choices, in order.

    A course's amendments (:mod:`dosing.course`) leave ``doses`` without the held ones,
    which are kept in ``held`` with their reason; ``first_cycle`` is where the calendar
    begins, and ``delays`` the (point, days) pairs every date moves by.
    """

    protocol: Protocol
    cycles: int
    choices: Mapping[str, ResolvedChoice]
    doses: tuple[PlannedDose, ...]
    held: tuple[tuple[PlannedDose, Event], ...] = ()
    first_cycle: int = 1
    delays: tuple[tuple[tuple[int, int], int], ...] = ()

    def in_cycle(self, cycle: int) -> tuple[PlannedDose, ...]:
        """The planned doses of one cycle, in day and drug order."""
        return tuple(d for d in self.doses if d.cycle == cycle)

    def shift(self, cycle: int, day: int) -> int:
        """How many days the course's delays move ``cycle`` day ``day``."""
        return sum(days for point, days in self.delays if (cycle, day) >= point)


def _drug_blocks(
    drug: Drug, choices: Mapping[str, ResolvedChoice], protocol: Protocol
) -> tuple[tuple[DayBlock, ...], DoseRule, bool]:
    """The blocks a drug follows and its base rule (the chosen value's, if a choice gives it)."""
    choice = choices.get(drug.name)
    if choice is None:
        assert drug.rule is not None  # validation: a dose or a choice
        return drug.schedule, drug.rule, False
    blocks = protocol.choices[drug.name].schedule_for(choice.value)
    return blocks or drug.schedule, choice_rule(protocol, choice), True


def build_plan(protocol: Protocol, choices: Mapping[str, ResolvedChoice], *, cycles: int) -> Plan:
    """The planned doses of ``protocol`` over ``cycles`` cycles with resolved ``choices``.

    A plan depends only on its (immutable) inputs, so it is worked out once per protocol,
    choices and cycle count, and shared. Raises :class:`~dosing.errors.ScheduleError` if the
    plan would hold more than :data:`~dosing.protocol.MAX_ADMINISTRATIONS` doses.
    """
    key = ("plan", cycles, tuple(sorted(choices.items())))
    plan: Plan = protocol.memo(key, lambda: _build_plan(protocol, choices, cycles))
    return plan


def _build_plan(protocol: Protocol, choices: Mapping[str, ResolvedChoice], cycles: int) -> Plan:
    most = protocol.most_administrations(cycles)
    if most > MAX_ADMINISTRATIONS:
        raise ScheduleError(
            "cycles",
            f"at most {protocol.max_cycles()} for {protocol.id}",
            str(cycles),
            f"{cycles} cycles would hold up to {most:,} administrations; a schedule may have "
            f"at most {MAX_ADMINISTRATIONS:,}",
        )
    order = {drug.name: i for i, drug in enumerate(protocol.drugs)}
    steps = [(s, protocol.drug(s.drug).with_caps(s.dose)) for s in protocol.step_up]
    step_events = {id(s): StepUpDose(s.note) for s, _ in steps}
    bases = {d.name: _drug_blocks(d, choices, protocol) for d in protocol.drugs}
    doses: list[PlannedDose] = []
    for cycle in range(1, cycles + 1):
        entries: list[PlannedDose] = []
        for drug in protocol.drugs:
            blocks, base, chosen = bases[drug.name]
            overrides = {
                day: (step, rule)
                for step, rule in steps
                if step.drug == drug.name and step.cycles.contains(cycle)
                for day in step.days
            }
            for block in blocks:
                if not block.cycles.contains(cycle):
                    continue
                rule = base if block.dose is None else drug.with_caps(block.dose)
                for day in block.days:
                    step = overrides.get(day)
                    entries.append(
                        PlannedDose(
                            cycle, day, drug.name, drug.route, rule, chosen and block.dose is None
                        )
                        if step is None
                        else PlannedDose(
                            cycle,
                            day,
                            drug.name,
                            drug.route,
                            step[1],
                            False,
                            (step_events[id(step[0])],),
                        )
                    )
        entries.sort(key=lambda d: (d.day, order[d.drug]))
        doses.extend(entries)
    return Plan(protocol, cycles, MappingProxyType(dict(choices)), tuple(doses))


def with_renal_starting_doses(
    plan: Plan, rows: Mapping[str, tuple[RenalRow, RenalStartingDose]]
) -> Plan:
    """``plan`` with each drug in ``rows`` given its renal starting dose, from cycle 1.

    The row's dose replaces the drug's dose on every day, and a row for every 48 hours keeps
    every other one of the drug's days in each cycle, counted from its first (days 1-21
    become 1, 3, 5, ... 21). Each changed dose carries the row's event.
    """
    if not rows:
        return plan
    kept: list[PlannedDose] = []
    first_day: dict[tuple[str, int], int] = {}
    for dose in plan.doses:
        found = rows.get(dose.drug)
        if found is None:
            kept.append(dose)
            continue
        row, event = found
        first = first_day.setdefault((dose.drug, dose.cycle), dose.day)
        if (dose.day - first) % row.every_days == 0:
            kept.append(replace(dose, rule=row.dose, chosen=False, events=(*dose.events, event)))
    return replace(plan, doses=tuple(kept))


def premedication_gaps(plan: Plan) -> dict[tuple[int, int, str], PremedicationNeeded]:
    """The planned doses whose drug needs premedication that no drug that day provides.

    Keyed by (cycle, day, drug). A drug's premedication rule names a role (``corticosteroid``);
    a day is covered when a drug with that role is planned on the same cycle day.
    """
    protocol = plan.protocol
    drugs = {d.name: d for d in protocol.drugs}
    if not any(d.premedication for d in drugs.values()):
        return {}
    roles: dict[tuple[int, int], set[str]] = {}
    for dose in plan.doses:
        given = drugs[dose.drug].roles
        if given:
            roles.setdefault((dose.cycle, dose.day), set()).update(given)
    gaps: dict[tuple[int, int, str], PremedicationNeeded] = {}
    for dose in plan.doses:
        rule = drugs[dose.drug].premedication
        if rule is None or not rule.cycles.contains(dose.cycle):
            continue
        if rule.needs in roles.get((dose.cycle, dose.day), ()):
            continue
        gaps[(dose.cycle, dose.day, dose.drug)] = PremedicationNeeded(
            dose.drug, rule.needs, rule.timing, f"{rule.source}: {rule.citation}"
        )
    return gaps
