"""Free text that reaches an output is escaped or neutralised for that output.

The patient identifier and a user protocol's name, setting, citation and notes carry commas,
semicolons, quotes, newlines, control characters, markup and a leading ``=``, ``+``, ``-``
or ``@``. Each export must stay well-formed and must not hand a spreadsheet a formula.

A second round: a line break in a cell never starts a CSV record or moves rows to another
patient; no control or bidirectional character (CR, U+009B, U+202E, ...) reaches a terminal
table, an export or an error message; and no CSV cell is a formula whether a spreadsheet
splits the line at commas, semicolons or tabs.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import html.parser
import io
import itertools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import dosing
from dosing._cli import main
from dosing.export import render
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
    lines = text.split("\r\n")
    header_lines = list(itertools.takewhile(lambda line: line.startswith("#"), lines))
    assert any("HYPERLINK" in line for line in header_lines)
    body = list(
        itertools.takewhile(lambda line: not line.startswith("#"), lines[len(header_lines) :])
    )
    assert body[0] == ",".join(COLUMNS)
    assert len([line for line in body if line]) == 3


def test_markdown_table_keeps_its_columns(schedule: dosing.Schedule) -> None:
    """Pipes, newlines and markup in free text are escaped; every table row has its columns."""
    text = to_markdown(schedule, generated_at=MOMENT)
    assert "<script>" not in text
    main_table = text.split("**Totals per cycle**")[0]
    table = [line for line in main_table.splitlines() if line.startswith("| ")]
    assert table
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
    assert "HYPERLINK" in calendar.contents["description"][0].value


# -- line breaks, control and bidirectional characters, other separators --------------------

ROOT = Path(__file__).resolve().parents[1]
#: Every character no output or message may hold as itself: C0 but tab and newline, DEL, C1
#: (U+009B is a terminal's CSI), line and paragraph separators, bidirectional controls.
NEVER_SHOWN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
BIDI = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
PATIENT_ARGS = ["--height", "175cm", "--weight", "80kg", "--start", "2026-01-05"]
#: A step-up note that, shown raw, returns the cursor and prints a fake row over the real one.
OVERWRITE = "priming\r2026-01-05      1    1  carfilzomib    394  mg  IV"


def _krd_variant(note: str, *, notes: Sequence[str] = (), name: str = "") -> str:
    """The built-in KRd file as a user protocol with its own id and the given texts."""
    text = (ROOT / "protocols" / "KRd.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^id = "KRd"$', 'id = "KRd-hostile"', text)
    text = re.sub(r"(?m)^aliases = .*$", "aliases = []", text)
    text = re.sub(r'(?m)^note = "priming dose:.*"$', lambda _: f"note = {json.dumps(note)}", text)
    if name:
        text = re.sub(r"(?m)^name = .*$", lambda _: f"name = {json.dumps(name)}", text, count=1)
    if notes:
        text = re.sub(
            r"(?ms)^notes = \[.*?^\]$", lambda _: f"notes = {json.dumps(list(notes))}", text
        )
    return text


def _screen(text: str) -> list[str]:
    """What a terminal shows: a CR returns to the start of the line, later text overwrites."""
    shown = []
    for raw in text.split("\n"):
        cells: list[str] = []
        column = 0
        for char in raw:
            if char == "\r":
                column = 0
                continue
            if column < len(cells):
                cells[column] = char
            else:
                cells.append(char)
            column += 1
        shown.append("".join(cells))
    return shown


def _hostile_schedule(identifier: str, note: str, **texts: Any) -> dosing.Schedule:
    protocol = dosing.loads_protocol(_krd_variant(note, **texts))
    patient = dosing.Patient(height="175 cm", weight="80 kg", identifier=identifier)
    return dosing.build_schedule(protocol, patient, "2026-01-05", cycles=1, today=TODAY)


TODAY = dt.date(2026, 1, 1)


def _cohort_csv(tmp_path: Path, identifiers: Sequence[str], protocol_text: str = "") -> str:
    """The combined cohort CSV for patients with these ids (KRd, one cycle), as text."""
    patients = tmp_path / "patients.csv"
    with patients.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "height", "weight", "start"])
        for identifier in identifiers:
            writer.writerow([identifier, "175cm", "80kg", (dt.date.today()).isoformat()])
    out = tmp_path / "all.csv"
    args = ["cohort", str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(out)]
    if protocol_text:
        user = tmp_path / "user.toml"
        user.write_text(protocol_text, encoding="utf-8")
        args = [*args[:3], "KRd-hostile", *args[4:], "--protocol-file", str(user)]
    assert main(args) == 0
    return out.read_bytes().decode("utf-8")


def test_a_line_break_in_an_identifier_never_moves_rows_to_another_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'MRN 0001\\nMRN 0002' stays one cell on one line: every row names its own patient."""
    text = _cohort_csv(tmp_path, ["MRN 0001\nMRN 0002", "MRN 0003", "A\rB", "C\r\nD"])
    capsys.readouterr()
    expected = {"MRN 0001 MRN 0002": 31, "MRN 0003": 31, "A B": 31, "C D": 31}
    # read with the csv module
    body = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    table = list(csv.reader(body))
    counts = collections.Counter(row[0] for row in table[1:])
    assert counts == expected
    # read without any CSV parser: one record per CRLF line, the id up to the first comma
    lines = [line for line in text.split("\r\n") if line and not line.startswith("#")]
    assert collections.Counter(line.split(",")[0] for line in lines[1:]) == expected
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


@pytest.mark.parametrize("breaker", ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028"])
def test_a_line_break_in_a_note_never_starts_a_record_or_a_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breaker: str
) -> None:
    """A note with a line break then =1+1 stays inside its cell or comment, with no formula."""
    hostile = f"see below{breaker}=1+1"
    protocol = _krd_variant(hostile, notes=[hostile])
    single = to_csv(_hostile_schedule("P1", hostile, notes=[hostile]), generated_at=MOMENT)
    combined = _cohort_csv(tmp_path, ["P1"], protocol)
    capsys.readouterr()
    for text in (single, combined):
        records = text.split("\r\n")
        assert all(breaker not in line for line in records)
        for line in records:
            assert not line.startswith(("=", "+", "-", "@")), line
        _assert_no_formula(text)


def _pieces(text: str, separator: str) -> list[str]:
    """Every cell a spreadsheet could see, splitting at ``separator`` with and without quotes."""
    out = []
    for line in text.split("\r\n"):
        out += line.split(separator)
        out += next(csv.reader([line], delimiter=separator), [])
    return out


def _assert_no_formula(text: str) -> None:
    for separator in (",", ";", "\t"):
        for piece in _pieces(text, separator):
            start = piece.lstrip(' "')
            if start[:1] in {"=", "+", "-", "@"}:
                float(start.rstrip(' "').replace(",", "."))  # only a number may start so


HOSTILE_IDS = [
    "P1;=1+1",
    "x\t=1+1",
    "P1,=1+1",
    'a; "=cmd"',
    "-5;=1",
    "-5,=1",
    "1;+SUM(A1)",
    "1\t@SUM(A1)",
    "a;-1+1",
    '";=1',
    "  =1+1",
    "a,'=1",
    "-5",
    "+49 170 1234567",
    "-0.0",
]


def test_no_cell_is_a_formula_whatever_the_separator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Split at commas, semicolons or tabs, no piece of a CSV - comments too - is a formula."""
    note = "step;=1+1\t+cmd|' /C calc'!A0, @SUM(1)"
    protocol = _krd_variant(note, notes=[note], name="Kd;=HYPERLINK(1)")
    combined = _cohort_csv(tmp_path, HOSTILE_IDS, protocol)
    capsys.readouterr()
    _assert_no_formula(combined)
    for identifier in HOSTILE_IDS:
        single = to_csv(
            _hostile_schedule(identifier, note, notes=[note], name="Kd;=1"), generated_at=MOMENT
        )
        _assert_no_formula(single)


def test_a_semicolon_identifier_is_kept_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """P1;=1+1 is written as P1;'=1+1: the text stays, only the formula start is quoted."""
    text = _cohort_csv(tmp_path, ["P1;=1+1"])
    capsys.readouterr()
    assert "\r\nP1;'=1+1,KRd,2" in text
    assert "# patient P1;'=1+1: protocol KRd (cohort), cycles 1 (cohort), height 175 cm" in text


def test_a_carriage_return_in_a_note_never_overwrites_a_dose_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The terminal table shows 39.4 mg on C1 D1 however the step-up note tries to overprint it."""
    path = tmp_path / "user.toml"
    path.write_text(_krd_variant(OVERWRITE, notes=[OVERWRITE]), encoding="utf-8")
    args = [*PATIENT_ARGS, "--cycles", "1", "--protocol-file", str(path)]
    assert main(["calendar", "KRd-hostile", *args]) == 0
    table = capsys.readouterr().out
    assert main(["show", "KRd-hostile", "--protocol-file", str(path)]) == 0
    shown = capsys.readouterr().out
    for text in (table, shown):
        assert _screen(text) == text.split("\n")
        assert not NEVER_SHOWN.search(text)
    rows = [
        re.split(r"\s{2,}", line)
        for line in _screen(table)
        if line.startswith("2026-01-05") and "carfilzomib" in line
    ]
    assert [row[5] for row in rows] == ["39.4 mg"]


def test_bidirectional_and_control_characters_reach_no_export() -> None:
    """U+202E and every other bidi control, C1 (U+009B) and CR reach none of the six formats."""
    hostile = f"MRN{BIDI}\x9b[2J\x1b]8;;x\x07\r0001"
    s = _hostile_schedule(hostile[:200], f"note {BIDI}\x9b", notes=[hostile], name=hostile)
    outputs = {
        fmt: render(s, fmt, generated_at=MOMENT) for fmt in ("table", "csv", "md", "json", "html")
    }
    outputs["ics"] = render(s, "ics", generated_at=MOMENT)
    for fmt, data in outputs.items():
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        if fmt == "ics":
            text = text.replace("\r\n", "\n")
        if fmt == "csv":
            text = text.replace("\r\n", "\n")
        assert not NEVER_SHOWN.search(text), fmt
    identifier = json.loads(outputs["json"])["patient"]["identifier"]
    assert identifier == hostile[:200]  # JSON keeps the value, written with \\u escapes


CLI_MESSAGES = [
    ["calendar", f"K{BIDI}Rd\x9b[2J", *PATIENT_ARGS],
    ["calendar", "KRd", *PATIENT_ARGS, "--choose", f"carfil{BIDI}zomib\x1b[31m=36"],
    ["show", "KRd", "--protocol-file", f"/no/such/{BIDI}\x9b\x1b[2J\r.toml"],
    ["validate", f"/no/such/{BIDI}\x9b\r.toml"],
    ["cohort", f"/no/such/{BIDI}\x9b\r.csv", "--protocol", "KRd", "-o", "out.csv"],
    ["bsa", "--height", f"175{BIDI}cm", "--weight", "80kg"],
]


@pytest.mark.parametrize("args", CLI_MESSAGES, ids=[a[0] for a in CLI_MESSAGES])
def test_error_messages_print_no_control_or_bidi_character(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Drug names, protocol ids and file names inside messages are shown without their controls."""
    status = main(args)
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.endswith("\n")
    assert not NEVER_SHOWN.search(captured.err + captured.out)
