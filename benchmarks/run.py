"""Benchmarks for dosing: start-up, one schedule, iCalendar export and cohorts to CSV.

Run from the repository root:

    python3 benchmarks/run.py            # everything, about 8 minutes
    python3 benchmarks/run.py --quick    # fewer repetitions, cohorts up to 200 only

Each figure is printed next to its reference and target, with the ratio. Cohort runs and
start-up runs are separate processes; peak memory is each child's own maximum resident set
size, read with ``os.wait4`` (the per-child form of ``getrusage(RUSAGE_CHILDREN)``).
Measurements of the two sides of a ratio are interleaved, so a busy machine slows both.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

HERE = Path(__file__).resolve().parent
START = (dt.date.today() + dt.timedelta(days=7)).isoformat()
CYCLES = 12
FLOOR_IMPORTS = "import pint, pydantic, icalendar, dateutil"


# -- the patients every cohort run uses -------------------------------------------------------


def patient_values(n: int) -> list[tuple[str, int, int, str]]:
    """Deterministic patients: id, height in cm, weight in kg, dexamethasone choice ('' = 40)."""
    return [
        (f"P{i:06d}", 150 + (i * 7) % 50, 50 + (i * 11) % 60, "20" if i % 3 == 0 else "")
        for i in range(n)
    ]


def write_patients_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "height", "weight", "start", "choose"])
        for ident, height, weight, dex in patient_values(n):
            choose = f"dexamethasone={dex}" if dex else ""
            writer.writerow([ident, f"{height}cm", f"{weight}kg", START, choose])


# -- the reference loop: plain floats and the csv module --------------------------------------

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: D-KRd as plain data: (drug, route, kind, amount, days by cycle).
_DARA_DAYS = {1: (1, 8, 15, 22), 2: (1, 8, 15, 22), 3: (1, 15), 4: (1, 15), 5: (1, 15), 6: (1, 15)}
_CARFILZOMIB_DAYS = (1, 2, 8, 9, 15, 16)
_LENALIDOMIDE_DAYS = range(1, 22)
_DEXAMETHASONE_DAYS = (1, 8, 15, 22)


def reference_loop(n: int, out: Path) -> int:
    """Dates and doses of D-KRd for ``n`` patients with floats, written with the csv module."""
    start = dt.date.fromisoformat(START).toordinal()
    count = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(  # written out: this loop imports nothing of the library
            [
                "patient",
                "protocol",
                "date",
                "weekday",
                "cycle",
                "day",
                "drug",
                "dose",
                "unit",
                "route",
                "basis",
                "calculated",
                "reason",
            ]
        )
        for ident, height, weight, dex in patient_values(n):
            bsa = math.sqrt(height * weight / 3600)
            used = min(bsa, 2.2)
            cap = f"BSA {bsa:.2f} m² (Mosteller) capped at 2.2 m²" if bsa > 2.2 else ""
            dex_mg = float(dex or 40)
            for cycle in range(1, CYCLES + 1):
                first = start + (cycle - 1) * 28
                day_rows = []
                for day in _DARA_DAYS.get(cycle, (1,)):
                    mg = 16.0 * weight
                    day_rows.append(
                        (
                            day,
                            0,
                            "daratumumab",
                            "IV",
                            mg,
                            f"16 mg/kg × {weight:.1f} kg actual weight",
                            "",
                        )
                    )
                for day in _CARFILZOMIB_DAYS:
                    rate = 20.0 if cycle == 1 and day <= 2 else 56.0
                    reason = "priming dose" if rate == 20.0 else ""
                    reason = f"{reason}; {cap}" if reason and cap else reason or cap
                    day_rows.append(
                        (
                            day,
                            1,
                            "carfilzomib",
                            "IV",
                            rate * used,
                            f"{rate:g} mg/m² × {used:.3f} m² (Mosteller)",
                            reason,
                        )
                    )
                for day in _LENALIDOMIDE_DAYS:
                    day_rows.append((day, 2, "lenalidomide", "PO", 25.0, "25 mg flat", ""))
                for day in _DEXAMETHASONE_DAYS:
                    day_rows.append(
                        (day, 3, "dexamethasone", "PO", dex_mg, f"{dex_mg:g} mg flat", "")
                    )
                day_rows.sort(key=lambda r: (r[0], r[1]))
                for day, _, drug, route, mg, basis, reason in day_rows:
                    date = dt.date.fromordinal(first + day - 1)
                    writer.writerow(
                        [
                            ident,
                            "D-KRd",
                            date.isoformat(),
                            _WEEKDAYS[date.weekday()],
                            cycle,
                            day,
                            drug,
                            f"{round(mg, 1):g}",
                            "mg",
                            route,
                            basis,
                            f"{mg:.4f} mg",
                            reason,
                        ]
                    )
                    count += 1
    return count


def _half_up(mg: float) -> float:
    """Round to 0.1 mg, halves up, as the library reports a dose without a rounding policy."""
    return math.floor(mg * 10 + 0.5 + 1e-9) / 10


def reference_schedule(
    height: float, weight: float, start: int
) -> list[tuple[dt.date, int, int, str, str, float]]:
    """One 12-cycle D-KRd course with floats and ordinals: (date, cycle, day, drug, route, mg)."""
    used = min(math.sqrt(height * weight / 3600), 2.2)
    rows = []
    for cycle in range(1, CYCLES + 1):
        first = start + (cycle - 1) * 28
        day_rows = [
            (day, 0, "daratumumab", "IV", _half_up(16.0 * weight))
            for day in _DARA_DAYS.get(cycle, (1,))
        ]
        for day in _CARFILZOMIB_DAYS:
            rate = 20.0 if cycle == 1 and day <= 2 else 56.0
            day_rows.append((day, 1, "carfilzomib", "IV", _half_up(rate * used)))
        day_rows += [(day, 2, "lenalidomide", "PO", 25.0) for day in _LENALIDOMIDE_DAYS]
        day_rows += [(day, 3, "dexamethasone", "PO", 40.0) for day in _DEXAMETHASONE_DAYS]
        day_rows.sort()
        rows += [
            (dt.date.fromordinal(first + day - 1), cycle, day, drug, route, mg)
            for day, _, drug, route, mg in day_rows
        ]
    return rows


def _fold(line: str) -> str:
    """An iCalendar content line folded at 75 octets (continuation lines start with a space)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74
    return "\r\n ".join(parts) + "\r\n"


def _ical_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def reference_ics(n: int, folder: Path) -> tuple[int, int]:
    """One calendar file per patient, written with string formatting: an all-day VEVENT per
    treatment day with UID, DTSTAMP, DTSTART, DTEND, SUMMARY (the day's doses) and a
    DESCRIPTION (each dose with its basis and a short notice), folded at 75 octets."""
    import hashlib

    start = dt.date.fromisoformat(START).toordinal()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    events = written = 0
    for ident, height, weight, dex in patient_values(n):
        rows = reference_schedule(height, weight, start)
        dex_mg = float(dex or 40)
        days: dict[dt.date, list[tuple[int, int, str, str, float]]] = {}
        for date, cycle, day, drug, route, mg in rows:
            days.setdefault(date, []).append(
                (cycle, day, drug, route, dex_mg if drug == "dexamethasone" else mg)
            )
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//reference//EN",
            f"X-WR-CALNAME:{ident}",
        ]
        for date, doses in days.items():
            cycle, day = doses[0][0], doses[0][1]
            summary = f"C{cycle} D{day} · D-KRd: " + ", ".join(
                f"{d} {mg:g} mg {r}" for _, _, d, r, mg in doses
            )
            description = (
                "\n".join(f"{d} {mg:g} mg {r}" for _, _, d, r, mg in doses)
                + "\nVerify every dose before use."
            )
            uid = hashlib.sha256(f"{ident}|D-KRd|{cycle}|{day}".encode()).hexdigest()[:32]
            end = date + dt.timedelta(days=1)
            lines += [
                "BEGIN:VEVENT",
                f"UID:{uid}@reference",
                f"DTSTAMP:{stamp}",
                f"DTSTART;VALUE=DATE:{date:%Y%m%d}",
                f"DTEND;VALUE=DATE:{end:%Y%m%d}",
                f"SUMMARY:{_ical_text(summary)}",
                f"DESCRIPTION:{_ical_text(description)}",
                "END:VEVENT",
            ]
            events += 1
        lines.append("END:VCALENDAR")
        data = "".join(map(_fold, lines)).encode("utf-8")
        (folder / f"{ident}.ics").write_bytes(data)
        written += len(data)
    return events, written


def library_cohort(n: int, patients: Path, out: Path) -> int:
    """The same cohort through dosing.cohort: read, schedule lazily, stream one CSV."""
    import dosing
    from dosing.cohort import open_patients, schedule_patients, write_cohort_csv

    protocol = dosing.get_protocol("D-KRd")
    with open_patients(patients) as lines, out.open("w", encoding="utf-8", newline="") as handle:
        results = schedule_patients(protocol, lines, cycles=CYCLES)
        summary = write_cohort_csv(handle, results, protocol=protocol, cycles=CYCLES)
    if summary.rejected or summary.patients != n:
        raise SystemExit(f"cohort run rejected rows: {summary}")
    return summary.administrations


def _child(argv: Sequence[str]) -> None:
    """Run one measurement in this process and print it as JSON."""
    kind, n_text, folder = argv
    n = int(n_text)
    work = Path(folder)
    if kind == "warm":
        print(json.dumps(warm_figures(n)))
        return
    if kind == "ics-reference":
        begin = time.perf_counter()
        events, written = reference_ics(n, work)
        print(
            json.dumps({"seconds": time.perf_counter() - begin, "events": events, "bytes": written})
        )
        return
    if kind == "phases":
        print(json.dumps(cold_phases()))
        return
    setup = 0.0
    if kind == "library":
        import dosing.cohort

        # Imports are not timed; the one-time setup (unit registry, protocol files) is, and
        # is also reported on its own.
        begin = time.perf_counter()
        dosing.registry()
        dosing.get_protocol("D-KRd")
        setup = time.perf_counter() - begin
        rows = library_cohort(n, work / "patients.csv", work / "library.csv")
    else:
        begin = time.perf_counter()
        rows = reference_loop(n, work / "reference.csv")
    seconds = time.perf_counter() - begin
    print(json.dumps({"seconds": seconds, "rows": rows, "setup": setup}))


# -- measuring --------------------------------------------------------------------------------


def run_measured(command: Sequence[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Run a process to completion; return wall seconds, peak RSS in MB and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        begin = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - begin
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read()}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def median_time(func: Callable[[], object], *, repeat: int, number: int = 1) -> float:
    """Median seconds per call over ``repeat`` rounds of ``number`` calls."""
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        for _ in range(number):
            func()
        times.append((time.perf_counter() - begin) / number)
    return statistics.median(times)


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def row(
        self,
        name: str,
        value: str,
        reference: str = "",
        ratio: str = "",
        target: str = "",
        verdict: str = "",
    ) -> None:
        line = f"{name:<44} {value:>11} {reference:>11} {ratio:>7}  {target:<16} {verdict}"
        self.lines.append(line.rstrip())
        print(line.rstrip(), flush=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def dosing_command() -> list[str]:
    """The installed ``dosing`` script next to this Python (not a version-manager shim)."""
    script = Path(sys.executable).with_name("dosing")
    if script.exists():
        return [str(script)]
    found = shutil.which("dosing")
    return [found] if found else [sys.executable, "-m", "dosing._cli"]


def compile_package() -> None:
    """Byte-compile the ``dosing`` package where it is imported from, as an installed package
    is (pip compiles on install): an editable install under ``PYTHONDONTWRITEBYTECODE`` would
    otherwise compile every module on every start, which the libraries of the floor never do."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("dosing")
    if spec is None or spec.origin is None:
        raise SystemExit("dosing is not installed in this Python")
    compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def bench_cold_start(report: Report, runs: int, work: Path) -> None:
    command = [
        *dosing_command(),
        "calendar",
        "D-KRd",
        "--height",
        "175cm",
        "--weight",
        "80kg",
        "--start",
        START,
        "--cycles",
        str(CYCLES),
        "-o",
        "x.ics",
        "--force",
    ]
    floor = [sys.executable, "-c", FLOOR_IMPORTS]
    compile_package()
    run_measured(command, cwd=work)  # warm the file system cache
    run_measured(floor, cwd=work)
    ours, base = [], []
    for _ in range(runs):
        base.append(run_measured(floor, cwd=work)[0])
        ours.append(run_measured(command, cwd=work)[0])
    a, b = statistics.median(ours), statistics.median(base)
    report.row(
        "CLI cold start: calendar D-KRd 12 cycles -o .ics",
        _ms(a),
        _ms(b),
        f"{a / b:.2f}x",
        "<= 1.2x floor",
        _ok(a / b <= 1.2),
    )
    only_import = [sys.executable, "-c", "import dosing._cli"]
    times = [run_measured(only_import, cwd=work)[0] for _ in range(runs)]
    c = statistics.median(times)
    report.row("  of which: python -c 'import dosing._cli'", _ms(c), _ms(b), f"{c / b:.2f}x")


def warm_figures(repeat: int) -> dict[str, float | None]:
    """Median seconds of one 12-cycle D-KRd schedule and of the plain loop computing the same
    dates and doses, measured in turns; and of the schedule's iCalendar export."""
    import dosing

    protocol = dosing.get_protocol("D-KRd")
    patient = dosing.Patient(height="175 cm", weight="80 kg", identifier="MRN 1")
    start = dt.date.fromisoformat(START).toordinal()

    def build() -> dosing.Schedule:
        return dosing.build_schedule(protocol, patient, START, cycles=CYCLES)

    def reference() -> list[tuple[dt.date, int, int, str, str, float]]:
        return reference_schedule(175.0, 80.0, start)

    schedule = build()
    ours = [
        (a.date, a.cycle, a.day, a.drug, a.route, a.dose.final_mg) for a in schedule.administrations
    ]
    if ours != reference():
        raise SystemExit("the reference loop and the library disagree on the D-KRd schedule")
    lib, ref = [], []
    for _ in range(repeat):
        lib.append(median_time(build, repeat=1, number=20))
        ref.append(median_time(reference, repeat=1, number=20))
    figures: dict[str, float | None] = {
        "schedule": statistics.median(lib),
        "reference": statistics.median(ref),
        "ics": None,
    }
    from dosing.export.ics import to_ics

    to_ics(schedule)
    figures["ics"] = median_time(lambda: to_ics(schedule), repeat=max(repeat // 2, 5))
    return figures


def bench_warm(report: Report, repeat: int) -> None:
    me = str(Path(__file__).resolve())
    _, _, out = run_measured([sys.executable, me, "--child", "warm", str(repeat), "."])
    figures = json.loads(out)
    a, b = figures["schedule"], figures["reference"]
    report.row(
        "one schedule D-KRd 12 cycles (warm)",
        _ms(a),
        _ms(b),
        f"{a / b:.2f}x",
        "<= 2x",
        _ok(a / b <= 2),
    )
    report.row("its iCalendar export (warm)", _ms(figures["ics"]))


def cohort_command(patients: Path, out: str, *options: str) -> list[str]:
    """``dosing cohort PATIENTS --protocol D-KRd --cycles 12 -o OUT --force`` and ``options``."""
    return [
        *dosing_command(),
        "cohort",
        str(patients),
        "--protocol",
        "D-KRd",
        "--cycles",
        str(CYCLES),
        "-o",
        out,
        "--force",
        *options,
    ]


def _digest(folder: Path) -> str:
    """One SHA-256 over every file of ``folder``, by name: equal for byte-identical runs."""
    import hashlib

    total = hashlib.sha256()
    for file in sorted(folder.iterdir()):
        total.update(file.name.encode() + b"\0" + hashlib.sha256(file.read_bytes()).digest())
    return total.hexdigest()


def bench_ics_cohort(report: Report, n: int, rounds: int, work: Path, *, target: bool) -> None:
    """Per-patient calendars through ``dosing cohort -o DIR/ --format ics`` against the plain
    loop writing the same events, each a whole process, in turns; bytes per event of each.

    The runs fix the generation time, so that every round must write the same bytes."""
    me = str(Path(__file__).resolve())
    folder = work / f"ics-{n}"
    folder.mkdir(exist_ok=True)
    write_patients_csv(folder / "patients.csv", n)
    ours_dir, ref_dir = folder / "dosing", folder / "reference"
    command = cohort_command(
        folder / "patients.csv",
        f"{ours_dir}/",
        "--format",
        "ics",
        "--no-progress",
        "--generated-at",
        "2026-01-01T00:00:00Z",
    )
    lib, ref, rss, digests = [], [], [], set()
    figures: dict[str, int] = {}
    for _ in range(rounds):
        shutil.rmtree(ours_dir, ignore_errors=True)
        shutil.rmtree(ref_dir, ignore_errors=True)
        ref_dir.mkdir()
        seconds, _, out = run_measured(
            [sys.executable, me, "--child", "ics-reference", str(n), str(ref_dir)]
        )
        ref.append(seconds)
        figures = json.loads(out)
        seconds, peak, _ = run_measured(command)
        lib.append(seconds)
        rss.append(peak)
        digests.add(_digest(ours_dir))
    if len(digests) != 1:
        raise SystemExit(f"ics cohort of {n}: the {rounds} runs wrote different bytes")
    files = sorted(ours_dir.glob("*.ics"))
    ours_bytes = sum(f.stat().st_size for f in files)
    ours_events = sum(f.read_bytes().count(b"BEGIN:VEVENT") for f in files)
    if ours_events != figures["events"] or len(files) != n:
        raise SystemExit(
            f"ics cohort: {ours_events} events in {len(files)} files, reference {figures['events']}"
        )
    a, b = statistics.median(lib), statistics.median(ref)
    report.row(
        f"ics cohort {n:>5} x {CYCLES} D-KRd ({ours_events:,} events)",
        _ms(a),
        _ms(b),
        f"{a / b:.2f}x",
        "<= 3x" if target else "",
        _ok(a / b <= 3) if target else "",
    )
    report.row(
        "  bytes per event (dosing, reference)",
        f"{ours_bytes / ours_events:.0f} B",
        f"{figures['bytes'] / figures['events']:.0f} B",
        f"{ours_bytes / figures['bytes']:.2f}x",
    )
    report.row(f"  per patient, {n} patients", _ms(a / n), _ms(b / n))
    report.row(
        f"  peak RSS, {n} patients",
        f"{max(rss):.0f} MB",
        "",
        "",
        "< 200 MB",
        _ok(max(rss) < 200),
    )
    if rounds > 1:
        report.row(f"  {rounds} runs byte-identical", "yes")


def bench_cohorts(report: Report, sizes: Sequence[int], rounds: int, work: Path) -> None:
    me = str(Path(__file__).resolve())
    for n in sizes:
        folder = work / f"cohort-{n}"
        folder.mkdir(exist_ok=True)
        write_patients_csv(folder / "patients.csv", n)
        lib_t, ref_t, lib_rss, ref_rss, setup = [], [], [], [], []
        rows = {}
        for _ in range(rounds):
            for kind, times, rss in (("reference", ref_t, ref_rss), ("library", lib_t, lib_rss)):
                child = [sys.executable, me, "--child", kind, str(n), str(folder)]
                _, peak, out = run_measured(child)
                data = json.loads(out)
                times.append(data["seconds"])
                rss.append(peak)
                if kind == "library":
                    setup.append(data["setup"])
                rows[kind] = data["rows"]
        if rows["library"] != rows["reference"]:
            raise SystemExit(f"row counts differ for {n} patients: {rows}")
        _same_dates_and_drugs(folder)
        a, b = statistics.median(lib_t), statistics.median(ref_t)
        target, verdict = ("<= 1.5x", _ok(a / b <= 1.5)) if n == 1000 else ("", "")
        report.row(
            f"cohort {n:>5} x {CYCLES} D-KRd -> CSV ({rows['library']:,} rows)",
            _ms(a),
            _ms(b),
            f"{a / b:.2f}x",
            target,
            verdict,
        )
        s = statistics.median(setup)
        report.row("  of which one-time setup (units, protocols)", _ms(s))
        report.row(
            f"  per patient after setup, {n} patients",
            _ms((a - s) / n),
            _ms(b / n),
            f"{(a - s) / b:.2f}x",
        )
        report.row(
            f"  peak RSS, {n} patients",
            f"{max(lib_rss):.0f} MB",
            f"{max(ref_rss):.0f} MB",
            f"{max(lib_rss) / max(ref_rss):.2f}x",
            "< 200 MB",
            _ok(max(lib_rss) < 200),
        )
        if n == 1000 or (n == max(sizes) and 1000 not in sizes):
            command = cohort_command(folder / "patients.csv", str(folder / "cli.csv"))
            wall = [run_measured(command)[0] for _ in range(rounds)]
            floor = [run_measured([sys.executable, "-c", FLOOR_IMPORTS])[0] for _ in range(rounds)]
            seconds = statistics.median(wall)
            report.row(
                f"  whole command: dosing cohort ({n} patients)",
                _ms(seconds),
                "",
                "",
                "< 3 s" if n == 1000 else "",
                _ok(seconds < 3) if n == 1000 else "",
            )
            report.row("  (import floor for comparison)", _ms(statistics.median(floor)))


def _same_dates_and_drugs(folder: Path) -> None:
    """The reference loop really does the same work: same patients, dates, weekdays, days, drugs.

    Both files are read as streams, so this process stays small: the peak memory of every
    later child process is at least this process's own (Linux carries it across exec).
    """

    def keys(handle: TextIO) -> Iterator[tuple[str, ...]]:
        lines = (ln for ln in handle if not ln.startswith("#"))
        return (tuple(r[:7]) for r in csv.reader(lines))

    with (
        (folder / "library.csv").open(encoding="utf-8", newline="") as a,
        (folder / "reference.csv").open(encoding="utf-8", newline="") as b,
    ):
        for left, right in itertools.zip_longest(keys(a), keys(b)):
            if left != right:
                raise SystemExit(f"reference loop and library disagree in {folder}: {left} {right}")


def import_profile(report: Report, top: int = 10) -> None:
    """Where start-up goes: imports beyond the floor, then each phase of a cold calendar run."""
    code = f"{FLOOR_IMPORTS}; import dosing._cli"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    entries = _importtime(result.stderr)
    # -X importtime lists a module after everything it imported; top-level names have one
    # space of indent. The subtree of dosing._cli follows the floor's last top-level module.
    tops = [i for i, (_, _, name) in enumerate(entries) if not name.startswith("  ")]
    end = next(i for i in tops if entries[i][2].strip() == "dosing._cli")
    begin = max((i for i in tops if i < end), default=-1) + 1
    ours = entries[begin : end + 1]
    total = sum(self_us for self_us, _, _ in ours)
    print(
        f"\nimports beyond the floor for 'import dosing._cli': {total / 1000:.1f} ms "
        "(self time, -X importtime); largest:"
    )
    for self_us, cumulative, name in sorted(ours, key=lambda e: -e[0])[:top]:
        print(
            f"  {self_us / 1000:7.1f} ms self {cumulative / 1000:7.1f} ms cumulative  "
            f"{name.strip()}"
        )
    me = str(Path(__file__).resolve())
    _, _, out = run_measured([sys.executable, me, "--child", "phases", "0", "."])
    print("\ncold calendar run, phase by phase (one process):")
    for name, seconds in json.loads(out).items():
        print(f"  {seconds * 1000:7.1f} ms  {name}")


def cold_phases() -> dict[str, float]:
    """Seconds of each step of a first calendar run in a fresh process."""
    marks = [("start", time.perf_counter())]
    import dateutil
    import icalendar
    import pint
    import pydantic

    del dateutil, icalendar, pint, pydantic
    marks.append(("import floor (pint, pydantic, icalendar, dateutil)", time.perf_counter()))
    import dosing._cli

    marks.append(("import dosing._cli (and the dosing package)", time.perf_counter()))
    import dosing

    dosing.registry()
    marks.append(("unit registry", time.perf_counter()))
    protocol = dosing.get_protocol("D-KRd")
    marks.append(("get_protocol('D-KRd')", time.perf_counter()))
    patient = dosing.Patient(height="175cm", weight="80kg")
    schedule = dosing.build_schedule(protocol, patient, START, cycles=CYCLES)
    marks.append(("patient and schedule", time.perf_counter()))
    from dosing.export.ics import to_ics

    marks.append(("import dosing.export.ics", time.perf_counter()))
    to_ics(schedule)
    marks.append(("to_ics, first call", time.perf_counter()))
    to_ics(schedule)
    marks.append(("to_ics, second call", time.perf_counter()))
    return {name: t - marks[i][1] for i, (name, t) in enumerate(marks[1:])}


def _importtime(text: str) -> list[tuple[int, int, str]]:
    out = []
    for line in text.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(.*)$", line)
        if m:
            out.append((int(m[1]), int(m[2]), m[3]))
    return out


def _interpreter_start(runs: int = 5) -> float:
    return statistics.median(run_measured([sys.executable, "-c", "pass"])[0] for _ in range(runs))


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller cohorts")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    print(f"machine: {machine()}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"date: {dt.date.today().isoformat()}; start date used: {START}; load average: {load}")
    print(f"interpreter alone (python -c pass): {_ms(_interpreter_start())}\n")
    report = Report()
    report.row("measurement", "value", "reference", "ratio", "target")
    with tempfile.TemporaryDirectory(prefix="dosing-bench-") as tmp:
        work = Path(tmp)
        bench_cold_start(report, runs=5 if args.quick else 11, work=work)
        bench_warm(report, repeat=10 if args.quick else 30)
        sizes = (10, 100) if args.quick else (10, 100, 1000, 10000)
        bench_cohorts(report, sizes, rounds=1 if args.quick else 3, work=work)
        for n in (10, 100, 200) if args.quick else (10, 100, 200, 1000, 10000):
            rounds = 1 if args.quick or n > 1000 else 3
            bench_ics_cohort(report, n, rounds=rounds, work=work, target=n == 200)
    import_profile(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
