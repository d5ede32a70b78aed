"""Free text that reaches an output is escaped or neutralised for that output.

The patient identifier and a user protocol's name, setting, citation and notes carry commas,
semicolons, quotes, newlines, control characters, markup and a leading ``=``, ``+``, ``-``
or ``@``. Each export must stay well-formed and must not hand a spreadsheet a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import html.parser
import io
import json

import pytest

import dosing
from dosing.export._common import COLUMNS
from dosing.export.html import to_html
from dosing.export.ics import to_ics
from dosing.export.table import to_csv, to_json, to_markdown

HOSTILE = '=HYPERLINK("http://x.invalid")|<script>alert(1)</script>, ; "q" \\ line1\nline2\r\x07\x1b @,=1+1, "=cmd",@SUM,-2+3'
MOMENT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PROTOCOL = f"""
format = 1
id = "Hostile-Kd"
name = {json.dumps("+" + HOSTILE)}
setting = {json.dumps("-" + HOSTILE)}
cycle_length_days = 28
notes = [{json.dumps("@" + HOSTILE)}]

[cycles]
default = 1

[[sources]]
tag = "INST"
citation = {json.dumps(HOSTILE)}

[[drugs]]
name = "dexamethasone"
route = "PO"
dose = "40 mg"
sources = ["INST"]
schedule = [{{ cycles = "1+", days = [1, 8] }}]
"""


@pytest.fixture(scope="module")
def schedule() -> dosing.Schedule:
    protocol = dosing.loads_protocol(PROTOCOL)
    patient = dosing.Patient(height="175 cm", weight="80 kg", identifier=HOSTILE[:200])
    return dosing.build_schedule(protocol, patient, "2026-01-05", today=dt.date(2026, 1, 1))


def test_csv_cells_never_start_a_formula(schedule: dosing.Schedule) -> None:
    """Read as a spreadsheet would, no cell begins with = + - @ unless it is a number."""
    text = to_csv(schedule, generated_at=MOMENT)
    for line in text.split("\r\n"):
        if line:
            assert line.startswith(("# ", "date,", "20")), line
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            stripped = cell.lstrip()
            if stripped[:1] in {"=", "+", "-", "@"}:
                float(stripped)  # only numbers may start with a sign
    assert "\x07" not in text
    assert "\x1b" not in text


def test_csv_header_lines_stay_single_lines(schedule: dosing.Schedule) -> None:
    """A newline in free text cannot start a new CSV record."""
    text = to_csv(schedule, generated_at=MOMENT)
    header_lines = [line for line in text.split("\r\n") if line.startswith("#")]
    assert any("HYPERLINK" in line for line in header_lines)
    body = text.split("\r\n")[len(header_lines) :]
    assert body[0] == ",".join(COLUMNS)
    assert len([line for line in body if line]) == 3


def test_markdown_table_keeps_its_columns(schedule: dosing.Schedule) -> None:
    """Pipes, newlines and markup in free text are escaped; every table row has its columns."""
    text = to_markdown(schedule, generated_at=MOMENT)
    assert "<script>" not in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    for line in table:
        unescaped = line.replace("\\|", "")
        assert unescaped.count("|") == len(COLUMNS) + 1, line
    assert "\x07" not in text


def test_json_round_trips_the_identifier(schedule: dosing.Schedule) -> None:
    """JSON keeps the identifier exactly (JSON escaping is lossless)."""
    data = json.loads(to_json(schedule, generated_at=MOMENT))
    assert data["patient"]["identifier"] == HOSTILE[:200]


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_free_text(schedule: dosing.Schedule) -> None:
    """No script element reaches the page; the hostile text shows as text."""
    page = to_html(schedule, generated_at=MOMENT)
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags
    assert any("<script>alert(1)</script>" in chunk for chunk in parser.text)
    assert "\x07" not in page


def test_ics_text_is_escaped_and_parses(schedule: dosing.Schedule) -> None:
    """The calendar stays valid: CRLF lines of at most 75 octets, no control characters,
    and the free text parses back through an independent parser."""
    import vobject

    data = to_ics(schedule, generated_at=MOMENT)
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        assert not any(b < 32 and b != 9 for b in line)
    calendar = vobject.readOne(data.decode("utf-8"))
    events = calendar.contents["vevent"]
    assert len(events) == 2
    assert any("HYPERLINK" in e.description.value for e in events)
