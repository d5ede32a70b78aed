"""Benchmarks for dosing: start-up, one schedule, iCalendar export and cohorts to CSV.

Run from the repository root (about a minute):

    python3 benchmarks/run.py            # everything
    python3 benchmarks/run.py --quick    # fewer repetitions, cohorts of 10 and 100 only

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
                for day in (1, 2, 8, 9, 15, 16):
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
                for day in range(1, 22):
                    day_rows.append((day, 2, "lenalidomide", "PO", 25.0, "25 mg flat", ""))
                for day in (1, 8, 15, 22):
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
    run_measured(command, cwd=work)  # warm the file system cache and byte-code
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
        "<= 1.5x floor",
        _ok(a / b <= 1.5),
    )
    only_import = [sys.executable, "-c", "import dosing._cli"]
    times = [run_measured(only_import, cwd=work)[0] for _ in range(runs)]
    c = statistics.median(times)
    report.row("  of which: python -c 'import dosing._cli'", _ms(c), _ms(b), f"{c / b:.2f}x")


def warm_figures(repeat: int) -> dict[str, float | None]:
    """Median seconds of one 12-cycle D-KRd schedule and of its iCalendar export, warm."""
    import dosing

    protocol = dosing.get_protocol("D-KRd")
    patient = dosing.Patient(height="175 cm", weight="80 kg", identifier="MRN 1")

    def build() -> dosing.Schedule:
        return dosing.build_schedule(protocol, patient, START, cycles=CYCLES)

    schedule = build()
    figures: dict[str, float | None] = {
        "schedule": median_time(build, repeat=repeat, number=20),
        "ics": None,
    }
    try:
        from dosing.export.ics import to_ics
    except ImportError:
        return figures
    to_ics(schedule)
    figures["ics"] = median_time(lambda: to_ics(schedule), repeat=max(repeat // 2, 5))
    return figures


def bench_warm(report: Report, repeat: int) -> None:
    me = str(Path(__file__).resolve())
    _, _, out = run_measured([sys.executable, me, "--child", "warm", str(repeat), "."])
    figures = json.loads(out)
    seconds = figures["schedule"]
    report.row(
        "one schedule D-KRd 12 cycles (warm)", _ms(seconds), "", "", "< 2 ms", _ok(seconds < 0.002)
    )
    if figures["ics"] is None:
        report.row("its iCalendar export (warm)", "n/a", "", "", "< 20 ms", "no ics export yet")
        return
    seconds = figures["ics"]
    report.row("its iCalendar export (warm)", _ms(seconds), "", "", "< 20 ms", _ok(seconds < 0.020))


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
        target, verdict = ("<= 3x, < 3 s", _ok(a / b <= 3 and a < 3)) if n == 1000 else ("", "")
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
        if n == max(sizes):
            command = [
                *dosing_command(),
                "cohort",
                str(folder / "patients.csv"),
                "--protocol",
                "D-KRd",
                "--cycles",
                str(CYCLES),
                "-o",
                str(folder / "cli.csv"),
                "--force",
            ]
            wall = [run_measured(command)[0] for _ in range(rounds)]
            floor = [run_measured([sys.executable, "-c", FLOOR_IMPORTS])[0] for _ in range(rounds)]
            seconds = statistics.median(wall)
            report.row(
                f"  whole command: dosing cohort ({n} patients)",
                _ms(seconds),
                "",
                "",
                "< 3 s",
                _ok(seconds < 3),
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
        bench_warm(report, repeat=10 if args.quick else 50)
        sizes = (10, 100) if args.quick else (10, 100, 1000)
        bench_cohorts(report, sizes, rounds=1 if args.quick else 3, work=work)
    import_profile(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
