"""HTML: one self-contained page with the order sheet and a month-grid calendar.

The page has three parts:

* the **order header**: the verification notice, every header field (patient, BSA and
  formula, protocol, choices with defaults marked, cycles, clinic closures, generated,
  sources), the course changes, what to check, the doses that fall on a weekend, the
  schedule notes and the protocol notes;
* the **order sheet**, one block per cycle: a dispensing summary (drug, dose, route, days,
  number of doses, total and the quantity to dispense, see :mod:`dosing.dispensing`; and
  each drug's total for the cycle and cumulative), the day-by-day sheet with the columns
  ``date, weekday, cycle, day, drug, dose, unit, route, basis, calculated, reason`` - a run
  of identical daily (or every-other-day) oral doses is one row naming its first and last
  date, its days and its number of doses - and the reasons written out under it; each
  printed sheet of cycles ends with lines for the prescriber, the verifying pharmacist and
  the nurse to sign;
* the **calendar**: one Monday-to-Sunday grid per month the schedule touches, each treatment
  day showing its cycle/day label and every drug with its dose and route, cycle starts
  labelled, weekend doses and clinic closures marked, and a legend.

Step-up, capped, rounded, weekend and other marked doses carry the mark as a word. Printed
(A4 landscape), every page carries the patient identifier, the protocol, the cycle or
month it shows and ``page N of M`` at its top and the verification notice at its foot
(CSS page margin boxes). Each cycle starts a new page - short cycles (a weekly dose) share
one, as many as fit, spread evenly - and so does each month.

The document has inline CSS only: no scripts, fonts, images or links to other files. Every
piece of text is escaped, and control and bidirectional characters are replaced with U+FFFD.
The output depends only on the schedule and ``generated_at``.

>>> import datetime as dt
>>> from dosing import Patient, build_schedule, get_protocol
>>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80), dt.date(2026, 1, 5),
...                    cycles=1, today=dt.date(2026, 1, 1))
>>> page = to_html(s, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
>>> page.startswith("<!DOCTYPE html>"), "<script" in page
(True, False)
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dosing._text import multi_line, one_line
from dosing.dispensing import Dispensing, days_text, dispensing
from dosing.export._common import COLUMNS, Header, Row, header, rows
from dosing.notation import format_amount, format_number, report_decimals
from dosing.schedule import WEEKDAYS, Administration, DrugTotal, HeldAdministration, Schedule

__all__ = ["css_string", "escape", "to_html"]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = WEEKDAYS
_ROUTES = {
    "IV": "into a vein (infusion)",
    "PO": "by mouth",
    "SC": "under the skin",
    "IM": "into a muscle",
}

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), each as
# (strong, tint). Drugs are always named in words as well.
_PALETTE = (
    ("#0072b2", "#e3f0f9"),
    ("#d55e00", "#fbe9de"),
    ("#009e73", "#dff3ec"),
    ("#cc79a7", "#f8e8f1"),
    ("#8a6d00", "#f7f0d4"),
    ("#56b4e9", "#e6f4fc"),
    ("#555555", "#ececec"),
)

#: The CSS class of each flag word: the trace events' (:attr:`dosing.trace.Event.flag`),
#: then ``weekend`` for a dose on a Saturday or Sunday.
_FLAG_CLASS = {
    "step-up": "step",
    "capped": "cap",
    "rounded": "round",
    "renal": "renal",
    "premedication": "premed",
    "delayed": "amend",
    "dose level": "amend",
    "new weight": "amend",
    "held": "amend",
    "closed": "closed",
    "check": "warn",
    "weekend": "weekend",
}

#: Who signs each cycle's order.
SIGNERS = ("Prescriber", "Verifying pharmacist", "Nurse")

#: Consecutive identical oral doses grouped into one row of the order sheet when at least
#: this many, one or two days apart.
_RUN_MIN = 3


def escape(text: object) -> str:
    """Text made safe for HTML content and quoted attributes; control characters replaced.

    The characters :mod:`dosing._text` lists (controls, bidirectional controls,
    non-characters) become U+FFFD; line breaks become ``\\n``.

    >>> escape('<b a="1">&\\x07')
    '&lt;b a=&quot;1&quot;&gt;&amp;\\ufffd'
    """
    return html.escape(multi_line(str(text)), quote=True)


def css_string(text: object) -> str:
    """Text as a quoted CSS string, made one line, that nothing in it can end.

    Every character but ASCII letters, digits and spaces is written as a six-digit CSS
    escape, so neither a quote nor ``</style>`` can appear in it.

    >>> css_string('MRN "1"</style>')
    '"MRN \\\\000022 1\\\\000022 \\\\00003c \\\\00002f style\\\\00003e "'
    """
    out = []
    for char in one_line(str(text)):
        if char.isascii() and (char.isalnum() or char == " "):
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x} ")
    return '"' + "".join(out) + '"'


def _flags(admin: Administration) -> tuple[str, ...]:
    """The flag words of every reason this dose differs from its plain rule, once each."""
    return tuple(dict.fromkeys(e.flag for e in admin.reasons))


def _used_flags(schedule: Schedule) -> list[str]:
    """The flag words this schedule's doses carry, in the order of :data:`_FLAG_CLASS`."""
    used = {f for a in schedule.administrations for f in _flags(a)}
    if any(a.on_weekend for a in schedule.administrations):
        used.add("weekend")
    if schedule.held:
        used.add("held")
    return [f for f in _FLAG_CLASS if f in used]


def _badges(flags: Iterable[str]) -> str:
    return "".join(f'<span class="flag flag-{_FLAG_CLASS[f]}">{escape(f)}</span> ' for f in flags)


def _span(schedule: Schedule) -> tuple[dt.date, dt.date]:
    """First and last date shown: the cycles, widened by any dose before day 1."""
    first, last = schedule.start, schedule.end
    if schedule.administrations:
        first = min(first, schedule.administrations[0].date)
        last = max(last, schedule.administrations[-1].date)
    return first, last


def _months(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _long_date(day: dt.date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _cycles_text(schedule: Schedule) -> str:
    first, last = schedule.first_cycle, schedule.cycles
    return f"cycle {first}" if first == last else f"cycles {first}-{last}"


# -- the header -----------------------------------------------------------------------------


def _list(title: str, css: str, items: Sequence[str], *, ordered: bool = False) -> list[str]:
    if not items:
        return []
    tag = "ol" if ordered else "ul"
    return [
        f'<h2>{escape(title)}</h2><{tag} class="notes {css}">',
        *(f"<li>{escape(item)}</li>" for item in items),
        f"</{tag}>",
    ]


def _header_html(head: Header, schedule: Schedule) -> str:
    parts = [
        '<section class="sheet" id="order-header" aria-labelledby="title">',
        f'<div class="notice" role="note"><span class="notice-mark" aria-hidden="true">!</span> '
        f"<p><strong>Verify before use.</strong> {escape(head.notice)}</p></div>",
        f'<h1 id="title">{escape(head.title)}</h1>',
        f'<p class="subtitle">{escape(schedule.protocol.name)} &middot; '
        f"{_long_date(schedule.start)} to {_long_date(schedule.end)}</p>",
        '<dl class="fields">',
    ]
    for label, text in head.fields:
        wide = " wide" if len(text) > 60 else ""
        parts.append(
            f'<div class="field{wide}"><dt>{escape(label)}</dt><dd>{escape(text)}</dd></div>'
        )
    parts.append("</dl>")
    parts += _list("Course changes", "course-changes", head.course_changes, ordered=True)
    parts += _list("Held, not given", "held-doses", head.held)
    parts += _list("Check before giving", "warnings", head.warnings)
    parts += _list("Doses on a Saturday or Sunday", "weekend-doses", head.weekend)
    parts += _list("Premedication to order separately", "premedication", head.premedication)
    parts += _list("Notes on this schedule", "schedule-notes", head.notes)
    parts += _list("Drug notes", "drug-notes", head.drug_notes)
    parts += _list("Protocol notes", "protocol-notes", head.protocol_notes)
    marks = _used_flags(schedule)
    marked = (
        f"Marks {_badges(marks).strip()} say a dose differs from the plain dose rule, needs "
        "something besides it or falls on a weekend; the numbered reasons under each table "
        "say what. "
        if marks
        else ""
    )
    parts.append(
        '<h2>Reading the order sheet</h2><p class="hint reading">Each cycle starts a new page '
        "(short cycles share one): what to dispense with each drug's total for the cycle and "
        f"cumulative, then every dose by day, then lines to sign. {marked}A run of identical daily oral doses is one "
        "row with its first and last date and its number of doses. The calculated column is "
        "before rounding to the given dose.</p>"
    )
    parts.append(
        '<nav class="contents"><a href="#order-sheet">Order sheet</a> '
        '<a href="#calendar">Calendar</a></nav>'
    )
    parts.append("</section>")
    return "\n".join(parts)


# -- the order sheet ------------------------------------------------------------------------


def _same_dose(a: Administration, b: Administration) -> bool:
    """True when two administrations differ in nothing but their date and day."""
    return (
        a.drug == b.drug
        and a.route == b.route
        and a.dose.final_mg == b.dose.final_mg
        and a.dose.basis == b.dose.basis
        and a.reasons == b.reasons
    )


def _entries(admins: Sequence[Administration]) -> list[tuple[int, ...]]:
    """The order sheet's rows for one cycle, as indices into ``admins`` (in date order).

    A run of at least three identical oral doses of one drug, each one or two days after the
    one before at the same spacing, is one row; every other dose is a row of its own.
    """
    runs: list[list[int]] = []
    open_runs: dict[str, list[int]] = {}
    for i, admin in enumerate(admins):
        run = open_runs.get(admin.drug) if admin.route == "PO" else None
        if run is not None:
            last = admins[run[-1]]
            gap = (admin.date - last.date).days
            step = (last.date - admins[run[-2]].date).days if len(run) > 1 else gap
            if _same_dose(last, admin) and gap == step and gap in (1, 2):
                run.append(i)
                continue
        run = [i]
        runs.append(run)
        if admin.route == "PO":
            open_runs[admin.drug] = run
    out: list[tuple[int, ...]] = []
    for run in runs:
        if len(run) >= _RUN_MIN:
            out.append(tuple(run))
        else:
            out.extend((i,) for i in run)
    return sorted(out)


def _notes_ref(admin: Administration, notes: dict[str, int]) -> str:
    refs = [str(notes.setdefault(str(e), len(notes) + 1)) for e in admin.reasons]
    return f' <span class="ref">[{", ".join(refs)}]</span>' if refs else ""


def _dose_cells(admin: Administration) -> dict[str, str]:
    """The dose cells as a person reads them (data columns hold plain numbers): per ISMP."""
    return {
        "dose": format_number(
            admin.dose.final_mg, decimals=max(2, report_decimals(admin.dose.final_mg))
        ),
        "calculated": format_number(admin.dose.calculated_mg, decimals=4),
    }


def _single_row(
    admin: Administration, r: Row, drug_index: dict[str, int], notes: dict[str, int], new_day: bool
) -> str:
    flags = _flags(admin) + (("weekend",) if admin.on_weekend else ())
    classes = ["admin", f"drug-{drug_index[admin.drug]}"]
    if new_day:
        classes.append("new-day")
    if _flags(admin):
        classes.append("modified")
    if admin.on_weekend:
        classes.append("weekend")
    shown = _dose_cells(admin)
    cells = []
    for name, text in zip(COLUMNS, r.cells(), strict=True):
        body = escape(shown.get(name, text))
        if name == "reason":
            body = _badges(flags).rstrip() + _notes_ref(admin, notes)
        cells.append(f'<td class="col-{name}">{body.strip()}</td>')
    return (
        f'<tr class="{" ".join(classes)}" data-doses="1" data-dates="{admin.date.isoformat()}">'
        f"{''.join(cells)}</tr>"
    )


def _run_row(
    run: Sequence[Administration],
    r: Row,
    drug_index: dict[str, int],
    notes: dict[str, int],
    new_day: bool,
) -> str:
    first, last = run[0], run[-1]
    step = (run[1].date - first.date).days
    how = "daily" if step == 1 else "every other day"
    classes = ["admin", "run", f"drug-{drug_index[first.drug]}"]
    if new_day:
        classes.append("new-day")
    if _flags(first):
        classes.append("modified")
    weekend = [a for a in run if a.on_weekend]
    shown = {
        **_dose_cells(first),
        "date": f"{first.date.isoformat()} to {last.date.isoformat()}",
        "weekday": f"{first.weekday} to {last.weekday}",
        "day": days_text(tuple(a.day for a in run)),
    }
    cells = []
    for name, text in zip(COLUMNS, r.cells(), strict=True):
        body = escape(shown.get(name, text))
        if name == "reason":
            body = (
                f'<span class="flag flag-run">{len(run)} doses, {escape(how)}</span> '
                + _badges(_flags(first)).rstrip()
            )
            if weekend:
                body += (
                    " "
                    + _badges(["weekend"])
                    + escape(", ".join(f"D{a.day} {a.weekday}" for a in weekend))
                )
            body += _notes_ref(first, notes)
        cells.append(f'<td class="col-{name}">{body.strip()}</td>')
    dates = " ".join(a.date.isoformat() for a in run)
    return (
        f'<tr class="{" ".join(classes)}" data-doses="{len(run)}" data-dates="{dates}">'
        f"{''.join(cells)}</tr>"
    )


def _held_row(held: HeldAdministration, drug_index: dict[str, int], notes: dict[str, int]) -> str:
    """A dose a course amendment held, at its place in the day-by-day sheet: not given."""
    shown = {
        "date": held.date.isoformat(),
        "weekday": _WEEKDAYS[held.date.weekday()],
        "cycle": str(held.cycle),
        "day": str(held.day),
        "drug": held.drug,
        "dose": "not given",
        "route": held.route,
    }
    ref = notes.setdefault(str(held.event), len(notes) + 1)
    cells = "".join(
        f'<td class="col-{name}">'
        + (
            _badges(["held"]) + f'<span class="ref">[{ref}]</span>'
            if name == "reason"
            else escape(shown.get(name, ""))
        )
        + "</td>"
        for name in COLUMNS
    )
    return f'<tr class="held-dose new-day drug-{drug_index[held.drug]}">{cells}</tr>'


def _dispense_html(
    cycle: int,
    items: Sequence[Dispensing],
    totals: Sequence[DrugTotal],
    drug_index: dict[str, int],
) -> str:
    """The cycle's dispensing summary, each drug's total and cumulative mg beside its rows."""
    columns = (
        "drug",
        "dose",
        "route",
        "days",
        "doses",
        "total",
        "quantity to dispense",
        f"drug total, cycle {cycle}",
        f"cumulative to end of cycle {cycle}",
    )
    parts = [
        f'<table class="dispense" data-cycle="{cycle}"><caption>To dispense, cycle {cycle}'
        "</caption><thead><tr>"
        + "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
        + "</tr></thead><tbody>"
    ]
    for t in totals:
        mine = [d for d in items if d.drug == t.drug]
        summed = (
            f'<td class="amount total" rowspan="{max(len(mine), 1)}">'
            f"{escape(format_amount(t.total_mg, 'mg'))} ({t.administrations} "
            f"dose{'s' if t.administrations != 1 else ''})</td>"
            f'<td class="amount cumulative" rowspan="{max(len(mine), 1)}">'
            f"{escape(format_amount(t.cumulative_mg, 'mg'))}</td>"
        )
        drug = f'<th scope="row">{escape(t.drug)}</th>'
        if not mine:
            parts.append(
                f'<tr class="dispense-row none drug-{drug_index[t.drug]}">{drug}'
                f'<td colspan="6">no doses in cycle {cycle}</td>{summed}</tr>'
            )
        for n, d in enumerate(mine):
            parts.append(
                f'<tr class="dispense-row drug-{drug_index[d.drug]}">{drug}'
                f'<td class="amount">{escape(format_amount(d.dose_mg, "mg"))}</td>'
                f"<td>{escape(d.route)}</td><td>{escape(d.days_text())}</td>"
                f'<td class="amount">{d.doses}</td>'
                f'<td class="amount">{escape(format_amount(d.total_mg, "mg"))}</td>'
                f'<td class="quantity">{escape(d.quantity_text())}</td>'
                + (summed if n == 0 else "")
                + "</tr>"
            )
    parts.append("</tbody></table>")
    sources = dict.fromkeys(
        f"{d.drug} {d.unit}s: {d.sizes_from}" for d in items if d.sizes_from is not None
    )
    parts.append(
        '<p class="hint sizes">Unit sizes as stated'
        + (f" ({escape('; '.join(sources))})" if sources else "")
        + "; no size is assumed, and a drug without stated sizes is given in mg.</p>"
    )
    return "".join(parts)


def _sign_html(cycles: str) -> str:
    """Lines for the prescriber, the verifying pharmacist and the nurse: name, signature, date."""
    which = f"cycles {cycles}" if "-" in cycles else f"cycle {cycles}"
    return (
        f'<table class="sign" data-cycles="{cycles}"><caption>Sign-off, {which}</caption>'
        '<thead><tr><th scope="col">role</th><th scope="col">name</th>'
        '<th scope="col">signature</th><th scope="col">date</th></tr></thead><tbody>'
        + "".join(
            f'<tr class="signer"><th scope="row">{escape(who)}</th>'
            '<td class="blank name"></td><td class="blank signature"></td>'
            '<td class="blank date"></td></tr>'
            for who in SIGNERS
        )
        + "</tbody></table>"
    )


# Printed heights in mm (measured in Chromium's A4 landscape print), to put short cycles - a
# weekly bispecific's one dose - on one page together; a cycle that fills a page has it to
# itself. A page holds 185 mm between its margins; the budget keeps 7 mm in hand.
_PAGE_MM = 178.0
_SIGN_MM = 31.0
_CYCLE_MM = 38.0  # heading, the two captions and column headers, the sizes line, a gap
_ROW_MM = 4.4
_WRAPPED_ROW_MM = 8.0
_REASON_MM = 3.4


@dataclass(frozen=True, slots=True)
class _CycleBlock:
    """One cycle of the order sheet: its tables, its reasons, and how tall they print."""

    cycle: int
    first: dt.date
    last: dt.date
    body: str
    reasons: str
    height_mm: float


def _cycle_block(
    schedule: Schedule,
    cycle: int,
    in_cycle: Sequence[tuple[Administration, Row]],
    items: Sequence[Dispensing],
    totals: Sequence[DrugTotal],
    drug_index: dict[str, int],
) -> _CycleBlock:
    first, last = schedule.cycle_window(cycle)
    notes: dict[str, int] = {}
    parts = [
        f'<h3><span class="cycle-tag">Cycle {cycle}</span> '
        f"{_long_date(first)} to {_long_date(last)}</h3>",
        _dispense_html(cycle, items, totals, drug_index),
    ]
    height = _CYCLE_MM + sum(
        _WRAPPED_ROW_MM if len(d.quantity_text()) > 48 else _ROW_MM for d in items
    )
    height += _ROW_MM * sum(t.administrations == 0 for t in totals)
    if not in_cycle:
        parts.append('<p class="hint">No doses in this cycle.</p>')
    else:
        head_cells = "".join(f'<th scope="col" class="col-{c}">{escape(c)}</th>' for c in COLUMNS)
        parts.append(
            f'<table class="order" data-cycle="{cycle}"><caption>Day by day, cycle {cycle}'
            f"</caption><thead><tr>{head_cells}</tr></thead><tbody>"
        )
        previous: dt.date | None = None
        cycle_admins = [a for a, _ in in_cycle]
        held = [h for h in schedule.held if h.cycle == cycle]
        height += _ROW_MM * len(held)
        for entry in _entries(cycle_admins):
            admin, r = in_cycle[entry[0]]
            while held and held[0].date < admin.date:
                parts.append(_held_row(held.pop(0), drug_index, notes))
            new_day = admin.date != previous
            previous = admin.date
            if len(entry) == 1:
                parts.append(_single_row(admin, r, drug_index, notes, new_day))
                height += _ROW_MM
            else:
                run = [cycle_admins[i] for i in entry]
                parts.append(_run_row(run, r, drug_index, notes, new_day))
                height += _WRAPPED_ROW_MM
        parts += [_held_row(h, drug_index, notes) for h in held]
        parts.append("</tbody></table>")
    reasons = (
        '<ul class="reasons">'
        + "".join(
            f'<li><span class="ref">[{n}]</span> {escape(text)}</li>' for text, n in notes.items()
        )
        + "</ul>"
    )
    height += _REASON_MM * sum(1 + len(text) // 150 for text in notes)
    return _CycleBlock(cycle, first, last, "\n".join(parts), reasons, height)


def _packed(blocks: Sequence[_CycleBlock], limit: float) -> list[list[_CycleBlock]]:
    """Consecutive cycles, as many to a sheet as fit in ``limit`` mm with one sign-off."""
    sheets: list[list[_CycleBlock]] = []
    used = 0.0
    for block in blocks:
        if sheets and used + block.height_mm + _SIGN_MM <= limit:
            sheets[-1].append(block)
            used += block.height_mm
        else:
            sheets.append([block])
            used = block.height_mm
    return sheets


def _sheets(blocks: Sequence[_CycleBlock]) -> list[list[_CycleBlock]]:
    """Consecutive cycles on as few printed sheets as fit, spread evenly over them.

    The fewest sheets come from filling each page; then the smallest page height that still
    needs no more sheets spreads the cycles, so the last sheet is not left nearly empty.
    """
    fewest = len(_packed(blocks, _PAGE_MM))
    low, high = 0.0, _PAGE_MM
    for _ in range(30):
        middle = (low + high) / 2
        if len(_packed(blocks, middle)) <= fewest:
            high = middle
        else:
            low = middle
    return _packed(blocks, high)


def _sheet_name(sheet: Sequence[_CycleBlock]) -> str:
    """``cycles-2`` or ``cycles-5-8``: the sheet's id and its printed page's name."""
    first, last = sheet[0].cycle, sheet[-1].cycle
    return f"cycles-{first}" if first == last else f"cycles-{first}-{last}"


def _order_blocks(schedule: Schedule, drug_index: dict[str, int]) -> list[list[_CycleBlock]]:
    """Every cycle of the order sheet, packed into printed sheets."""
    table_rows = rows(schedule)
    totals = schedule.totals()
    summary = dispensing(schedule)
    pairs = list(zip(schedule.administrations, table_rows, strict=True))
    blocks = [
        _cycle_block(
            schedule,
            cycle,
            [(a, r) for a, r in pairs if a.cycle == cycle],
            [d for d in summary if d.cycle == cycle],
            [t for t in totals if t.cycle == cycle],
            drug_index,
        )
        for cycle in schedule.cycle_numbers
    ]
    return _sheets(blocks)


def _order_html(sheets: Sequence[Sequence[_CycleBlock]]) -> str:
    """The order sheet: each printed sheet of cycles, each cycle's reasons, one sign-off."""
    parts = ['<section class="sheet" id="order-sheet" aria-labelledby="order-title">']
    for number, sheet in enumerate(sheets):
        name = _sheet_name(sheet)
        parts.append(f'<div class="cycle-sheet" id="{name}">')
        if number == 0:
            parts.append('<h2 id="order-title">Order sheet</h2>')
        for block in sheet[:-1]:
            parts.append(
                f'<div class="cycle-block" id="cycle-{block.cycle}">{block.body}'
                f"{block.reasons}</div>"
            )
        last = sheet[-1]
        parts.append(
            f'<div class="cycle-block" id="cycle-{last.cycle}">{last.body}'
            f'<div class="cycle-close">{last.reasons}{_sign_html(name[len("cycles-") :])}'
            "</div></div></div>"
        )
    parts.append("</section>")
    return "\n".join(parts)


# -- the calendar ---------------------------------------------------------------------------


def _legend_html(schedule: Schedule, drug_index: dict[str, int]) -> str:
    routes = sorted({d.route for d in schedule.protocol.drugs})
    items = [
        f'<li class="rx drug-{drug_index[d.name]}"><span class="rx-drug">{escape(d.name)}</span> '
        f'<span class="rx-route">{escape(d.route)}</span></li>'
        for d in schedule.protocol.drugs
    ]
    marks = _used_flags(schedule)
    keys = [
        '<li><span class="day-label">C1 D8</span> cycle 1, day 8</li>',
        '<li><span class="cycle-start">Cycle 2 starts</span> first day of a cycle</li>',
    ]
    if marks:
        keys.append(
            f"<li>{_badges(marks).strip()} dose differs from the plain rule, needs something "
            "besides it or falls on a weekend (see the order sheet)</li>"
        )
    keys += [
        '<li><span class="swatch band">&nbsp;</span> top edge: cycle (alternates between '
        "cycles)</li>",
        '<li><span class="swatch outside">9</span> day of another month</li>',
    ]
    if schedule.closed:
        keys.append('<li><span class="closed-day">clinic closed</span> closure date given</li>')
    keys += [f"<li><strong>{escape(r)}</strong> {escape(_ROUTES.get(r, r))}</li>" for r in routes]
    return (
        '<div class="legend"><h3>Legend</h3><ul class="legend-drugs">'
        + "".join(items)
        + '</ul><ul class="legend-keys">'
        + "".join(keys)
        + "</ul></div>"
    )


def _cycle_of(schedule: Schedule, day: dt.date) -> int | None:
    """The cycle whose window holds ``day`` (windows come from the schedule's date rule)."""
    for cycle in schedule.cycle_numbers:
        first, last = schedule.cycle_window(cycle)
        if first <= day <= last:
            return cycle
    return None


def _day_cell(
    schedule: Schedule,
    day: dt.date,
    month: int,
    by_date: dict[dt.date, list[Administration]],
    starts: dict[dt.date, int],
    drug_index: dict[str, int],
    held: dict[dt.date, list[HeldAdministration]],
) -> str:
    if day.month != month:
        return f'<td class="outside"><span class="num">{day.day}</span></td>'
    classes = ["day"]
    cycle = _cycle_of(schedule, day)
    if cycle is not None:
        classes.append("cycle-odd" if cycle % 2 else "cycle-even")
    admins = by_date.get(day, [])
    if admins:
        classes.append("treat")
    if day in starts:
        classes.append("starts")
    if day.weekday() >= 5:
        classes.append("weekend")
    closed = day in schedule.closed
    if closed:
        classes.append("closed")
    inner = [f'<span class="num">{day.day}</span>']
    if closed:
        inner.append('<span class="closed-day">clinic closed</span>')
    if day in starts:
        inner.append(f'<span class="cycle-start">Cycle {starts[day]} starts</span>')
    if admins:
        first = admins[0]
        # a mark every dose of the day carries is shown once, by the day's label
        shared = [f for f in _flags(first) if all(f in _flags(a) for a in admins[1:])]
        shared += ["weekend"] if first.on_weekend else []
        inner.append(f'<span class="day-label">C{first.cycle} D{first.day}</span>')
        if shared:
            inner.append('<span class="day-flags"> ' + _badges(shared).rstrip() + "</span>")
        inner.append('<ul class="rx-list">')
        for a in admins:
            own = [f for f in _flags(a) if f not in shared]
            inner.append(
                f'<li class="rx drug-{drug_index[a.drug]}"><span class="rx-drug">{escape(a.drug)}'
                f'</span> <span class="rx-dose">{escape(a.dose.text)}</span> '
                f'<span class="rx-route">{escape(a.route)}</span>'
                + (" " + _badges(own).rstrip() if own else "")
                + "</li>"
            )
        inner.append("</ul>")
    for h in held.get(day, ()):
        inner.append(f'<span class="held">{escape(h.drug)} held ({escape(h.label)})</span>')
    if not admins and cycle is not None:
        where = schedule.cycle_day(day)
        label = (
            f"C{cycle} D{where[1]}"
            if where is not None and where[1] is not None
            else f"C{cycle}, delayed"
        )
        inner.append(f'<span class="rest">{escape(label)} &middot; no doses</span>')
    if day == schedule.end:
        inner.append(f'<span class="cycle-end">End of cycle {schedule.cycles}</span>')
    return f'<td class="{" ".join(classes)}">{"".join(inner)}</td>'


def _calendar_html(schedule: Schedule, drug_index: dict[str, int]) -> str:
    by_date: dict[dt.date, list[Administration]] = {}
    for admin in schedule.administrations:
        by_date.setdefault(admin.date, []).append(admin)
    starts = {schedule.cycle_window(n)[0]: n for n in schedule.cycle_numbers}
    held: dict[dt.date, list[HeldAdministration]] = {}
    for h in schedule.held:
        held.setdefault(h.date, []).append(h)
    grid = calendar.Calendar(firstweekday=calendar.MONDAY)
    parts = ['<section class="sheet calendar" id="calendar" aria-labelledby="calendar-title">']
    legend = _legend_html(schedule, drug_index)
    head_cells = "".join(f'<th scope="col">{w}</th>' for w in _WEEKDAYS)
    for number, (year, month) in enumerate(_months(*_span(schedule))):
        title = '<h2 id="calendar-title">Calendar</h2>' if number == 0 else ""
        parts.append(
            f'<div class="month-block" id="month-{year:04d}-{month:02d}">{title}{legend}'
            f'<table class="month" data-month="{year:04d}-{month:02d}">'
            f"<caption>{_MONTHS[month - 1]} {year}</caption><thead><tr>{head_cells}</tr></thead>"
            "<tbody>"
        )
        for week in grid.monthdatescalendar(year, month):
            cells = "".join(
                _day_cell(schedule, d, month, by_date, starts, drug_index, held) for d in week
            )
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table></div>")
    parts.append("</section>")
    return "\n".join(parts)


# -- the page -------------------------------------------------------------------------------


def _drug_css(count: int) -> str:
    rules = []
    for i in range(count):
        strong, tint = _PALETTE[i % len(_PALETTE)]
        rules.append(
            f".rx.drug-{i}{{border-left-color:{strong};background:{tint}}}"
            f"tr.admin.drug-{i} td.col-drug,tr.dispense-row.drug-{i} th"
            f"{{box-shadow:inset 4px 0 0 {strong}}}"
        )
    return "\n".join(rules)


def _page_css(
    schedule: Schedule, head: Header, generated: str, sheets: Sequence[Sequence[_CycleBlock]]
) -> str:
    """The printed pages' margins: patient, protocol, part and page number; the notice.

    Each part is a named page (``cycles-2``, ``cycles-5-8``, ``month-2026-01``) so that its
    top says which cycles or month it shows; every text is a :func:`css_string`.
    """
    identifier = schedule.patient.identifier
    who = f"patient {identifier}" if identifier else "patient: no identifier given"
    top = css_string(f"{who} · protocol {schedule.protocol.id}")
    rules = [
        "@page{"
        f"@top-left{{content:{top};{_MARGIN_FONT};font-weight:700}}"
        f'@top-right{{content:"page " counter(page) " of " counter(pages);{_MARGIN_FONT}}}'
        f"@bottom-left{{content:{css_string('Verify before use. ' + head.notice)};"
        f"{_MARGIN_FONT};color:#8a1c12}}"
        f"@bottom-right{{content:{css_string('generated ' + generated)};{_MARGIN_FONT}}}"
        "}",
        _named_page(
            "order-header",
            f"order header · {_cycles_text(schedule)}, {_long_date(schedule.start)} to "
            f"{_long_date(schedule.end)}",
        ),
    ]
    for sheet in sheets:
        first, last = sheet[0], sheet[-1]
        which = f"cycle {first.cycle}" if first is last else f"cycles {first.cycle}-{last.cycle}"
        rules.append(
            _named_page(
                _sheet_name(sheet),
                f"{which} · {_long_date(first.first)} to {_long_date(last.last)}",
            )
        )
    for year, month in _months(*_span(schedule)):
        cycles = sorted(
            {
                c
                for c in schedule.cycle_numbers
                if (year, month) >= _ym(schedule.cycle_window(c)[0])
                and (year, month) <= _ym(schedule.cycle_window(c)[1])
            }
        )
        during = (
            f" · cycle {cycles[0]}"
            if len(cycles) == 1
            else f" · cycles {cycles[0]}-{cycles[-1]}"
            if cycles
            else ""
        )
        rules.append(
            _named_page(
                f"month-{year:04d}-{month:02d}", f"calendar · {_MONTHS[month - 1]} {year}{during}"
            )
        )
    return "\n".join(rules)


def _ym(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


_MARGIN_FONT = 'font:8pt system-ui,"Segoe UI",Roboto,Arial,"Liberation Sans",sans-serif'


def _named_page(name: str, text: str) -> str:
    return (
        f"@page {name}{{@top-center{{content:{css_string(text)};{_MARGIN_FONT};"
        f"font-weight:700}}}}#{name}{{page:{name}}}"
    )


_CSS = """
:root{color-scheme:light;--ink:#1b2230;--muted:#5a6476;--line:#d3d9e3;--soft:#f4f6f9;
--accent:#1d4f91;--alert:#b42318}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#e9edf2;color:var(--ink);
font:15px/1.45 system-ui,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif;
font-variant-numeric:tabular-nums}
main{max-width:1240px;margin:0 auto;padding:24px}
.sheet{background:#fff;border:1px solid var(--line);border-radius:10px;padding:24px 28px;
margin:0 0 24px;box-shadow:0 1px 3px rgba(20,30,50,.08)}
h1{font-size:28px;margin:18px 0 2px;letter-spacing:-.01em}
h2{font-size:20px;margin:22px 0 10px;color:var(--accent)}
.sheet>h2:first-child{margin-top:0}
h3{font-size:16px;margin:22px 0 8px}
.subtitle{margin:0 0 16px;color:var(--muted);font-size:16px}
.notice{display:flex;gap:14px;align-items:center;border:3px solid var(--alert);
background:#fff3f1;color:#6e140c;border-radius:8px;padding:12px 16px;font-size:16px}
.notice p{margin:0}
.notice-mark{flex:none;display:inline-flex;align-items:center;justify-content:center;
width:34px;height:34px;border-radius:50%;border:3px solid var(--alert);font-weight:800;
font-size:20px}
.fields{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:0 24px;
margin:0;border-top:1px solid var(--line)}
.field{display:grid;grid-template-columns:110px 1fr;gap:12px;padding:7px 0;
border-bottom:1px solid var(--line)}
.field.wide{grid-column:1/-1}
.field dt{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.04em;
padding-top:2px}
.field dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.notes{margin:0;padding-left:20px}
.notes li{margin:3px 0}
.protocol-notes{color:#333c4d}
.contents{margin-top:18px;display:flex;gap:10px}
.contents a{color:var(--accent);border:1px solid var(--accent);border-radius:999px;
padding:4px 14px;text-decoration:none;font-weight:600}
.hint{color:var(--muted);margin:0 0 8px}
.cycle-tag{display:inline-block;background:var(--accent);color:#fff;border-radius:5px;
padding:1px 9px;margin-right:6px}
table{border-collapse:collapse;width:100%}
table.order{font-size:13px}
table.order th,table.order td{border-bottom:1px solid #e3e7ee;padding:4px 7px;text-align:left;
vertical-align:top}
table.order thead th{background:var(--soft);border-bottom:2px solid #aab3c2;font-size:12px;
text-transform:uppercase;letter-spacing:.03em;color:#3b4456}
table.order tr.new-day td{border-top:1px solid #9aa4b5}
.col-cycle,.col-day,.col-dose{text-align:right!important;white-space:nowrap}
.col-date,.col-unit,.col-route{white-space:nowrap}
td.col-dose{font-weight:700}
td.col-drug{font-weight:600;padding-left:12px!important}
td.col-basis,td.col-calculated{color:#3a4354}
tr.modified td{background:#fffbea}
tr.modified td.col-dose{text-decoration:underline;text-decoration-thickness:2px}
.flag{display:inline-block;border:1.5px solid currentColor;border-radius:4px;padding:0 4px;
font-size:10.5px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;line-height:1.4;
background:#fff}
.flag-step{color:#6a3fa0}.flag-cap{color:#a4330f}.flag-round{color:#0d6b52}
.flag-warn{color:#b42318;border-style:double;border-width:3px}
.flag-renal{color:#1f5fa8;border-style:dashed}.flag-weekend{color:#7a3e00;background:#fff4e0}
.flag-closed{color:#b42318;background:#fff3f1;border-width:2px}.flag-run{color:#2b3442}.flag-amend{color:#005f73;border-style:solid;font-style:italic}
.held{display:block;font-size:11px;color:#6b7280;text-decoration:line-through}.flag-premed{color:#8a5a00;border-style:dotted}
.cycle-block{margin-bottom:26px}
table caption{text-align:left;font-weight:700;padding:4px 0}
table.order caption{font-size:14px}
table.dispense{font-size:13px;margin:4px 0 6px}
table.dispense th,table.dispense td{border:1px solid var(--line);padding:3px 8px;text-align:left;
vertical-align:top}
table.dispense thead th{background:var(--soft);font-size:12px;text-transform:uppercase;
letter-spacing:.03em;color:#3b4456}
table.dispense th[scope=row]{padding-left:12px}
table.dispense td.amount{text-align:right;white-space:nowrap}
td.quantity{font-weight:700}
.hint.sizes{font-size:12px;margin-bottom:14px}
tr.run td{background:#f6f9fc}
tr.held-dose td{color:#6b7280;text-decoration:line-through}
tr.held-dose td.col-reason{text-decoration:none}
tr.run td.col-date,tr.run td.col-weekday{white-space:normal}
tr.weekend td.col-weekday{font-weight:800;text-decoration:underline}
.ref{font-weight:700;white-space:nowrap}
.cycle-close{display:flex;gap:24px;align-items:flex-start}
.reasons{flex:1;list-style:none;margin:6px 0 0;padding:0;font-size:12px;color:#333c4d}
.reasons li{margin:2px 0}
table.sign{flex:none;width:auto;min-width:560px;margin:12px 0 8px;font-size:13px}
table.sign th,table.sign td{border:1px solid #8f99aa;padding:3px 10px;text-align:left}
table.sign thead th{background:var(--soft);font-size:12px}
table.sign td.blank{height:34px}
table.sign td.name,table.sign td.signature{width:210px}
table.sign td.date{width:110px}
.legend{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin-bottom:18px;
background:var(--soft)}
.legend h3{margin:0 0 6px;font-size:14px}
.month-block+.month-block .legend{display:none}
.legend ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:8px 18px;
font-size:13px;align-items:center}
.legend-drugs{margin-bottom:10px!important}
.legend-drugs .rx{padding:3px 10px}
.swatch.outside{display:inline-block;width:26px;text-align:center;background:#eceff3;
color:#9aa2af;border:1px solid var(--line)}
.swatch.band{display:inline-block;width:26px;border-top:5px solid #9db7dc;
border-bottom:5px solid #e0b97a;height:12px;vertical-align:middle}
.month-block{margin-bottom:28px}
table.month{table-layout:fixed;border:1px solid #aab3c2}
table.month caption{text-align:left;font-size:22px;font-weight:700;padding:2px 0 8px;
color:var(--ink)}
table.month thead th{background:#2b3442;color:#fff;font-size:12px;padding:5px;
text-transform:uppercase;letter-spacing:.06em}
table.month td{border:1px solid #cdd3dd;vertical-align:top;height:112px;padding:4px 5px 6px;
font-size:12px;line-height:1.3;position:relative}
table.month td.weekend{background:#fafbfc}
td.outside{background:#eceff3!important;color:#a3aab6}
table.month td.cycle-odd{border-top:5px solid #9db7dc}
table.month td.cycle-even{border-top:5px solid #e0b97a}
table.month td.starts{border-left:5px solid var(--accent)}
.num{display:block;font-weight:700;font-size:14px;color:#283142}
td.outside .num{color:#a3aab6;font-weight:400}
.day-label{display:inline-block;font-weight:700;background:#2b3442;color:#fff;border-radius:4px;
padding:0 5px;font-size:11px;margin:1px 0 3px}
.cycle-start{display:block;background:var(--accent);color:#fff;font-weight:700;font-size:11px;
border-radius:3px;padding:1px 5px;margin:2px 0 3px;letter-spacing:.02em}
.legend .cycle-start{display:inline-block}
.cycle-end{display:block;margin-top:4px;font-weight:700;font-size:11px;color:var(--accent);
border-top:2px solid var(--accent)}
.rest{display:block;color:#8a93a3;font-size:11px;margin-top:2px}
.rx-list{list-style:none;margin:0;padding:0}
.rx{border-left:4px solid #777;background:#f2f2f2;border-radius:3px;padding:1px 5px;margin:2px 0}
.rx-drug{font-weight:600}
.rx-dose{font-weight:700;white-space:nowrap}
.rx-route{color:#3c4556;font-size:11px}
.rx .flag{font-size:9px;padding:0 3px}
.foot{color:#6e140c;border-top:3px solid var(--alert);padding:8px 4px;font-size:13px}
.foot p{margin:0}
.closed-day{display:block;font-weight:700;font-size:11px;color:#b42318;border:1.5px solid #b42318;
border-radius:3px;padding:0 4px;margin:2px 0;background:#fff3f1}
.legend .closed-day{display:inline-block}
table.month td.closed{background:#fff7f6}
@page{size:A4 landscape;margin:13mm 11mm 12mm}
@media print{
body{background:#fff;font-size:10pt;line-height:1.3;-webkit-print-color-adjust:exact;print-color-adjust:exact}
main{max-width:none;padding:0}
.sheet{border:none;box-shadow:none;border-radius:0;padding:0;margin:0}
.sheet+.sheet{break-before:page}
.foot{display:none}
.notice{font-size:10pt;padding:2mm 3mm}
.notice-mark{width:7mm;height:7mm;font-size:12pt}
h1{font-size:17pt}
h2{font-size:12pt;margin:3mm 0 1.5mm;break-after:avoid}
.subtitle{font-size:10pt;margin-bottom:2mm}
.fields{grid-template-columns:repeat(3,1fr);gap:0 6mm}
.field{padding:1mm 0;gap:2mm}
.field dt{font-size:7pt}
.field dd{font-size:8.5pt}
.notes{font-size:8.5pt;padding-left:5mm}
.notes li{margin:.5mm 0;break-inside:avoid}
.drug-notes,.protocol-notes,.schedule-notes{columns:2;column-gap:8mm}
.hint{font-size:8.5pt}
.contents{display:none}
h1{margin-top:10px}
.field{grid-template-columns:95px 1fr}
table.order{font-size:9pt}
table.order thead{display:table-header-group}
table.order tr{break-inside:avoid}
.cycle-block{margin:0}
.cycle-block+.cycle-block{margin-top:2mm;padding-top:1mm;border-top:1px solid #aab3c2}
table.dispense,table.order{margin:0}
.cycle-block h3{break-after:avoid;margin:1mm 0 1.5mm;font-size:11pt}
table caption{break-after:avoid;font-size:9pt;padding:1mm 0}
table.dispense{font-size:8pt;break-inside:avoid}
table.dispense th,table.dispense td{padding:.3mm 2mm;line-height:1.25}
table.dispense thead th{font-size:7pt}
table.dispense th,table.dispense td{white-space:nowrap}
table.dispense td.quantity{white-space:normal;width:40%}
table.order .flag,table.dispense .flag{font-size:6.5pt;line-height:1.15;padding:0 .8mm;
border-width:1px}
.hint.sizes{font-size:7.5pt;margin-bottom:2mm}
table.order th,table.order td{padding:.3mm 1.4mm;line-height:1.25}
table.order{font-size:8pt}
table.order thead th{font-size:7pt}
td.col-basis{white-space:nowrap}
.reasons{font-size:7pt;break-before:avoid}
.cycle-close{gap:5mm;break-before:avoid;break-inside:avoid}
#order-title{display:none}
table.sign{margin:1.5mm 0 0;font-size:8pt;min-width:0;break-inside:avoid}
table.sign caption{padding:0 0 .5mm}
table.sign td.blank{height:6.5mm}
table.sign td.name{width:40mm}
table.sign td.signature{width:45mm}
table.sign td.date{width:22mm}
.swatch.band{display:inline-block;width:26px;border-top:5px solid #9db7dc;
border-bottom:5px solid #e0b97a;height:12px;vertical-align:middle}
.month-block{break-inside:avoid;margin:0 0 4mm}
.month-block+.month-block{break-before:page}
.month-block+.month-block .legend{display:block}
.legend{break-inside:avoid;padding:1.5mm 3mm;margin-bottom:2mm}
.legend h3{display:none}
.legend ul{font-size:7pt;gap:.6mm 3mm}
.legend .flag{font-size:6pt}
.legend-drugs{margin-bottom:1.5mm!important}
.month-block h2{display:none}
.closed-day{font-size:7pt;margin:.3mm 0}
table.month caption{font-size:12pt;padding:0 0 1mm}
table.month thead th{padding:1mm;font-size:8pt}
table.month td{height:13mm;font-size:6.5pt;line-height:1.12;padding:.6mm .8mm}
.num{font-size:9pt}
.rx{margin:.3mm 0;padding:0 .8mm;border-left-width:3px}
.rx-route{font-size:6pt}
.rx .flag,td.day .flag{font-size:5.5pt;padding:0 .6mm;line-height:1.25}
.day-label,.cycle-start{font-size:7pt;margin:.3mm 0}
td.outside{background:none!important}
td.outside .num{text-decoration:line-through}
}
"""


def to_html(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> str:
    """The schedule as one self-contained HTML5 page: header, order sheet and calendar.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80),
    ...                    dt.date(2026, 1, 5), cycles=2, today=dt.date(2026, 1, 1))
    >>> page = to_html(s, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> [m for m in ("2026-01", "2026-02", "2026-03") if f'data-month="{m}"' in page]
    ['2026-01', '2026-02', '2026-03']
    """
    head = header(schedule, generated_at=generated_at)
    generated = dict(head.fields)["generated"]
    drug_index = {d.name: i for i, d in enumerate(schedule.protocol.drugs)}
    for admin in schedule.administrations:
        drug_index.setdefault(admin.drug, len(drug_index))
    sheets = _order_blocks(schedule, drug_index)
    identifier = schedule.patient.identifier
    title = head.title + (f" - {identifier}" if identifier else "")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{_CSS}{_drug_css(len(drug_index))}\n"
            f"{_page_css(schedule, head, generated, sheets)}\n</style>",
            "</head>",
            "<body>",
            "<main>",
            _header_html(head, schedule),
            _order_html(sheets),
            _calendar_html(schedule, drug_index),
            f'<footer class="foot"><p><strong>Verify before use.</strong> '
            f"{escape(head.notice)}</p></footer>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
