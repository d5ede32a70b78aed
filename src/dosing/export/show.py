"""A protocol as a readable cycle-by-day table (what ``dosing show`` prints).

Consecutive cycles with the same days and doses are shown once, as a range.

>>> from dosing.protocol import get_protocol
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
from dosing.notation import format_amount
from dosing.protocol import MAX_CYCLES, Protocol, resolve_choices

__all__ = ["protocol_text"]

_Line = tuple[str, str, str, str, str]


def _cycle_lines(protocol: Protocol, cycle: int) -> tuple[_Line, ...]:
    choices = resolve_choices(protocol)
    rules = protocol.rules(choices)
    lines: list[tuple[int, int, _Line]] = []
    for order, drug in enumerate(protocol.drugs):
        for day in drug.days_in(cycle):
            step = next(
                (
                    s
                    for s in protocol.step_up
                    if s.drug == drug.name and s.cycles.contains(cycle) and day in s.days
                ),
                None,
            )
            rule = rules[drug.name] if step is None else protocol.step_up_rule(step)
            text = str(rule)
            if step is None and drug.name in choices:
                text += " (choice)"
            note = step.note if step is not None else ""
            lines.append((day, order, (str(day), drug.name, text, drug.route, note)))
    lines.sort(key=lambda item: (item[0], item[1]))
    return tuple(item[2] for item in lines)


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
    starts = {b.cycles.first for d in p.drugs for b in d.schedule}
    starts |= {s.cycles.first for s in p.step_up}
    ranges = [b.cycles for d in p.drugs for b in d.schedule] + [s.cycles for s in p.step_up]
    ends = {r.last for r in ranges if r.last is not None}
    horizon = min(max(starts | {e + 1 for e in ends} | {1}), MAX_CYCLES)
    groups: list[tuple[int, int | None, tuple[_Line, ...]]] = []
    for cycle in range(1, horizon + 1):
        lines = _cycle_lines(p, cycle)
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
    extra.extend(f"note: {n}" for n in p.notes)
    return out_text + "\n\n" + "\n".join(map(one_line, extra)) + "\n"
