"""The table outputs: a weekday beside every date, totals per cycle, a terminal table that fits."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from dosing import Patient, Schedule, build_schedule, get_protocol
from dosing.export import render
from dosing.export._common import COLUMNS
from dosing.export.table import TERMINAL_WIDTH, to_csv, to_json, to_markdown, to_text

GENERATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TODAY = dt.date(2026, 1, 1)

#: KdD from Friday 2026-01-09, cycle 1: the treatment dates and their weekdays, by hand.
FRIDAY_DATES = [
    ("2026-01-09", "Fri"),
    ("2026-01-10", "Sat"),
    ("2026-01-16", "Fri"),
    ("2026-01-17", "Sat"),
    ("2026-01-23", "Fri"),
    ("2026-01-24", "Sat"),
    ("2026-01-30", "Fri"),
]


@pytest.fixture(scope="module")
def friday() -> Schedule:
    return build_schedule(
        get_protocol("KdD"),
        Patient(height="175 cm", weight="80 kg", identifier="MRN 0003"),
        "2026-01-09",
        cycles=1,
        closed=["2026-01-16", "2026-12-25"],
        today=TODAY,
    )


def _csv_table(text: str) -> list[dict[str, str]]:
    """The CSV's main table, read as pandas.read_csv(comment="#") reads it: # lines skipped."""
    lines = [line for line in text.split("\r\n") if line and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_weekday_follows_date_in_the_columns() -> None:
    """The columns are date, weekday, cycle, day, ... in every table."""
    assert COLUMNS[:3] == ("date", "weekday", "cycle")


def test_csv_weekdays_are_the_days_of_the_dates(friday: Schedule) -> None:
    """Each CSV row's weekday is its date's (2026-01-09 is a Friday)."""
    table = _csv_table(to_csv(friday, generated_at=GENERATED))
    assert list(table[0])[:3] == ["date", "weekday", "cycle"]
    assert list(dict.fromkeys((r["date"], r["weekday"]) for r in table)) == FRIDAY_DATES


def test_markdown_and_json_and_terminal_write_the_weekday(friday: Schedule) -> None:
    """Markdown, JSON and the terminal table carry the same weekday for each date."""
    markdown = to_markdown(friday, generated_at=GENERATED)
    assert "| date | weekday | cycle | day | drug |" in markdown
    assert "| 2026-01-10 | Sat | 1 | 2 | carfilzomib | 39.4 |" in markdown
    data = json.loads(to_json(friday, generated_at=GENERATED))
    shown = [(a["date"], a["weekday"]) for a in data["administrations"]]
    assert list(dict.fromkeys(shown)) == FRIDAY_DATES
    text = to_text(friday, generated_at=GENERATED)
    assert re.search(r"^2026-01-17  Sat +1 +9  carfilzomib +110\.4 mg", text, re.M)


def test_csv_totals_per_cycle_follow_as_comment_lines() -> None:
    """KRd cycle 1, 175 cm / 80 kg: carfilzomib 2 × 39.4 + 4 × 110.4 = 520.4 mg, lenalidomide
    21 × 25 = 525 mg, dexamethasone 4 × 40 = 160 mg; a reader that skips # lines sees none."""
    schedule = build_schedule(
        get_protocol("KRd"), Patient(height="175 cm", weight="80 kg"), "2026-01-05",
        cycles=2, today=TODAY,
    )  # fmt: skip
    text = to_csv(schedule, generated_at=GENERATED)
    assert len(_csv_table(text)) == len(schedule.administrations)
    lines = text.split("\r\n")
    start = lines.index("# totals,cycle,drug,doses,total_mg,cumulative_mg")
    totals = list(csv.reader(line[2:] for line in lines[start + 1 :] if line))
    assert totals == [
        ["total", "1", "carfilzomib", "6", "520.4", "520.4"],
        ["total", "1", "lenalidomide", "21", "525", "525"],
        ["total", "1", "dexamethasone", "4", "160", "160"],
        ["total", "2", "carfilzomib", "6", "662.4", "1182.8"],
        ["total", "2", "lenalidomide", "21", "525", "1050"],
        ["total", "2", "dexamethasone", "4", "160", "320"],
    ]
    assert all(line.startswith("#") for line in lines[start:] if line)


def test_markdown_and_terminal_show_totals_per_cycle() -> None:
    """Markdown has a totals table and the terminal a totals block: 525 mg of lenalidomide."""
    schedule = build_schedule(
        get_protocol("KRd"), Patient(height="175 cm", weight="80 kg"), "2026-01-05",
        cycles=1, today=TODAY,
    )  # fmt: skip
    markdown = to_markdown(schedule, generated_at=GENERATED)
    assert "| cycle | drug | doses | total mg | cumulative mg |" in markdown
    assert "| 1 | lenalidomide | 21 | 525 | 525 |" in markdown
    text = to_text(schedule, generated_at=GENERATED)
    assert "totals per cycle:" in text
    assert re.search(r"^ +1  carfilzomib +6 +520\.4 +520\.4$", text, re.M)


@pytest.mark.parametrize("protocol", ["D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD"])
@pytest.mark.parametrize("size", [("175 cm", "80 kg"), ("200 cm", "130 kg")])
def test_the_terminal_table_fits_100_columns_and_drops_nothing(
    protocol: str, size: tuple[str, str]
) -> None:
    """No line is wider than 100 columns; every basis and every reason is there in full."""
    height, weight = size
    schedule = build_schedule(
        get_protocol(protocol),
        Patient(height=height, weight=weight, identifier="MRN " + "7" * 150),
        "2026-01-09",
        cycles=2,
        closed=["2026-01-16"],
        today=TODAY,
    )
    text = to_text(schedule, generated_at=GENERATED)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= TERMINAL_WIDTH
    table = lines[lines.index("") + 1 : lines.index("reasons:") - 1]
    bases: list[str] = []  # a row starts with its date; a wrapped basis goes on below it
    for line in table[1:]:
        if line[:1].isdigit():
            bases.append(re.split(r" {2,}", line)[7])
        else:
            bases[-1] += " " + line.strip()
    assert bases == [a.dose.basis for a in schedule.administrations]
    flat = " ".join(text.split())
    for admin in schedule.administrations:
        for event in admin.reasons:
            assert " ".join(str(event).split()) in flat
    assert "MRN " + "7" * 150 in text.replace("\n  ", "")


def test_a_closure_warns_in_every_export(friday: Schedule) -> None:
    """Closed on 2026-01-16 and 2026-12-25: every format lists the dates, warns on C1 D8 and
    marks the three doses on it; no date moves."""
    line = "clinic closed on Fri 2026-01-16 (C1 D8): daratumumab, carfilzomib, dexamethasone"
    dose = "clinic closed on Fri 2026-01-16: dose not moved"
    for fmt in ("csv", "md", "json", "table", "html", "ics"):
        out = render(friday, fmt, generated_at=GENERATED)
        text = out if isinstance(out, str) else out.decode("utf-8")
        flat = " ".join(text.replace("\r\n ", "").replace("\\", "").split())
        if fmt != "json":  # JSON has the warnings and each dose's events, not the header
            assert "Fri 2026-01-16, Fri 2026-12-25" in flat, fmt
        assert line in flat, fmt
        assert dose in flat, fmt
    table = _csv_table(to_csv(friday, generated_at=GENERATED))
    closed = [r["drug"] for r in table if "clinic closed" in r["reason"]]
    assert closed == ["daratumumab", "carfilzomib", "dexamethasone"]
    assert {r["date"] for r in table} == {d for d, _ in FRIDAY_DATES}
