"""HTML: one self-contained page with the order sheet and a month-grid calendar.

The page has three parts, each starting on a new sheet when printed:

* the **order header**: the verification notice, every header field (patient, BSA and
  formula, protocol, choices with defaults marked, cycles, generated, sources), the schedule
  notes and the protocol notes;
* the **order sheet**: one table per cycle with the columns ``date, cycle, day, drug, dose,
  unit, route, basis, calculated, reason``, step-up, capped and rounded doses marked in words,
  and per-drug totals for the cycle and cumulative;
* the **calendar**: one Monday-to-Sunday grid per month the schedule touches, each treatment
  day showing its cycle/day label and every drug with its dose and route, cycle starts
  labelled, and a legend.

The document has inline CSS only: no scripts, fonts, images or links to other files. Every
piece of text is escaped, and control and bidirectional characters are replaced with U+FFFD. The output depends
only on the schedule and ``generated_at``.

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
from collections.abc import Iterable

from dosing._text import multi_line
from dosing.export._common import COLUMNS, Header, header, rows
from dosing.notation import format_amount, format_number, report_decimals
from dosing.schedule import Administration, HeldAdministration, Schedule

__all__ = ["escape", "to_html"]

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
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
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

#: The CSS class of each trace event's flag word (:attr:`dosing.trace.Event.flag`).
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
    "check": "warn",
}


def escape(text: object) -> str:
    """Text made safe for HTML content and quoted attributes; control characters replaced.

    The characters :mod:`dosing._text` lists (controls, bidirectional controls,
    non-characters) become U+FFFD; line breaks become ``\\n``.

    >>> escape('<b a="1">&\\x07')
    '&lt;b a=&quot;1&quot;&gt;&amp;\\ufffd'
    """
    return html.escape(multi_line(str(text)), quote=True)


def _flags(admin: Administration) -> tuple[str, ...]:
    """The flag words of every reason this dose differs from its plain rule, once each."""
    return tuple(dict.fromkeys(e.flag for e in admin.reasons))


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


# -- the header -----------------------------------------------------------------------------


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
    if head.course_changes:
        parts.append('<h2>Course changes</h2><ol class="notes course-changes">')
        parts += [f"<li>{escape(c)}</li>" for c in head.course_changes]
        parts.append("</ol>")
    if head.held:
        parts.append('<h2>Held, not given</h2><ul class="notes held-doses">')
        parts += [f"<li>{escape(h)}</li>" for h in head.held]
        parts.append("</ul>")
    if head.warnings:
        parts.append('<h2>Check before giving</h2><ul class="notes warnings">')
        parts += [f"<li>{escape(w)}</li>" for w in head.warnings]
        parts.append("</ul>")
    if head.premedication:
        parts.append('<h2>Premedication to order separately</h2><ul class="notes premedication">')
        parts += [f"<li>{escape(p)}</li>" for p in head.premedication]
        parts.append("</ul>")
    if head.notes:
        parts.append('<h2>Notes on this schedule</h2><ul class="notes schedule-notes">')
        parts += [f"<li>{escape(n)}</li>" for n in head.notes]
        parts.append("</ul>")
    if head.drug_notes:
        parts.append('<h2>Drug notes</h2><ul class="notes drug-notes">')
        parts += [f"<li>{escape(n)}</li>" for n in head.drug_notes]
        parts.append("</ul>")
    if head.protocol_notes:
        parts.append('<h2>Protocol notes</h2><ul class="notes protocol-notes">')
        parts += [f"<li>{escape(n)}</li>" for n in head.protocol_notes]
        parts.append("</ul>")
    parts.append(
        '<nav class="contents"><a href="#order-sheet">Order sheet</a> '
        '<a href="#calendar">Calendar</a></nav>'
    )
    parts.append("</section>")
    return "\n".join(parts)


# -- the order sheet ------------------------------------------------------------------------


def _order_html(schedule: Schedule, drug_index: dict[str, int]) -> str:
    table_rows = rows(schedule)
    admins = schedule.administrations
    totals = schedule.totals()
    parts = [
        '<section class="sheet" id="order-sheet" aria-labelledby="order-title">',
        '<h2 id="order-title">Order sheet</h2>',
        f'<p class="hint">Rows marked {_badges(_FLAG_CLASS).strip()} differ from the plain '
        "dose rule or need something besides it; the reason column says what. The calculated "
        "column is before rounding to the given dose.</p>",
    ]
    head_cells = "".join(f'<th scope="col" class="col-{c}">{escape(c)}</th>' for c in COLUMNS)
    for cycle in schedule.cycle_numbers:
        first, last = schedule.cycle_window(cycle)
        parts.append(
            f'<div class="cycle-block" id="cycle-{cycle}">'
            f'<h3><span class="cycle-tag">Cycle {cycle}</span> '
            f"{_long_date(first)} to {_long_date(last)}</h3>"
        )
        in_cycle = [(a, r) for a, r in zip(admins, table_rows, strict=True) if a.cycle == cycle]
        if not in_cycle:
            parts.append('<p class="hint">No doses in this cycle.</p>')
        else:
            parts.append(
                f'<table class="order" data-cycle="{cycle}"><thead><tr>{head_cells}'
                "</tr></thead><tbody>"
            )
            previous: dt.date | None = None
            for admin, r in in_cycle:
                flags = _flags(admin)
                classes = ["admin", f"drug-{drug_index[admin.drug]}"]
                if admin.date != previous:
                    classes.append("new-day")
                if flags:
                    classes.append("modified")
                previous = admin.date
                cells = []
                # data columns hold plain numbers; a page people read writes doses per ISMP
                shown = {
                    "dose": format_number(
                        admin.dose.final_mg, decimals=max(2, report_decimals(admin.dose.final_mg))
                    ),
                    "calculated": format_number(admin.dose.calculated_mg, decimals=4),
                }
                for name, text in zip(COLUMNS, r.cells(), strict=True):
                    body = escape(shown.get(name, text))
                    if name == "reason" and flags:
                        body = _badges(flags) + body
                    cells.append(f'<td class="col-{name}">{body}</td>')
                parts.append(f'<tr class="{" ".join(classes)}">{"".join(cells)}</tr>')
            parts.append("</tbody></table>")
        parts.append(
            f'<table class="totals" data-cycle="{cycle}"><caption>Totals, cycle {cycle}</caption>'
            '<thead><tr><th scope="col">drug</th><th scope="col">doses</th>'
            f'<th scope="col">total in cycle {cycle}</th>'
            f'<th scope="col">cumulative to end of cycle {cycle}</th></tr></thead><tbody>'
        )
        for t in totals:
            if t.cycle != cycle:
                continue
            parts.append(
                f'<tr class="total drug-{drug_index[t.drug]}"><th scope="row">{escape(t.drug)}</th>'
                f"<td>{t.administrations}</td><td>{escape(format_amount(t.total_mg, 'mg'))}</td>"
                f"<td>{escape(format_amount(t.cumulative_mg, 'mg'))}</td></tr>"
            )
        parts.append("</tbody></table></div>")
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
    keys = [
        '<li><span class="day-label">C1 D8</span> cycle 1, day 8</li>',
        '<li><span class="cycle-start">Cycle 2 starts</span> first day of a cycle</li>',
        f"<li>{_badges(_FLAG_CLASS).strip()} dose differs from the plain rule or needs "
        "something besides it (see the order sheet)</li>",
        '<li><span class="swatch band">&nbsp;</span> top edge: cycle (alternates between '
        "cycles)</li>",
        '<li><span class="swatch outside">9</span> day of another month</li>',
    ]
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
    inner = [f'<span class="num">{day.day}</span>']
    if day in starts:
        inner.append(f'<span class="cycle-start">Cycle {starts[day]} starts</span>')
    if admins:
        first = admins[0]
        inner.append(f'<span class="day-label">C{first.cycle} D{first.day}</span>')
        inner.append('<ul class="rx-list">')
        for a in admins:
            inner.append(
                f'<li class="rx drug-{drug_index[a.drug]}"><span class="rx-drug">{escape(a.drug)}'
                f'</span> <span class="rx-dose">{escape(a.dose.text)}</span> '
                f'<span class="rx-route">{escape(a.route)}</span>'
                + (" " + _badges(_flags(a)).rstrip() if _flags(a) else "")
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
    parts = [
        '<section class="sheet calendar" id="calendar" aria-labelledby="calendar-title">',
        '<h2 id="calendar-title">Calendar</h2>',
    ]
    legend = _legend_html(schedule, drug_index)
    head_cells = "".join(f'<th scope="col">{w}</th>' for w in _WEEKDAYS)
    for year, month in _months(*_span(schedule)):
        parts.append(
            f'<div class="month-block" id="month-{year:04d}-{month:02d}">{legend}'
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
            f"tr.admin.drug-{i} td.col-drug{{box-shadow:inset 4px 0 0 {strong}}}"
        )
    return "\n".join(rules)


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
.flag-renal{color:#1f5fa8;border-style:dashed}.flag-amend{color:#005f73;border-style:solid;font-style:italic}
.held{display:block;font-size:11px;color:#6b7280;text-decoration:line-through}.flag-premed{color:#8a5a00;border-style:dotted}
table.totals{width:auto;min-width:560px;margin:12px 0 8px;font-size:13px}
table.totals caption{text-align:left;font-weight:700;padding:4px 0}
table.totals th,table.totals td{border:1px solid var(--line);padding:3px 10px;text-align:right}
table.totals th[scope=row],table.totals thead th{text-align:left}
table.totals thead th{background:var(--soft);font-size:12px}
.cycle-block{margin-bottom:26px}
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
@page{size:A4 landscape;margin:11mm}
@media print{
body{background:#fff;font-size:10pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
main{max-width:none;padding:0}
.sheet{border:none;box-shadow:none;border-radius:0;padding:0;margin:0}
.sheet+.sheet{break-before:page}
.contents{display:none}
h1{margin-top:10px}
.field{grid-template-columns:95px 1fr}
table.order{font-size:9pt}
table.order thead{display:table-header-group}
table.order tr{break-inside:avoid}
.cycle-block+.cycle-block{break-before:page}
.cycle-block h3{break-after:avoid}
table.totals{break-inside:avoid}
.swatch.band{display:inline-block;width:26px;border-top:5px solid #9db7dc;
border-bottom:5px solid #e0b97a;height:12px;vertical-align:middle}
.month-block{break-inside:avoid;margin:0 0 4mm}
.month-block+.month-block{break-before:page}
.month-block+.month-block .legend{display:block}
.legend{break-inside:avoid;padding:1.5mm 3mm;margin-bottom:2mm}
.legend h3{display:none}
.legend ul{font-size:7.5pt;gap:1mm 4mm}
.legend-drugs{margin-bottom:1.5mm!important}
.calendar>h2{font-size:13pt;margin:0 0 2mm}
table.month caption{font-size:14pt;padding:0 0 2mm}
table.month thead th{padding:1mm;font-size:8pt}
table.month td{height:16mm;font-size:7pt;line-height:1.15;padding:.8mm 1mm}
.num{font-size:9pt}
.rx{margin:.5mm 0;padding:0 1mm;border-left-width:3px}
.rx-route{font-size:6.5pt}
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
    drug_index = {d.name: i for i, d in enumerate(schedule.protocol.drugs)}
    for admin in schedule.administrations:
        drug_index.setdefault(admin.drug, len(drug_index))
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
            f"<style>{_CSS}{_drug_css(len(drug_index))}\n</style>",
            "</head>",
            "<body>",
            "<main>",
            _header_html(head, schedule),
            _order_html(schedule, drug_index),
            _calendar_html(schedule, drug_index),
            f'<footer class="foot"><p><strong>Verify before use.</strong> '
            f"{escape(head.notice)}</p></footer>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
