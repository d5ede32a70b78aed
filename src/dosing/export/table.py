"""Tables: CSV (RFC 4180), Markdown, JSON and a plain-text table for the terminal.

Every table has the columns ``date, weekday, cycle, day, drug, dose, unit, route, basis,
calculated, reason`` and a header block (patient, BSA and formula, protocol, choices with
defaults marked, cycles, date generated, sources, notes and the verification notice), and
each drug's totals per cycle (doses, total mg, cumulative mg). The terminal table fits
:data:`TERMINAL_WIDTH` columns: long text wraps and reasons are numbered notes below it.

Free text is made safe for its target with :mod:`dosing._text`, the one filter every output
uses: control characters, bidirectional controls and the like become U+FFFD in every
format. CSV cells and the terminal table's cells are one line (line breaks become spaces),
and a CSV cell that a spreadsheet would run as a formula - split at commas, semicolons or
tabs - gets a ``'``; Markdown cells escape ``|``, backslashes and markup; JSON keeps every
value exactly, writing those characters as ``\\u`` escapes.

>>> import datetime as dt
>>> from dosing import Patient, build_schedule, get_protocol
>>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80), dt.date(2026, 1, 5),
...                    cycles=1, today=dt.date(2026, 1, 1))
>>> csv_text = to_csv(s, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
>>> csv_text.splitlines()[0]
'# KRd dosing calendar'
>>> [line for line in csv_text.splitlines() if line.startswith("date,")]
['date,weekday,cycle,day,drug,dose,unit,route,basis,calculated,reason']
>>> csv_text.splitlines()[-1]
'# total,1,dexamethasone,4,160,160'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import textwrap
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from dosing._text import json_text, message, multi_line, one_line, spreadsheet_text
from dosing.codes import ROUTES
from dosing.dose import Basis
from dosing.export._common import COLUMNS, Row, generated_text, header, rows
from dosing.notation import plain_number
from dosing.schedule import Schedule

if TYPE_CHECKING:
    from dosing.protocol import Drug

__all__ = [
    "SCHEDULE_FORMAT",
    "TERMINAL_WIDTH",
    "TOTALS_COLUMNS",
    "aligned",
    "comment_line",
    "csv_cell",
    "markdown_cell",
    "measurement",
    "plain_text",
    "to_csv",
    "to_json",
    "to_json_data",
    "to_markdown",
    "to_text",
    "write_csv_rows",
]


#: The widest line :func:`to_text` writes.
TERMINAL_WIDTH = 100

#: The columns of the totals per cycle (CSV names).
TOTALS_COLUMNS = ("cycle", "drug", "doses", "total_mg", "cumulative_mg")


def _totals(schedule: Schedule) -> list[tuple[str, str, str, str, str]]:
    """Each drug's totals per cycle as text cells in :data:`TOTALS_COLUMNS` order, by cycle."""
    return [
        (
            str(t.cycle),
            t.drug,
            str(t.administrations),
            plain_number(t.total_mg),
            plain_number(t.cumulative_mg),
        )
        for t in sorted(schedule.totals(), key=lambda t: t.cycle)
    ]


def plain_text(text: str) -> str:
    """Text of several lines made safe to show (see :func:`dosing._text.multi_line`).

    >>> plain_text("a\\x07b\\rc")
    'a\\ufffdb\\nc'
    """
    return multi_line(text)


def csv_cell(value: object, *, first: bool = False) -> str:
    """A CSV cell on one line that no spreadsheet runs as a formula (OWASP CSV injection).

    Line breaks and tabs become spaces, so a cell never starts a new record, and a piece
    that a comma, semicolon or tab split would start with ``=``, ``+``, ``-`` or ``@`` gets
    a leading ``'`` (see :func:`dosing._text.spreadsheet_text`). Numbers, including
    negative day numbers, are left as they are - except in a record's ``first`` cell,
    where a semicolon or tab split would run the number on into the next cells.

    >>> csv_cell("=HYPERLINK(1)"), csv_cell("-5"), csv_cell("@SUM"), csv_cell("P1;=1+1")
    ("'=HYPERLINK(1)", '-5', "'@SUM", "P1;'=1+1")
    >>> csv_cell("MRN 0001\\nMRN 0002"), csv_cell("-5", first=True)
    ('MRN 0001 MRN 0002', "'-5")
    """
    return spreadsheet_text(str(value), first=first)


def markdown_cell(value: object) -> str:
    r"""A Markdown table cell: pipes, backslashes and markup escaped, newlines as spaces.

    >>> markdown_cell("a|b *c* <x>")
    'a\\|b \\*c\\* &lt;x&gt;'
    """
    text = re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", one_line(str(value)))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def comment_line(text: str) -> str:
    r"""A ``#`` comment line for the top of a CSV file: one line, no control characters.

    A spreadsheet splits even a comment line at its commas (or semicolons, or tabs), so a
    piece that would start a formula (``=``, ``+``, ``-``, ``@``, or a quote that opens a
    field) gets a leading ``'``, as in :func:`csv_cell`; a plain number such as ``-5`` is
    left alone.

    >>> comment_line("BSA: 1.972 m²\nnext")
    '# BSA: 1.972 m² next\r\n'
    >>> print(comment_line('patient identifier: x,=1+1; "=cmd", days -5, -4'), end="")
    # patient identifier: x,'=1+1;' "=cmd", days -5, -4
    """
    return f"# {spreadsheet_text(message(text), whole_line=True)}\r\n"


def write_csv_rows(out: io.TextIOBase | Any, items: Iterable[Row]) -> None:
    """Write rows (no header) as CSV to a text stream; used by the cohort writer too."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(
        tuple(csv_cell(c, first=i == 0) for i, c in enumerate(r.cells())) for r in items
    )


def to_csv(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> str:
    """CSV per RFC 4180 (CRLF, quoted where needed, UTF-8 once encoded).

    The header block comes first as lines starting with ``#`` (read with
    ``pandas.read_csv(path, comment="#")``), then the column header row and one row per
    administration. The totals per cycle follow as ``#`` lines too, so that such a reader
    skips them, each split by commas into cells a spreadsheet shows as a small second
    table: ``# totals`` then :data:`TOTALS_COLUMNS`, and one ``# total`` line per drug and
    cycle.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in header(schedule, generated_at=generated_at).lines():
        out.write(comment_line(line))
    writer.writerow(COLUMNS)
    write_csv_rows(out, rows(schedule))
    out.write(comment_line(",".join(("totals", *TOTALS_COLUMNS))))
    for cells in _totals(schedule):
        out.write(comment_line(",".join(("total", *cells))))
    return out.getvalue()


def to_markdown(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> str:
    """A Markdown document: the header block as a list, then the table."""
    head = header(schedule, generated_at=generated_at)
    lines = [f"# {markdown_cell(head.title)}", "", f"> **{markdown_cell(head.notice)}**", ""]
    lines += [f"- **{markdown_cell(label)}:** {markdown_cell(text)}" for label, text in head.fields]
    lines.append("")
    for title, items in (
        ("Course changes", tuple(f"{i}. {c}" for i, c in enumerate(head.course_changes, 1))),
        ("Held, not given", head.held),
        ("Check before giving", head.warnings),
        ("Premedication to order separately", head.premedication),
        ("Notes", head.notes),
        ("Drug notes", head.drug_notes),
    ):
        if items:
            lines += [f"**{title}**", ""] + [f"- {markdown_cell(n)}" for n in items] + [""]
    if head.protocol_notes:
        lines += (
            ["**Protocol notes**", ""]
            + [f"- {markdown_cell(n)}" for n in head.protocol_notes]
            + [""]
        )
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append(
        "|" + "|".join("---:" if c in {"cycle", "day", "dose"} else "---" for c in COLUMNS) + "|"
    )
    for r in rows(schedule):
        lines.append("| " + " | ".join(markdown_cell(c) for c in r.cells()) + " |")
    lines += ["", "**Totals per cycle**", ""]
    lines.append("| cycle | drug | doses | total mg | cumulative mg |")
    lines.append("|---:|---|---:|---:|---:|")
    for cells in _totals(schedule):
        lines.append("| " + " | ".join(markdown_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


#: The name and version of the JSON document :func:`to_json` writes, its ``format`` key.
#: :class:`dosing.export.document.ScheduleDocument` is its model and JSON Schema.
SCHEDULE_FORMAT: Final = "dosing-schedule/1"


def measurement(value: float, unit: str, decimals: int = 4) -> dict[str, Any]:
    """A measurement as the JSON document writes it: the number, rounded, and its unit.

    >>> measurement(175.26, "cm"), measurement(79.832270079, "kg")
    ({'value': 175.26, 'unit': 'cm'}, {'value': 79.8323, 'unit': 'kg'})
    """
    return {"value": round(value, decimals), "unit": unit}


def to_json_data(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> dict[str, Any]:
    """The JSON document as Python data (see :func:`to_json`)."""
    head = header(schedule, generated_at=generated_at)
    p = schedule.protocol
    person = schedule.patient
    patient = person.model_dump(mode="json")  # every field; null when not given
    patient["height"] = measurement(person.height.magnitude, "cm")
    patient["weight"] = measurement(person.weight.magnitude, "kg")
    creatinine = person.serum_creatinine
    patient["serum_creatinine"] = (
        None if creatinine is None else measurement(creatinine.magnitude, "mg/dL")
    )
    patient["outliers"] = list(person.outliers)
    patient["entered"] = dict(person.entered)  # as typed, before conversion
    return {
        "format": SCHEDULE_FORMAT,
        "notice": head.notice,
        "generated": generated_text(generated_at),
        "patient": patient,
        "bsa": {
            **measurement(schedule.bsa_m2, "m2"),
            "formula": schedule.bsa_formula.value,
            "formula_is_default": schedule.bsa_formula_is_default,
        },
        "protocol": {
            "id": p.id,
            "name": p.name,
            "setting": p.setting,
            "cycle_length_days": p.cycle_length_days,
            "anchor_day": p.anchor_day,
            "origin": p.origin,
            "sources": [{"tag": s.tag, "citation": s.citation} for s in p.sources],
            "notes": list(p.notes),
            "drugs": [_drug_data(d) for d in p.drugs],
        },
        "choices": {
            c.drug: {
                "value": c.value,
                "unit": c.unit,
                "default": c.is_default,
                "allowed": list(c.allowed),
            }
            for c in schedule.choices.values()
        },
        "cycles": {
            "count": schedule.cycles,
            "default": schedule.cycles_is_default,
            "start": schedule.start.isoformat(),
            "end": schedule.end.isoformat(),
        },
        "course": {
            "id": schedule.course_id,
            "first_cycle": schedule.first_cycle,
            "amendments": [
                {"number": i, **a.model_dump(mode="json")}
                for i, a in enumerate(schedule.amendments, 1)
            ],
            "held": [
                {
                    "date": h.date.isoformat(),
                    "cycle": h.cycle,
                    "day": h.day,
                    "drug": h.drug,
                    "route": h.route,
                    **h.event.as_dict(),
                }
                for h in schedule.held
            ],
        },
        "renal": _renal_data(schedule),
        "age_checks": list(schedule.age_lines()),
        "warnings": list(head.warnings),
        "premedication": [
            {"date": d.date.isoformat(), "cycle": d.cycle, "day": d.day, **d.need.as_dict()}
            for d in schedule.premedication
        ],
        "notes": list(head.notes),
        "drug_notes": {d.name: d.note for d in p.drugs if d.note},
        "administrations": [
            {
                "date": a.date.isoformat(),
                "weekday": a.weekday,
                "cycle": a.cycle,
                "day": a.day,
                "drug": a.drug,
                "dose": a.dose.final_mg,
                "unit": "mg",
                "route": a.route,
                "basis": a.dose.basis,
                "calculated": measurement(a.dose.calculated_mg, "mg", 6),
                "rate": measurement(a.dose.rule.amount, _RATE_UNITS[a.dose.rule.basis], 6),
                "measure": None
                if a.dose.measure is None
                else measurement(a.dose.measure, _MEASURE_UNITS[a.dose.rule.basis]),
                "step_up": a.step is not None,
                "reason": a.reason,
                "events": [e.as_dict() for e in a.reasons],
            }
            for a in schedule.administrations
        ],
        "totals": [
            {
                "drug": t.drug,
                "cycle": t.cycle,
                "doses": t.administrations,
                "total_mg": round(t.total_mg, 4),
                "cumulative_mg": round(t.cumulative_mg, 4),
            }
            for t in schedule.totals()
        ],
    }


#: The units of a dose's rate, and of the measurement a rate is multiplied by (a flat dose
#: has none), as UCUM writes them.
_RATE_UNITS: Final = {Basis.PER_M2: "mg/m2", Basis.PER_KG: "mg/kg", Basis.FLAT: "mg"}
_MEASURE_UNITS: Final = {Basis.PER_M2: "m2", Basis.PER_KG: "kg"}


def _drug_data(drug: Drug) -> dict[str, Any]:
    """A protocol drug's identity as JSON data: name, route, and the standard codes of both.

    ``codes`` is ``null`` when the protocol file gives none: no code is guessed.
    """
    codes = drug.codes
    return {
        "name": drug.name,
        "route": drug.route,
        "product": drug.product,
        "codes": None if codes is None else codes.model_dump(mode="json"),
        "route_codes": ROUTES[drug.route].as_dict(),
    }


def _renal_data(schedule: Schedule) -> dict[str, Any]:
    """The renal assessment and what each drug's renal table gave, as JSON data."""
    function = schedule.renal
    decisions = schedule.renal_decisions
    return {
        "given": function is not None,
        "summary": schedule.renal_text(),
        "clearance": None
        if function is None or function.clearance_ml_min is None
        else measurement(function.clearance_ml_min, "mL/min", 2),
        "method": None if function is None else "Cockcroft-Gault",
        "weight_policy": None if function is None else function.weight_policy.value,
        "weight_policy_is_default": None if function is None else function.weight_policy_is_default,
        "dialysis": None if function is None else function.dialysis,
        "table": schedule.renal_table if decisions else None,
        "table_is_default": schedule.renal_table_is_default if decisions else None,
        "starting_doses": {
            name: {"applied": d.row is not None, "note": d.note} for name, d in decisions.items()
        },
    }


def to_json(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> str:
    """The schedule as a JSON document, format :data:`SCHEDULE_FORMAT`.

    Keys: ``format``, ``patient``, ``bsa``, ``protocol``, ``choices`` (defaults marked),
    ``administrations`` (``date``, ``cycle``, ``day``, ``drug``, ``dose``, ``unit``,
    ``route``, ``basis``, ``calculated``, ...), ``totals``, ``notes`` and the ``notice``.
    Measurements are ``{"value": number, "unit": UCUM code}``. The document's model and JSON
    Schema are :class:`dosing.export.document.ScheduleDocument` (``dosing schema --document``).
    """
    document = json.dumps(
        to_json_data(schedule, generated_at=generated_at), indent=2, ensure_ascii=False
    )
    return json_text(document) + "\n"


def _wrapped(text: str, indent: str = "  ") -> list[str]:
    """One safe line of text wrapped to :data:`TERMINAL_WIDTH`, later lines indented."""
    return textwrap.wrap(
        one_line(text),
        TERMINAL_WIDTH,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [""]


def to_text(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> str:
    """A plain-text table for the terminal, header block first, no line over 100 columns.

    Header lines wrap; the table's columns are ``date``, ``wkd`` (weekday), ``cyc``
    (cycle), ``day``, ``drug``, ``dose`` (with its unit), ``route``, ``basis`` (wrapped
    when long) and ``reason``, which holds numbers such as ``[1]`` for the reasons written
    out in full under the table; the totals per cycle come last.
    """
    head = header(schedule, generated_at=generated_at)
    lines = [part for line in head.lines() for part in _wrapped(line)]
    numbers: dict[str, int] = {}
    table: list[tuple[str, ...]] = [
        ("date", "wkd", "cyc", "day", "drug", "dose", "route", "basis", "reason")
    ]
    for admin, r in zip(schedule.administrations, rows(schedule), strict=True):
        refs = []
        for event in admin.reasons:
            text = str(event)
            note = text if text.startswith(event.flag) else f"{event.flag}: {text}"
            refs.append(str(numbers.setdefault(note, len(numbers) + 1)))
        reason = f"[{','.join(refs)}]" if refs else ""
        dose = f"{r.dose} {r.unit}"
        table.append(
            (r.date, r.weekday, str(r.cycle), str(r.day), r.drug, dose, r.route, r.basis, reason)
        )
    lines.append("")
    lines.extend(aligned(table, right={2, 3, 5}, width=TERMINAL_WIDTH, wrap=7))
    if numbers:
        lines += ["", "reasons:"]
        for note, number in numbers.items():
            lines += _wrapped(f"[{number}] {note}", " " * (len(str(number)) + 3))
    lines += ["", "totals per cycle:"]
    totals = [("cycle", "drug", "doses", "total mg", "cumulative mg"), *_totals(schedule)]
    lines.extend(aligned(totals, right={0, 2, 3, 4}, indent="  "))
    return "\n".join(lines) + "\n"


def aligned(
    table: Sequence[Sequence[str]],
    *,
    right: Collection[int] = (),
    indent: str = "",
    width: int | None = None,
    wrap: int | None = None,
) -> list[str]:
    """Lines of a plain-text table: every column but the last padded, two spaces between.

    Columns whose index is in ``right`` are right-aligned; each cell is made one safe line
    (:func:`dosing._text.one_line`), so no cell can move the cursor or start a line. With
    ``width`` and ``wrap``, the text of column ``wrap`` is wrapped onto further lines so
    that the table fits ``width`` columns where it can.

    >>> aligned([("drug", "dose", "note"), ("lenalidomide", "25", "")], right={1})
    ['drug          dose  note', 'lenalidomide    25']
    >>> aligned([("a", "b", "c"), ("x", "one two three", "y")], width=12, wrap=1)
    ['a  b         c', 'x  one two   y', '   three']
    """
    cells = [[one_line(c) for c in row] for row in table]
    columns = len(cells[0])
    widths = [max(len(row[i]) for row in cells) for i in range(columns)]
    if width is not None and wrap is not None:
        others = sum(widths) - widths[wrap] + 2 * (columns - 1) + len(indent)
        widths[wrap] = max(min(widths[wrap], width - others), 8)
    out = []
    for row in cells:
        parts = [row]
        if wrap is not None and len(row[wrap]) > widths[wrap]:
            pieces = textwrap.wrap(row[wrap], widths[wrap], break_on_hyphens=False) or [""]
            parts = [[*row[:wrap], pieces[0], *row[wrap + 1 :]]]
            parts += [["" if i != wrap else p for i in range(columns)] for p in pieces[1:]]
        for part in parts:
            last = part[-1].rjust(widths[-1]) if columns - 1 in right else part[-1]
            padded = [
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(part[:-1], widths, strict=False))
            ]
            out.append((indent + "  ".join([*padded, last])).rstrip())
    return out
