"""Dispensing: per cycle, what each drug's doses add up to and what to hand out for them.

For every cycle, drug and dose: the cycle days, the number of doses, the total mg and the
quantity to dispense. Units are counted only where their sizes are stated - a drug's
``strengths`` in the protocol file (capsules, tablets) or the sizes of a rounding policy
(:class:`~dosing.dose.OralStrengths`, :class:`~dosing.dose.VialBanding`); no size is ever
assumed, and a drug without stated sizes is given as its total mg. A dose is made of the
fewest whole units; vials, of which part may be drawn, hold the dose with the least left
over, and what is left over is said.

>>> import datetime as dt
>>> from dosing import Patient, build_schedule, get_protocol
>>> s = build_schedule(get_protocol("D-KRd"), Patient(height=175, weight=80), "2026-01-05",
...                    cycles=1, today=dt.date(2026, 1, 1))
>>> lenalidomide = next(d for d in dispensing(s) if d.drug == "lenalidomide")
>>> lenalidomide.days_text(), lenalidomide.doses, lenalidomide.quantity_text()
('1-21', 21, '21 capsules of 25 mg')
>>> next(d for d in dispensing(s) if d.drug == "dexamethasone").quantity_text()
'160 mg in total; no capsule or tablet strengths stated'
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from dosing.dose import OralStrengths, VialBanding, units_for
from dosing.notation import format_amount, format_number
from dosing.protocol import Drug
from dosing.schedule import Administration, Schedule

__all__ = ["Dispensing", "UnitCount", "days_text", "dispensing"]


@dataclass(frozen=True, slots=True)
class UnitCount:
    """``count`` units of ``size_mg`` each."""

    size_mg: float
    count: int


@dataclass(frozen=True, slots=True)
class Dispensing:
    """One drug at one dose in one cycle: its days and what to dispense for them.

    ``unit`` is the unit's name (``capsule``, ``tablet``, ``capsule or tablet``, ``vial``,
    ``unit``) and ``sizes_from`` where its sizes are stated; both are ``None`` when no sizes
    are. ``per_dose`` is what makes one dose (empty when whole units cannot make it), and
    ``covers`` says the vials hold more than the dose.
    """

    cycle: int
    drug: str
    route: str
    dose_mg: float
    days: tuple[int, ...]
    dates: tuple[dt.date, ...]
    unit: str | None = None
    sizes_from: str | None = None
    sizes_mg: tuple[float, ...] = ()
    per_dose: tuple[UnitCount, ...] = ()
    covers: bool = False

    @property
    def doses(self) -> int:
        """The number of doses."""
        return len(self.dates)

    @property
    def total_mg(self) -> float:
        """The mg of all the doses together."""
        return self.dose_mg * self.doses

    @property
    def quantity(self) -> tuple[UnitCount, ...]:
        """The units to dispense for every dose, by size (empty when none can be counted)."""
        return tuple(UnitCount(u.size_mg, u.count * self.doses) for u in self.per_dose)

    def days_text(self) -> str:
        """The cycle days: ``1-21``, ``1-2, 8-9, 15-16``, ``1-21 every other day``."""
        return days_text(self.days)

    def quantity_text(self) -> str:
        """What to dispense, in words: ``21 capsules of 25 mg``, or the total mg and why."""
        total = format_amount(self.total_mg, "mg")
        if self.unit is None:
            what = "vial sizes" if self.route != "PO" else "capsule or tablet strengths"
            return f"{total} in total; no {what} stated"
        if not self.per_dose:
            listed = ", ".join(format_number(s) for s in self.sizes_mg)
            return (
                f"{total} in total; no whole number of {_PLURAL[self.unit]} of {listed} mg makes "
                f"{format_amount(self.dose_mg, 'mg')} - check the dose"
            )
        text = " + ".join(_units(u.count, self.unit, u.size_mg) for u in self.quantity)
        if len(self.per_dose) > 1 or self.per_dose[0].count > 1 or self.covers:
            made = " + ".join(
                f"{u.count} × {format_amount(u.size_mg, 'mg')}" for u in self.per_dose
            )
            text += f" ({made} per dose"
            if self.covers:
                held = sum(u.size_mg * u.count for u in self.per_dose)
                text += (
                    f"; holds {format_amount(held, 'mg')}, "
                    f"{format_amount(held - self.dose_mg, 'mg')} left over"
                )
            text += ")"
        return text


_PLURAL = {
    "capsule": "capsules",
    "tablet": "tablets",
    "capsule or tablet": "capsules or tablets",
    "vial": "vials",
    "unit": "units",
}


def _units(count: int, unit: str, size_mg: float) -> str:
    return f"{count} {unit if count == 1 else _PLURAL[unit]} of {format_amount(size_mg, 'mg')}"


def days_text(days: tuple[int, ...]) -> str:
    """Cycle days in short: runs as ``1-21``, every other day said so, others listed.

    A range that starts before day 1 is written ``-2 to -1``.

    >>> days_text((1, 2, 8, 9, 15, 16)), days_text((1, 3, 5, 7, 9)), days_text((1, 8, 15, 22))
    ('1-2, 8-9, 15-16', '1-9 every other day', '1, 8, 15, 22')
    """

    def span(first: int, last: int) -> str:
        return f"{first}-{last}" if first >= 0 else f"{first} to {last}"

    unique = sorted(set(days))
    if len(unique) >= 4 and all(b - a == 2 for a, b in itertools.pairwise(unique)):
        return f"{span(unique[0], unique[-1])} every other day"
    runs: list[list[int]] = []
    for d in unique:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(span(r[0], r[-1]) if len(r) > 1 else str(r[0]) for r in runs)


def _sizes(schedule: Schedule, drug: Drug | None) -> tuple[tuple[float, ...], str, str, bool]:
    """The unit sizes of a drug, the unit's name, where the sizes come from, whether vials."""
    if drug is None:
        return (), "", "", False
    policy = schedule.rounding.get(drug.name)
    form = {"capsule": "capsule", "tablet": "tablet"}.get(drug.form or "")
    oral = form or ("capsule or tablet" if drug.route == "PO" else "unit")
    if isinstance(policy, VialBanding):
        return tuple(policy.vial_sizes_mg), "vial", "rounding policy", True
    if isinstance(policy, OralStrengths):
        return tuple(policy.strengths_mg), oral, "rounding policy", False
    if drug.strengths:
        return tuple(drug.strengths), oral, "protocol strengths", False
    return (), "", "", False


def dispensing(schedule: Schedule) -> tuple[Dispensing, ...]:
    """Per cycle, then drug (protocol order), then dose: the days and what to dispense."""
    drugs = {d.name: d for d in schedule.protocol.drugs}
    order = {name: i for i, name in enumerate(drugs)}
    groups: dict[tuple[int, str, str, float], list[Administration]] = {}
    for admin in schedule.administrations:
        groups.setdefault((admin.cycle, admin.drug, admin.route, admin.dose.final_mg), []).append(
            admin
        )
    out = []
    for (cycle, drug, route, mg), admins in sorted(
        groups.items(),
        key=lambda item: (item[0][0], order.get(item[0][1], len(order)), item[1][0].date),
    ):
        sizes, unit, source, vials = _sizes(schedule, drugs.get(drug))
        made = units_for(mg, sizes, cover=vials) if sizes else None
        exact = made is not None and abs(sum(s * n for s, n in made) - mg) < 1e-6
        out.append(
            Dispensing(
                cycle=cycle,
                drug=drug,
                route=route,
                dose_mg=mg,
                days=tuple(a.day for a in admins),
                dates=tuple(a.date for a in admins),
                unit=unit or None,
                sizes_from=source or None,
                sizes_mg=sizes,
                per_dose=tuple(UnitCount(s, n) for s, n in made or ()),
                covers=made is not None and not exact,
            )
        )
    return tuple(out)
