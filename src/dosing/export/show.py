"""A protocol as a readable cycle-by-day table (what ``dosing show`` prints).

Consecutive cycles with the same days and doses are shown once, as a range.

>>> from dosing.catalogue import get_protocol
>>> print(protocol_text(get_protocol("Kd-weekly")).split("\\n\\n")[1])
Cycle 1
  day  drug           dose                             route  note
  1    carfilzomib    20 mg/m² (BSA capped at 2.2 m²)  IV     priming dose: 20 mg/m2 on cycle 1 day 1, target dose from day 8 if tolerated
  1    dexamethasone  40 mg (choice)                   PO
  8    carfilzomib    70 mg/m² (BSA capped at 2.2 m²)  IV
  8    dexamethasone  40 mg (choice)                   PO
  15   carfilzomib    70 mg/m² (BSA capped at 2.2 m²)  IV
  15   dexamethasone  40 mg (choice)                   PO
  22   dexamethasone  40 mg (choice)                   PO
"""

from __future__ import annotations

from dosing._text import one_line
from dosing.export.table import aligned
from dosing.grammar import MAX_CYCLES
from dosing.notation import format_amount
from dosing.plan import Plan, build_plan
from dosing.protocol import Protocol, resolve_choices

__all__ = ["protocol_text"]

_Line = tuple[str, str, str, str, str]


def _cycle_lines(plan: Plan, cycle: int) -> tuple[_Line, ...]:
    return tuple(
        (
            str(d.day),
            d.drug,
            str(d.rule) + (" (choice)" if d.chosen else ""),
            d.route,
            "; ".join(str(e) for e in d.events),
        )
        for d in plan.in_cycle(cycle)
    )


def protocol_text(protocol: Protocol) -> str:
    """The protocol as text: header, one table per group of identical cycles, choices, notes."""
    p = protocol
    out = [
        f"{p.id}: {p.name}",
        f"setting: {p.setting}; {p.cycle_length_days}-day cycles; cycles: {p.cycles_text()}",
    ]
    if p.aliases:
        out.append(f"aliases: {', '.join(p.aliases)}")
    out.extend(f"source [{s.tag}]: {s.citation}" for s in p.sources)
    day_blocks = [b for d in p.drugs for b in d.schedule]
    day_blocks += [b for c in p.choices.values() for v in c.schedules.values() for b in v]
    ranges = [b.cycles for b in day_blocks] + [s.cycles for s in p.step_up]
    starts = {r.first for r in ranges}
    ends = {r.last for r in ranges if r.last is not None}
    horizon = min(max(starts | {e + 1 for e in ends} | {1}), MAX_CYCLES, p.max_cycles())
    plan = build_plan(p, resolve_choices(p), cycles=horizon)
    groups: list[tuple[int, int | None, tuple[_Line, ...]]] = []
    for cycle in range(1, horizon + 1):
        lines = _cycle_lines(plan, cycle)
        if groups and groups[-1][2] == lines:
            groups[-1] = (groups[-1][0], cycle, lines)
        else:
            groups.append((cycle, cycle, lines))
    blocks = []
    for index, (first, last, lines) in enumerate(groups):
        open_ended = index == len(groups) - 1
        if open_ended:
            label = f"Cycles {first}+" if first != 1 else "Every cycle"
        else:
            label = f"Cycle {first}" if first == last else f"Cycles {first}-{last}"
        table = [("day", "drug", "dose", "route", "note"), *lines]
        rendered = [label, *aligned(table, indent="  ")]
        if not lines:
            rendered.append("  (no doses)")
        blocks.append("\n".join(rendered))
    out_text = "\n".join(map(one_line, out)) + "\n\n" + "\n\n".join(blocks)
    extra = []
    for drug, choice in p.choices.items():
        allowed = ", ".join(format_amount(v, choice.unit) for v in choice.allowed)
        line = f"choice {drug}: {allowed}; default {format_amount(choice.default, choice.unit)}"
        extra.append(line + (f" ({choice.note})" if choice.note else ""))
        older = choice.older_patients
        if older is not None:
            extra.append(
                f"choice {drug}: over {older.age_above} years the labels allow "
                f"{format_amount(older.value, choice.unit)} ({older.source}: {older.citation})"
            )
    for d in p.drugs:
        if d.strengths:
            listed = ", ".join(format_amount(s, "mg") for s in d.strengths)
            extra.append(f"strengths {d.name}: {listed}")
        if d.premedication is not None:
            rule = d.premedication
            extra.append(
                f"premedication {d.name}: a {rule.needs} the same day in cycles {rule.cycles} "
                f"({rule.timing}; {rule.source}: {rule.citation})"
            )
        for row in d.renal:
            every = "daily" if row.every_days == 1 else f"every {row.every_days * 24} hours"
            extra.append(
                f"renal {d.name} ({row.table.upper()} table): {row.band} -> {row.dose} {every}"
                + (f"; {row.note}" if row.note else "")
                + f" ({row.source}: {row.citation})"
            )
        if d.note:
            extra.append(f"drug note {d.name}: {d.note}")
    extra.extend(f"note: {n}" for n in p.notes)
    return out_text + "\n\n" + "\n".join(map(one_line, extra)) + "\n"
