"""What every export shows: the header block and one row per administration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dosing.errors import DateError
from dosing.notation import format_amount, plain_number, report_decimals
from dosing.protocol import Protocol
from dosing.schedule import VERIFICATION_NOTICE, WEEKDAYS, Administration, Schedule

__all__ = ["COLUMNS", "Header", "Row", "header", "protocol_text", "row", "rows", "weekend_lines"]

#: Table columns, in order. ``weekday`` is ``Mon`` to ``Sun``; ``basis`` shows the
#: calculation; ``reason`` any modification.
COLUMNS = (
    "date",
    "weekday",
    "cycle",
    "day",
    "drug",
    "dose",
    "unit",
    "route",
    "basis",
    "calculated",
    "reason",
)


@dataclass(frozen=True, slots=True)
class Header:
    """The order header: ``fields`` as (label, text) pairs, what to check, notes, the notice.

    ``warnings`` are what a clinician must look at (an older patient's dose, a dose no
    capsule makes, a rounding refused, a dose on a clinic closure date); ``premedication``
    the days a drug needs premedication the schedule does not give; ``weekend`` each drug's
    doses on a Saturday or Sunday; ``drug_notes`` the protocol's notes on each drug
    (premedication, infusion time, hydration).
    """

    title: str
    fields: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    protocol_notes: tuple[str, ...]
    notice: str = VERIFICATION_NOTICE
    warnings: tuple[str, ...] = ()
    premedication: tuple[str, ...] = ()
    drug_notes: tuple[str, ...] = ()
    course_changes: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    weekend: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The header as lines of text: title, fields, warnings, premedication, notes, the notice."""
        out = [self.title]
        out += [f"{label}: {text}" for label, text in self.fields]
        out += [f"course change {i}: {c}" for i, c in enumerate(self.course_changes, 1)]
        out += [f"held, not given: {h}" for h in self.held]
        out += [f"WARNING: {w}" for w in self.warnings]
        out += [f"weekend doses: {w}" for w in self.weekend]
        out += [f"premedication to order separately: {p}" for p in self.premedication]
        out += [f"note: {n}" for n in self.notes]
        out += [f"drug note: {n}" for n in self.drug_notes]
        out += [f"protocol note: {n}" for n in self.protocol_notes]
        out.append(f"NOTICE: {self.notice}")
        return out


def generated_text(generated_at: dt.datetime | None) -> str:
    """The generation time as ISO 8601 UTC (``2026-01-05T09:00:00Z``)."""
    if generated_at is not None and not isinstance(generated_at, dt.datetime):
        raise DateError("generated_at", "a time-zone-aware datetime", repr(generated_at))
    moment = generated_at or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DateError(
            "generated_at", "a time-zone-aware datetime", repr(moment), "add tzinfo, e.g. UTC"
        )
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def protocol_text(protocol: Protocol) -> str:
    """The protocol as a header shows it: id, name, setting and where it came from."""
    p = protocol
    origin = "built in" if p.origin.startswith("builtin:") else f"from {p.origin}"
    return f"{p.id}: {p.name} ({p.setting}); {origin}"


def header(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> Header:
    """The header block an oncology order shows for ``schedule``."""
    p = schedule.protocol
    fields: list[tuple[str, str]] = []
    for label, text in schedule.patient.describe().items():
        fields.append((f"patient {label}" if label == "identifier" else label, text))
    formula = schedule.bsa_formula.label + (" (default)" if schedule.bsa_formula_is_default else "")
    fields.append(("BSA", f"{format_amount(schedule.bsa_m2, 'm²', decimals=3)} ({formula})"))
    fields.append(("protocol", protocol_text(p)))
    choices = "; ".join(str(c) for c in schedule.choices.values()) or "none"
    fields.append(("choices", choices))
    cycle_note = "protocol default" if schedule.cycles_is_default else "requested"
    fields.append(
        (
            "cycles",
            f"{schedule.cycles} ({cycle_note}) of {p.cycle_length_days} days, "
            f"{schedule.cycle_window(schedule.first_cycle)[0].isoformat()} to "
            f"{schedule.end.isoformat()}",
        )
    )
    if p.anchor_day != 1:
        fields.append(
            (
                "start",
                f"{schedule.start.isoformat()} is cycle 1 day {p.anchor_day}, the day this "
                f"protocol counts from; earlier days fall before it",
            )
        )
    if schedule.amendments or schedule.course_id:
        changes = len(schedule.amendments)
        fields.append(
            (
                "course",
                (f"{schedule.course_id}; " if schedule.course_id else "")
                + f"{changes} change{'s' if changes != 1 else ''} to the plan, listed below",
            )
        )
    if schedule.first_cycle > 1:
        fields.append(
            (
                "first cycle",
                f"the calendar begins at cycle {schedule.first_cycle} on "
                f"{schedule.start.isoformat()}; earlier cycles were given elsewhere",
            )
        )
    if schedule.closed:
        on = sum(a.date in schedule.closed for a in schedule.administrations)
        fields.append(
            (
                "clinic closed",
                ", ".join(f"{WEEKDAYS[d.weekday()]} {d.isoformat()}" for d in schedule.closed)
                + f"; doses on {'it' if len(schedule.closed) == 1 else 'them'}: {on}, none moved",
            )
        )
    fields.append(("renal function", schedule.renal_text()))
    fields.extend(("renal starting dose", line) for line in schedule.renal_dose_lines())
    fields.extend(("age check", line) for line in schedule.age_lines())
    fields.append(("generated", generated_text(generated_at)))
    fields.append(("sources", p.source_text()))
    return Header(
        title=f"{p.id} dosing calendar",
        fields=tuple(fields),
        notes=schedule.notes(),
        protocol_notes=p.notes,
        warnings=schedule.warnings(),
        premedication=tuple(str(day) for day in schedule.premedication),
        drug_notes=schedule.drug_notes(),
        course_changes=schedule.course_changes(),
        held=schedule.held_lines(),
        weekend=weekend_lines(schedule),
    )


def weekend_lines(schedule: Schedule) -> tuple[str, ...]:
    """Per drug, every dose on a Saturday or Sunday: ``carfilzomib IV, 2 doses: Sat ... (C1 D2)``."""
    out: dict[tuple[str, str], list[Administration]] = {}
    for admin in schedule.administrations:
        if admin.on_weekend:
            out.setdefault((admin.drug, admin.route), []).append(admin)
    return tuple(
        f"{drug} {route}, {len(items)} dose{'s' if len(items) != 1 else ''}: "
        + ", ".join(f"{a.weekday} {a.date.isoformat()} ({a.label})" for a in items)
        for (drug, route), items in out.items()
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One administration as text cells, in :data:`COLUMNS` order, plus the dose number."""

    date: str
    weekday: str
    cycle: int
    day: int
    drug: str
    dose: str
    unit: str
    route: str
    basis: str
    calculated: str
    reason: str
    dose_mg: float

    def cells(self) -> tuple[str, ...]:
        """The row's cells as text, in :data:`COLUMNS` order."""
        return (
            self.date,
            self.weekday,
            str(self.cycle),
            str(self.day),
            self.drug,
            self.dose,
            self.unit,
            self.route,
            self.basis,
            self.calculated,
            self.reason,
        )


def row(admin: Administration) -> Row:
    """One administration as a table row."""
    dose = admin.dose
    return Row(
        date=admin.date.isoformat(),
        weekday=admin.weekday,
        cycle=admin.cycle,
        day=admin.day,
        drug=admin.drug,
        dose=plain_number(dose.final_mg, decimals=max(2, report_decimals(dose.final_mg))),
        unit="mg",
        route=admin.route,
        basis=dose.basis,
        calculated=plain_number(dose.calculated_mg),
        reason=admin.reason,
        dose_mg=dose.final_mg,
    )


def rows(schedule: Schedule) -> list[Row]:
    """Every administration of ``schedule`` as a row, in date order."""
    cache: dict[tuple[int, tuple[object, ...]], Row] = {}
    out = []
    for admin in schedule.administrations:
        key = (id(admin.dose), admin.events)
        template = cache.get(key)
        if template is None:
            template = cache[key] = row(admin)
        out.append(
            Row(
                admin.date.isoformat(),
                admin.weekday,
                admin.cycle,
                admin.day,
                admin.drug,
                template.dose,
                template.unit,
                admin.route,
                template.basis,
                template.calculated,
                template.reason,
                template.dose_mg,
            )
        )
    return out
