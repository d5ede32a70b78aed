"""The ``dosing`` command line: the only module that reads argv or prints.

Every command imports what it needs when it runs, so that start-up stays fast. Errors in
input exit with status 2 and one line on stderr naming the field; there is no traceback.
Every line printed to stderr, and every stdout line that carries a user's text, goes
through :mod:`dosing._text`, so no control or bidirectional character reaches the terminal.
An option given an empty value is an error naming the option, never a silent default.

SIGINT, SIGTERM and SIGHUP become the same clean-up as an interruption: the temporary file
being written is removed, any file it would have replaced is left as it was, and the
exit status is 130 for SIGINT and 128 + the signal's number for the others (143, 129).
A terminal that cannot show ``²`` or ``×`` gets ``2`` and ``x`` instead of a crash.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from dosing._text import message, one_line, terminal_fallback
from dosing.export.formats import REGISTRY, all_extensions, format_for_path, get_format

if TYPE_CHECKING:
    from dosing.cohort import CohortResult
    from dosing.schedule import Schedule

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

PATIENT_EXAMPLE = "--height 175cm --weight 80kg --start 2026-01-05"


class _UsageError(Exception):
    """A command-line usage error (argparse's), reported in one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see '{self.prog} --help')")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        _refuse_empty_values(self, parsed)
        return parsed, extras


def _refuse_empty_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """An option or argument given an empty (or blank) value is an error that names it.

    Left alone, ``--tz ""`` would mean "no zone" and ``-o ""`` "print to the terminal":
    something else than what was typed, silently.
    """
    from dosing.errors import DosingError

    for action in parser._actions:
        value = getattr(args, action.dest, None)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and not item.strip():
                name = "/".join(action.option_strings) or str(action.metavar or action.dest)
                hint = (action.help or "").replace("%%", "%")
                got = "an empty string" if not item else f"{item!r} (blank)"
                raise DosingError(name, "given a value", got, hint)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _add_patient_options(
    p: argparse.ArgumentParser, *, start: bool = True, required: bool = True
) -> None:
    more = "" if required else " (required unless --course gives it)"
    p.add_argument(
        "--height",
        required=required,
        help=f"height with unit: 175cm, 1.75m, 69in, '5 ft 9 in' (bare number: cm){more}",
    )
    p.add_argument(
        "--weight",
        required=required,
        help=f"actual weight with unit: 80kg, 176lb (bare number: kg){more}",
    )
    if start:
        p.add_argument("--start", required=required, help=f"cycle 1 day 1 as YYYY-MM-DD{more}")
    p.add_argument("--id", dest="identifier", help="patient identifier shown in the header")
    p.add_argument(
        "--sex", choices=["female", "male"], help="for creatinine clearance (Cockcroft-Gault)"
    )
    p.add_argument(
        "--age",
        type=_int_arg("--age"),
        help="age in years: creatinine clearance and the older-patient dexamethasone check",
    )
    p.add_argument(
        "--creatinine",
        help="serum creatinine with unit: 1.1mg/dL or 97umol/L; with --age and --sex it gives "
        "the creatinine clearance and renal starting doses (lenalidomide)",
    )
    p.add_argument(
        "--dialysis",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the patient is (or is not) on dialysis: the renal tables' dialysis row",
    )
    p.add_argument(
        "--accept-outlier",
        action="store_true",
        help="accept a height or weight outside the adult range (shown in every output)",
    )


def _add_renal_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--renal-table",
        metavar="TABLE",
        help="renal starting-dose table: us (default) or eu, as the protocol files give them",
    )
    p.add_argument(
        "--clearance-weight",
        choices=["actual", "ideal", "adjusted"],
        help="body weight for Cockcroft-Gault (default: actual; shown in every output)",
    )


def _add_protocol_file_option(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--protocol-file", action="append", default=[], metavar="PATH", help=help_text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command (also used to check the docs)."""
    parser = _Parser(
        prog="dosing",
        formatter_class=_formatter,
        description=(
            "Turn multiple-myeloma carfilzomib protocols into per-patient dosing calendars.\n"
            "A calculator for trained clinicians: verify every dose before use."
        ),
        epilog=f"example:\n  dosing calendar KRd {PATIENT_EXAMPLE} -o krd.ics",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "protocols",
        help="list the built-in protocols",
        formatter_class=_formatter,
        description=(
            "List the built-in protocols by group (seed regimens, label variants, other\n"
            "regimens): id, name, setting, cycle length, cycles."
        ),
        epilog=(
            "examples:\n  dosing protocols\n  dosing protocols --drug daratumumab\n"
            "  dosing protocols --protocol-file my.toml"
        ),
    )
    _add_protocol_file_option(p, "also list protocols from this file or folder (repeatable)")
    p.add_argument(
        "--drug", metavar="NAME", help="list only the protocols that give this drug (generic name)"
    )
    p.set_defaults(run=_cmd_protocols)

    p = sub.add_parser(
        "show",
        help="show a protocol as a cycle-by-day table",
        formatter_class=_formatter,
        description="Print a protocol as a readable cycle-by-day table with its sources and notes.",
        epilog="example:\n  dosing show KdD",
    )
    p.add_argument("protocol", metavar="ID", help="protocol id or alias (case-insensitive)")
    p.add_argument(
        "--format",
        choices=["text", "fhir"],
        default="text",
        help="text (default) or fhir: the protocol as a FHIR R4 PlanDefinition (as fhir-plan)",
    )
    _add_protocol_file_option(p, "load protocols from this file or folder too (repeatable)")
    p.set_defaults(run=_cmd_show)

    p = sub.add_parser(
        "fhir-plan",
        help="write a protocol as a FHIR R4 PlanDefinition",
        formatter_class=_formatter,
        description="Write a protocol, with its choices, as an HL7 FHIR R4 PlanDefinition (JSON):\n"
        "one ActivityDefinition per drug and dose, one action per range of cycles.\n"
        "Patient calendars (dosing calendar ... --format fhir) instantiate it. See docs/fhir.md.",
        epilog="examples:\n  dosing fhir-plan KRd -o krd.plan.json\n"
        "  dosing fhir-plan KdD --choose dexamethasone=20",
    )
    p.add_argument("protocol", metavar="ID", help="protocol id or alias (case-insensitive)")
    p.add_argument(
        "--choose",
        action="append",
        default=[],
        metavar="DRUG=VALUE",
        help="a protocol choice in the rule's unit, e.g. dexamethasone=20 (repeatable)",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout"
    )
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--generated-at", help="the PlanDefinition's date (ISO 8601)")
    _add_protocol_file_option(p, "load protocols from this file or folder too (repeatable)")
    p.set_defaults(run=_cmd_fhir_plan)

    p = sub.add_parser(
        "calendar",
        help="write a patient's dosing calendar",
        formatter_class=_formatter,
        description="Expand a protocol for one patient into dated doses and write a table or calendar.\n"
        f"The format follows the -o extension ({' '.join(_extensions_text())}) unless --format is given.",
        epilog=(
            "examples:\n"
            f"  dosing calendar KRd {PATIENT_EXAMPLE}\n"
            f"  dosing calendar D-KRd {PATIENT_EXAMPLE} --cycles 4 -o dkrd.ics\n"
            f"  dosing calendar KCyD {PATIENT_EXAMPLE} --choose carfilzomib=36 --format csv\n"
            f"  dosing calendar KdD {PATIENT_EXAMPLE} -o kdd.ics --time 09:00 --tz Europe/Berlin --remind 1d"
        ),
    )
    p.add_argument(
        "protocol",
        metavar="ID",
        nargs="?",
        help="protocol id or alias (case-insensitive), or a protocol file; not with --course",
    )
    _add_patient_options(p, required=False)
    p.add_argument(
        "--cycles", type=_int_arg("--cycles"), help="number of cycles (default: the protocol's)"
    )
    course = p.add_argument_group(
        "the patient's course",
        "changes to the plan, each from a named point (C3 = cycle 3, C2D8 = cycle 2 day 8);\n"
        "everything before the point is unchanged (see docs/course.md)",
    )
    course.add_argument(
        "--course",
        metavar="FILE",
        help="read the course (patient, protocol, start, choices, changes) from FILE",
    )
    course.add_argument(
        "--save-course",
        metavar="FILE",
        help="write the course, with the changes given here, to FILE (may be the --course file)",
    )
    course.add_argument(
        "--delay",
        action="append",
        default=[],
        metavar="POINT:DAYS",
        help="C3:7 = cycle 3 and later start 7 days later; C2D8:2 = that day and later (repeatable)",
    )
    course.add_argument(
        "--hold",
        action="append",
        default=[],
        metavar="DRUG@POINT",
        help="carfilzomib@C2D15 = one dose omitted; lenalidomide@C4 = a cycle; @C4+ = from C4 on",
    )
    course.add_argument(
        "--reduce",
        action="append",
        default=[],
        metavar="DRUG=LEVEL@POINT",
        help="carfilzomib=45@C3 or carfilzomib=-1@C3: a dose level the protocol declares",
    )
    course.add_argument(
        "--reweigh",
        action="append",
        default=[],
        metavar="WEIGHT@POINT",
        help="95kg@C4: a new weight from cycle 4 (95kg@C4:recalculate forces a new BSA)",
    )
    course.add_argument(
        "--start-cycle",
        type=_int_arg("--start-cycle"),
        metavar="N",
        help="the calendar begins at cycle N on --start (a patient who began elsewhere)",
    )
    course.add_argument(
        "--reason", help="why the changes given here were made (shown in every output)"
    )
    course.add_argument(
        "--recorded",
        metavar="YYYY-MM-DD",
        help="when the changes given here were recorded (default: the generation date)",
    )
    p.add_argument(
        "--bsa-formula",
        default=None,
        help="mosteller (default), dubois, haycock, gehan-george or boyd",
    )
    _add_renal_options(p)
    p.add_argument(
        "--choose",
        action="append",
        default=[],
        metavar="DRUG=VALUE",
        help="a protocol choice in the rule's unit, e.g. carfilzomib=36 (repeatable)",
    )
    p.add_argument(
        "--round",
        action="append",
        default=[],
        metavar="DRUG=POLICY",
        help="opt-in rounding: nearest:10, vials:10,30,60@5%%, strengths:25,50@10%% "
        "(whole capsules/tablets, any number; add ,max=N to allow at most N) (repeatable)",
    )
    p.add_argument(
        "--closed",
        action="append",
        default=[],
        metavar="YYYY-MM-DD[,...]",
        help="a date the clinic is closed (repeatable, or a comma list): no dose is moved, "
        "every dose on it is flagged in every output",
    )
    p.add_argument(
        "--format", choices=list(REGISTRY), help="output format (default: from -o, else table)"
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout"
    )
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument(
        "--per",
        choices=["day", "administration"],
        help="ics: one event per treatment day (default) or per administration",
    )
    p.add_argument("--time", help="ics: timed events starting at HH:MM (default: all-day events)")
    p.add_argument("--tz", help="ics: IANA time zone for --time, e.g. Europe/Berlin")
    p.add_argument(
        "--duration",
        default=None,
        help="ics: length of a timed clinic event when the protocol does not give every infusion "
        "time, e.g. 2h or 90m (default 1h; otherwise the sum of the infusion times)",
    )
    p.add_argument(
        "--remind",
        help="ics: reminder before each timed event, e.g. 2h, 30m; with --remind-at, all-day "
        "events are reminded that many whole days before (1d: the day before)",
    )
    p.add_argument(
        "--remind-at",
        metavar="HH:MM",
        help="ics: the time of day all-day events remind at, e.g. 08:00 (on the day; with "
        "--remind 1d the day before)",
    )
    p.add_argument(
        "--for",
        dest="audience",
        choices=["staff", "patient"],
        help="ics: who the calendar is for: staff (default: every dose's full trace) or "
        "patient (plain words; no identifier, measurement or source)",
    )
    p.add_argument(
        "--generated-at",
        help="fix the generation time (ISO 8601, e.g. 2026-01-01T00:00:00Z) for byte-identical output; SOURCE_DATE_EPOCH is honoured too",
    )
    _add_protocol_file_option(p, "load protocols from this file or folder too (repeatable)")
    p.set_defaults(run=_cmd_calendar)

    p = sub.add_parser(
        "bsa",
        help="body surface area by all five formulas",
        formatter_class=_formatter,
        description="Body surface area of a patient by Mosteller, DuBois, Haycock, Gehan-George and Boyd.",
        epilog="examples:\n  dosing bsa --height 175cm --weight 80kg\n  dosing bsa --height '5 ft 9 in' --weight 176lb --format json",
    )
    p.add_argument("--height", required=True, help="height with unit (bare number: cm)")
    p.add_argument("--weight", required=True, help="weight with unit (bare number: kg)")
    p.add_argument(
        "--accept-outlier", action="store_true", help="accept values outside the adult range"
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(run=_cmd_bsa)

    p = sub.add_parser(
        "validate",
        help="check protocol files and report every problem",
        formatter_class=_formatter,
        description="Validate protocol files and folders; print every problem with its location.\n"
        "Exit status 0 if all are valid, 2 if any is not.",
        epilog="example:\n  dosing validate protocols/ my-protocol.toml",
    )
    p.add_argument("paths", nargs="+", metavar="FILE|DIR")
    p.set_defaults(run=_cmd_validate)

    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of protocol files, course files or the JSON document",
        formatter_class=_formatter,
        description="Print the JSON Schema (draft 2020-12) of protocol files, with --course of course\n"
        "files, or with --document of the JSON schedule document (calendar -o FILE.json).",
        epilog="examples:\n  dosing schema > protocol.schema.json\n  dosing schema --course > course.schema.json\n"
        "  dosing schema --document > schedule.schema.json",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--course", action="store_true", help="the course file format instead")
    which.add_argument("--document", action="store_true", help="the JSON schedule document instead")
    p.set_defaults(run=_cmd_schema)

    p = sub.add_parser(
        "cohort",
        help="schedule many patients from a CSV file",
        formatter_class=_formatter,
        description="Read one patient per row (columns id, height, weight, start; optional\n"
        "protocol, cycles, choose, a column per drug choice, age, sex, creatinine, dialysis,\n"
        "date_of_birth) from a file separated by commas, semicolons or tabs, and write one\n"
        "combined CSV or JSON Lines file, or one file per patient into a folder.\n"
        "A row's own cell wins over --protocol and --cycles, which fill its empty cells.\n"
        "Rejected rows are reported with their line number; the others are written.",
        epilog="examples:\n  dosing cohort patients.csv --protocol D-KRd --cycles 12 -o all.csv\n"
        "  dosing cohort patients.csv --protocol KRd -o calendars/ --format ics\n"
        "  dosing cohort patients.csv --protocol KRd -o all.jsonl --clinic-days days.csv",
    )
    p.add_argument("patients", metavar="PATIENTS.csv")
    p.add_argument(
        "--protocol",
        metavar="ID",
        help="protocol of the rows without a protocol cell (required unless the file has a "
        "protocol column)",
    )
    p.add_argument(
        "--cycles",
        type=_int_arg("--cycles"),
        help="cycles of the rows without a cycles cell (default: each protocol's)",
    )
    p.add_argument(
        "--bsa-formula",
        default=None,
        help="mosteller (default), dubois, haycock, gehan-george or boyd",
    )
    _add_renal_options(p)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.csv|OUT.jsonl|DIR",
        help="combined CSV, JSON Lines (one patient per line), or a folder for one file per "
        "patient",
    )
    p.add_argument(
        "--format",
        choices=[f.name for f in REGISTRY.values() if f.per_patient],
        default=None,
        help="format of the per-patient files when -o is a folder (default ics)",
    )
    p.add_argument(
        "--clinic-days",
        metavar="DAYS.csv",
        help="also write per date the patients, IV and SC/IM administrations and chair time",
    )
    p.add_argument("--force", action="store_true", help="replace existing output files")
    p.add_argument(
        "--accept-outlier", action="store_true", help="accept values outside the adult ranges"
    )
    p.add_argument("--generated-at", help="fix the generation time (ISO 8601)")
    _add_protocol_file_option(p, "load protocols from this file or folder too (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.set_defaults(run=_cmd_cohort)
    return parser


def _version() -> str:
    from dosing import __version__

    return __version__


def _int_arg(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number, got {text!r}"
            ) from None

    return parse


# -- commands --------------------------------------------------------------------------------


def _extra_protocols(paths: Sequence[str], name: str | None = None) -> list[Any]:
    """The protocols of every ``--protocol-file``; a path that holds none is an error.

    A protocol named by the path of a ``.toml`` file (``dosing calendar my.toml ...``) is
    loaded as if given with ``--protocol-file``.
    """
    from dosing._files import os_reason
    from dosing.catalogue import load_protocols
    from dosing.errors import DosingError

    if name is not None and name.lower().endswith(".toml") and name not in paths:
        if not Path(name).is_file():
            raise DosingError(
                "protocol", "a known id or alias, or a protocol file", repr(name), "no such file"
            )
        paths = [*paths, name]
    found: list[Any] = []
    for path in paths:
        try:
            exists = Path(path).exists()
            loaded = load_protocols([path]) if exists else []
        except OSError as err:
            raise DosingError(
                "--protocol-file", "a readable protocol file or folder", repr(path), os_reason(err)
            ) from None
        if not exists:
            raise DosingError(
                "--protocol-file", "an existing protocol file or folder", repr(path), "no such path"
            )
        if not loaded:
            raise DosingError(
                "--protocol-file",
                "a protocol file or a folder with *.toml protocol files",
                repr(path),
                "the folder has none",
            )
        found.extend(loaded)
    return found


def _cmd_protocols(args: argparse.Namespace) -> int:
    from itertools import groupby

    from dosing.catalogue import builtin_protocols, clashes
    from dosing.errors import DosingError
    from dosing.export.table import aligned
    from dosing.protocol import GROUPS

    extra = _extra_protocols(args.protocol_file)
    problems = [f"{origin}: {m}" for origin, messages in clashes(extra).items() for m in messages]
    if problems:
        raise DosingError(
            "--protocol-file",
            "protocols that do not answer to the same name",
            "; ".join(problems),
            "rename the id or alias in the file",
        )
    found = [*extra, *builtin_protocols()]
    if args.drug is not None:
        found = _giving_drug(found, args.drug)
    order = [*GROUPS, None]
    found.sort(key=lambda p: order.index(p.group))
    lines = aligned(
        [
            ("id", "name", "setting", "cycle", "cycles"),
            *[
                (p.id, p.name, p.setting, f"{p.cycle_length_days} days", p.cycles_text())
                for p in found
            ],
        ]
    )
    body = iter(lines[1:])
    for index, (group, members) in enumerate(groupby(found, key=lambda p: p.group)):
        if index:
            _out("")
        _out(GROUPS[group] if group is not None else "No group given")
        _out(lines[0])
        for _ in members:
            _out(next(body))
    return EXIT_OK


def _giving_drug(found: list[Any], name: str) -> list[Any]:
    """The protocols that give the drug ``name`` (case-insensitive); none is an error."""
    import difflib

    from dosing.errors import DosingError

    wanted = name.strip().lower()
    kept = [p for p in found if any(d.name == wanted for d in p.drugs)]
    if not kept:
        known = sorted({d.name for p in found for d in p.drugs})
        close = difflib.get_close_matches(wanted, known, n=1, cutoff=0.6)
        raise DosingError(
            "--drug",
            f"a drug of a listed protocol ({', '.join(known)})",
            repr(name),
            f"did you mean {close[0]}?" if close else "use a generic name",
        )
    return kept


def _cmd_show(args: argparse.Namespace) -> int:
    from dosing.catalogue import get_protocol
    from dosing.export.show import protocol_text

    protocol = get_protocol(
        args.protocol, extra=_extra_protocols(args.protocol_file, args.protocol)
    )
    if args.format == "fhir":
        from dosing.export.fhir import to_fhir_plan

        _out(to_fhir_plan(protocol), end="")
        return EXIT_OK
    _out(protocol_text(protocol), end="")
    return EXIT_OK


def _cmd_fhir_plan(args: argparse.Namespace) -> int:
    from dosing.catalogue import get_protocol
    from dosing.export.fhir import to_fhir_plan

    generated_at = _generated_at(args.generated_at)
    protocol = get_protocol(
        args.protocol, extra=_extra_protocols(args.protocol_file, args.protocol)
    )
    if args.output is not None:
        from dosing._files import check_output

        check_output(args.output, force=args.force)
    text = to_fhir_plan(
        protocol, _pairs(args.choose, "--choose") or None, generated_at=generated_at
    )
    if args.output is None:
        _out(text, end="")
        return EXIT_OK
    from dosing._files import write_atomic

    target = write_atomic(args.output, text, force=args.force)
    _err(f"dosing: wrote {target} (FHIR PlanDefinition of {protocol.id})")
    return EXIT_OK


def _patient(args: argparse.Namespace) -> Any:
    from dosing.patient import Patient

    data: dict[str, Any] = {
        "height": args.height,
        "weight": args.weight,
        "accept_outlier": args.accept_outlier,
    }
    for key, attr in (
        ("identifier", "identifier"),
        ("sex", "sex"),
        ("age", "age"),
        ("serum_creatinine", "creatinine"),
        ("dialysis", "dialysis"),
    ):
        value = getattr(args, attr, None)
        if value is not None:
            data[key] = value
    return Patient(**data)


def _pairs(items: Sequence[str], option: str) -> dict[str, str]:
    from dosing.errors import DosingError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise DosingError(option, "DRUG=VALUE, e.g. carfilzomib=36", repr(item))
        if key.strip().lower() in out:
            raise DosingError(option, "given once per drug", repr(item))
        out[key.strip().lower()] = value.strip()
    return out


def _generated_at(text: str | None) -> dt.datetime | None:
    """``--generated-at``, else ``SOURCE_DATE_EPOCH``, else ``None`` (the current time)."""
    from dosing.export import parse_generated_at

    return parse_generated_at(
        text, source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH"), field="--generated-at"
    )


def _extensions_text() -> list[str]:
    """The extension each format is written with, for help texts (``.csv``, ``.fhir.json``)."""
    return [f.extensions[0] for f in REGISTRY.values()]


def _format_for(args: argparse.Namespace) -> str:
    """``--format``, else the format ``-o``'s extension names (the longest match), else table."""
    from dosing.errors import DosingError

    if args.format:
        return str(args.format)
    if args.output is not None:
        found = format_for_path(args.output)
        if found is not None:
            return found.name
        raise DosingError(
            "--format",
            f"given when -o has no known extension ({', '.join(all_extensions())})",
            repr(args.output),
        )
    return "table"


#: Format options whose command-line name is not the option's own (``--remind-at`` and the
#: like are derived).
_OPTION_FLAGS = {"audience": "--for"}


def _flag(option: str) -> str:
    """The command-line option for a format option: ``--for`` for ``audience``, ``--remind-at``."""
    return _OPTION_FLAGS.get(option, "--" + option.replace("_", "-"))


def _format_options(args: argparse.Namespace, fmt: str) -> dict[str, Any]:
    """The options ``fmt`` takes, from the command line; an option it does not take is an error."""
    from dosing.errors import DosingError
    from dosing.export.formats import all_options, option_formats

    taken = get_format(fmt).options
    for option in all_options():
        value = getattr(args, option, None)
        if value is not None and option not in taken:
            raise DosingError(
                _flag(option),
                f"used with the {' or '.join(option_formats(option))} format only",
                repr(value),
            )
    parse = _OPTION_PARSERS.get(fmt)
    return parse(args) if parse is not None else {}


def _rounding(items: Sequence[str]) -> dict[str, Any]:
    from dosing.dose import parse_rounding

    return {
        drug: parse_rounding(spec, field="--round")
        for drug, spec in _pairs(items, "--round").items()
    }


def _schedule(args: argparse.Namespace, generated_at: dt.datetime | None = None) -> Schedule:
    """The schedule the calendar options (or the course file) describe; saves the course if asked."""
    from dosing.catalogue import get_protocol
    from dosing.schedule import build_schedule

    new = _amendments(args, generated_at)
    course = _course(args, new)
    if course is None:
        _require(args, *_CALENDAR_REQUIRED)
        protocol = get_protocol(
            args.protocol, extra=_extra_protocols(args.protocol_file, args.protocol)
        )
        patient = _patient(args)
        return build_schedule(
            protocol,
            patient,
            args.start,
            cycles=args.cycles,
            choices=_pairs(args.choose, "--choose"),
            bsa_formula=args.bsa_formula,
            rounding=_rounding(args.round),
            renal_table=args.renal_table,
            clearance_weight=args.clearance_weight,
            amendments=new,
            closed=_closed(args.closed),
        )
    files = [*args.protocol_file, *([course.protocol_file] if course.protocol_file else [])]
    protocol = get_protocol(course.protocol, extra=_extra_protocols(files, course.protocol))
    from dosing.patient import Patient

    patient = Patient(**course.patient.model_dump(exclude_none=True))
    schedule = build_schedule(
        protocol,
        patient,
        course.start,
        cycles=course.cycles,
        choices=dict(course.choices),
        bsa_formula=course.bsa_formula,
        rounding=_rounding([f"{k}={v}" for k, v in course.rounding.items()]),
        renal_table=course.renal_table,
        clearance_weight=course.clearance_weight,
        amendments=course.amendments,
        course_id=course.course_id,
        closed=_closed(args.closed),
    )
    if args.save_course is not None:
        from dosing._files import write_atomic
        from dosing.course import dumps_course

        same = (
            args.course is not None
            and Path(args.save_course).resolve() == Path(args.course).resolve()
        )
        write_atomic(args.save_course, dumps_course(course), force=args.force or same)
        _err(f"dosing: saved the course to {args.save_course} ({len(course.amendments)} changes)")
    return schedule


#: What a calendar needs when no course file gives it: the attribute and the option's name.
_CALENDAR_REQUIRED = (
    ("protocol", "ID"),
    ("height", "--height"),
    ("weight", "--weight"),
    ("start", "--start"),
)


def _closed(items: Sequence[str]) -> list[dt.date]:
    """The --closed dates: each option one date or a comma list."""
    from dosing.schedule import parse_date

    return [parse_date(part, field="--closed") for item in items for part in item.split(",")]


_PATIENT_FLAGS = (
    ("height", "--height"),
    ("weight", "--weight"),
    ("start", "--start"),
    ("identifier", "--id"),
    ("sex", "--sex"),
    ("age", "--age"),
    ("creatinine", "--creatinine"),
    ("dialysis", "--dialysis"),
    ("cycles", "--cycles"),
    ("bsa_formula", "--bsa-formula"),
    ("renal_table", "--renal-table"),
    ("clearance_weight", "--clearance-weight"),
)


def _require(args: argparse.Namespace, *names: tuple[str, str]) -> None:
    from dosing.errors import DosingError

    for attr, flag in names:
        if getattr(args, attr) is None:
            raise DosingError(flag, "given (or a course with --course FILE)", "nothing")


def _course(args: argparse.Namespace, new: list[Any]) -> Any:
    """The course to schedule, with this command's changes ``new``.

    That is the --course file extended by them, or a new course when --save-course is given;
    ``None`` for a plain calendar.
    """
    if args.course is None and args.save_course is None:
        return None
    from dosing.course import Course, CoursePatient, loads_course, new_course_id
    from dosing.errors import DosingError

    if args.course is None:
        _require(args, *_CALENDAR_REQUIRED)
        patient = {
            "identifier": args.identifier,
            "height": args.height,
            "weight": args.weight,
            "sex": args.sex,
            "age": args.age,
            "serum_creatinine": args.creatinine,
            "dialysis": args.dialysis,
            "accept_outlier": args.accept_outlier,
        }
        from dosing.schedule import parse_date

        return Course(
            course_id=new_course_id(),
            protocol=args.protocol,
            protocol_file=args.protocol_file[0] if len(args.protocol_file) == 1 else None,
            start=parse_date(args.start, field="--start"),
            cycles=args.cycles,
            bsa_formula=args.bsa_formula,
            renal_table=args.renal_table,
            clearance_weight=args.clearance_weight,
            choices=_pairs(args.choose, "--choose"),
            rounding=_pairs(args.round, "--round"),
            patient=CoursePatient(**{k: v for k, v in patient.items() if v is not None}),
            amendments=tuple(new),
        )
    given = [flag for attr, flag in _PATIENT_FLAGS if getattr(args, attr) is not None]
    given += [
        f
        for f, v in (("ID", args.protocol), ("--choose", args.choose), ("--round", args.round))
        if v
    ]
    if given:
        raise DosingError(
            given[0],
            "left out with --course",
            "a value",
            "the course file gives the patient, protocol and settings; record a change with "
            "--delay, --hold, --reduce, --reweigh or --start-cycle, or edit the file",
        )
    from dosing._files import os_reason, read_limited

    try:
        raw = read_limited(args.course, 1024 * 1024)
    except OSError as err:
        raise DosingError(
            "--course", "a readable course file", repr(args.course), os_reason(err)
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DosingError("--course", "UTF-8 text", repr(args.course)) from None
    course = loads_course(text, origin=args.course)
    return course.extended(new) if new else course


def _amendments(args: argparse.Namespace, generated_at: dt.datetime | None) -> list[Any]:
    """The changes given on this command line, recorded today (or --recorded) with --reason."""
    from dosing.schedule import parse_date

    changes = (
        ("start-cycle", [] if args.start_cycle is None else [str(args.start_cycle)]),
        ("delay", args.delay),
        ("hold", args.hold),
        ("reduce", args.reduce),
        ("reweigh", args.reweigh),
    )
    if args.recorded is not None:
        recorded = parse_date(args.recorded, field="--recorded")
    elif generated_at is not None:
        recorded = generated_at.astimezone(dt.UTC).date()
    else:
        recorded = dt.date.today()
    out = []
    for kind, items in changes:
        if items:  # the course module is imported only for a change
            from dosing.course import parse_amendment

            out += [
                parse_amendment(kind, item, recorded=recorded, reason=args.reason) for item in items
            ]
    if (args.reason is not None or args.recorded is not None) and not out:
        from dosing.errors import DosingError

        raise DosingError(
            "--reason" if args.reason is not None else "--recorded",
            "given with a change (--delay, --hold, --reduce, --reweigh, --start-cycle)",
            "no change",
        )
    return out


def _cmd_calendar(args: argparse.Namespace) -> int:
    from dosing.errors import DosingError

    fmt = _format_for(args)
    generated_at = _generated_at(args.generated_at)
    options = _format_options(args, fmt)
    if args.output is not None:
        from dosing._files import check_output

        check_output(args.output, force=args.force)
    from dosing.export import render

    schedule = _schedule(args, generated_at)
    try:
        data = render(schedule, fmt, generated_at=generated_at, **options)
    except DosingError as err:  # an option this schedule cannot use: name it as typed
        if err.field not in options:
            raise
        raise type(err)(_flag(err.field), err.constraint, err.got, err.hint) from None
    if args.output is not None:
        from dosing._files import write_atomic

        target = write_atomic(args.output, data, force=args.force)
        _err(
            f"dosing: wrote {target} ({fmt}, {len(schedule.administrations)} administrations, "
            f"{schedule.cycles} cycles)"
        )
    else:
        _out(data if isinstance(data, str) else data.decode("utf-8"), end="")
    return EXIT_OK


def _ics_options(args: argparse.Namespace) -> dict[str, Any]:
    from dosing.export.ics import parse_duration, parse_time, parse_tz

    if args.tz is not None and args.time is None:
        from dosing.errors import DosingError

        raise DosingError("--tz", "used together with --time", repr(args.tz))
    return {
        "per": args.per or "day",
        "audience": args.audience or "staff",
        "time": None if args.time is None else parse_time(args.time),
        "tz": None if args.tz is None else parse_tz(args.tz),
        "remind": None if args.remind is None else parse_duration(args.remind, field="--remind"),
        "remind_at": (
            None if args.remind_at is None else parse_time(args.remind_at, field="--remind-at")
        ),
        "duration": (
            None if args.duration is None else parse_duration(args.duration, field="--duration")
        ),
    }


#: How the command line reads the options of a format that takes any (see the registry).
_OPTION_PARSERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {"ics": _ics_options}


def _cmd_bsa(args: argparse.Namespace) -> int:
    import json

    from dosing.bsa import BSAFormula
    from dosing.patient import Patient

    patient = Patient(height=args.height, weight=args.weight, accept_outlier=args.accept_outlier)
    values = {f.value: patient.bsa(f).magnitude for f in BSAFormula}
    if args.format == "json":
        _out(json.dumps({k: round(v, 4) for k, v in values.items()}, indent=2))
        return EXIT_OK
    shown = patient.describe()
    _out(f"height {shown['height']}, weight {shown['weight']}")
    for formula in BSAFormula:
        default = "  (default)" if formula is BSAFormula.MOSTELLER else ""
        _out(f"{formula.label:<13} {values[formula.value]:.4f} m²{default}")
    for note in (*patient.outliers, *patient.assumed_units):
        _out(one_line(f"note: {note}"))
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from dosing.catalogue import validate_paths
    from dosing.errors import ProtocolError

    invalid = 0
    checked = 0
    # All paths in one call, so that files given apart are checked against each other.
    for path, error in validate_paths(args.paths):
        checked += 1
        if error is None:
            _out(one_line(f"{path}: ok"))
            continue
        invalid += 1
        # problems go to stderr, like every other error; "ok" lines stay on stdout
        if isinstance(error, ProtocolError):
            count = len(error.problems)
            _err(f"{path}: {count} problem{'s' if count != 1 else ''}")
            for problem in error.problems:
                _err(f"  {problem}")
        else:
            _err(f"{path}: {error}")
    _err(f"dosing: {checked - invalid} valid, {invalid} invalid")
    return EXIT_INVALID if invalid else EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    if args.course:
        from dosing.course import course_json_schema

        schema = course_json_schema()
    elif args.document:
        from dosing.export.document import document_json_schema

        schema = document_json_schema()
    else:
        from dosing.protocol import protocol_json_schema

        schema = protocol_json_schema()
    _out(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """Leave what is loaded by now (modules, the protocol) out of garbage collection.

    It lives as long as a cohort run: the collector need not walk it again after every few
    thousand new objects. Collected as usual again afterwards.
    """
    import gc

    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _cmd_cohort(args: argparse.Namespace) -> int:
    """Run ``dosing cohort``: 0 if every row was written, 2 if any was rejected.

    The good rows are written either way; when every row is rejected nothing is. A missing
    or unusable patients file (no such file, no header, a missing or misspelt column, no
    rows), or per-patient files that exist already (without --force), is an error before
    any output is made.
    """
    import itertools

    from dosing._files import check_output, write_atomic
    from dosing.catalogue import get_protocol
    from dosing.cohort import (
        EXTENSIONS,
        ClinicDays,
        Rejected,
        Scheduled,
        open_patients,
        schedule_patients,
        write_cohort_files,
    )
    from dosing.errors import DosingError, OutputError
    from dosing.patients_file import SEPARATORS

    extra = _extra_protocols(args.protocol_file, args.protocol)
    protocol = None if args.protocol is None else get_protocol(args.protocol, extra=extra)
    generated_at = _generated_at(args.generated_at)
    kind = _cohort_output_kind(args.output, EXTENSIONS)
    if kind != "folder" and args.format not in (None, kind):
        raise DosingError(
            "--format",
            "used only when -o is a folder",
            repr(args.format),
            f"the combined file's format is its extension's ({kind})",
        )
    fmt = args.format or "ics"
    output = Path(args.output)
    if kind == "folder":
        _check_format(fmt)
        _check_folder(output, args.output)
    else:
        check_output(output, force=args.force)
    days = ClinicDays() if args.clinic_days is not None else None
    if args.clinic_days is not None:
        if _same_path(args.clinic_days, args.output):
            raise OutputError("--clinic-days", "another file than -o", repr(args.clinic_days))
        check_output(args.clinic_days, force=args.force)
    if kind == "folder" and not args.force:
        _refuse_existing_files(args.patients, output, fmt, extra)
    show_progress = not args.no_progress and _is_terminal(sys.stderr)
    total = _count_rows(args.patients) if show_progress else 0
    with _frozen_heap(), open_patients(args.patients) as lines:
        results = schedule_patients(
            protocol,
            lines,
            cycles=args.cycles,
            bsa_formula=args.bsa_formula,
            accept_outlier=args.accept_outlier,
            protocols=extra,
            renal_table=args.renal_table,
            clearance_weight=args.clearance_weight,
        )
        first = next(results, None)
        if first is None:
            raise DosingError("patients", "one row per patient after the header", "no rows")
        if results.separator != ",":
            _err(f"dosing: {args.patients} read as {SEPARATORS[results.separator]}-separated")
        if results.ignored:
            listed = ", ".join(repr(name) for name in results.ignored)
            _err(f"dosing: ignored the columns {listed} (not used for dosing)")
        bar = Progress(sys.stderr, total=total) if show_progress else None
        counted = _Counted(itertools.chain((first,), results), bar)

        def rejected(item: Rejected) -> None:
            if bar is not None:
                bar.clear()
            _err(f"{item}")

        def written(item: Scheduled) -> None:
            if days is not None:
                days.add(item.schedule)

        if kind == "folder":
            summary = write_cohort_files(
                output,
                counted,
                fmt=fmt,
                generated_at=generated_at,
                force=args.force,
                create=True,
                on_rejected=rejected,
                on_written=written,
            )
        else:
            summary = _write_combined(
                kind,
                output,
                counted,
                args,
                protocol=protocol,
                columns=results.columns,
                generated_at=generated_at,
                on_rejected=rejected,
                on_written=written,
            )
        if bar is not None:
            bar.finish(counted.done)
    if summary.patients == 0:
        rows = f"{summary.rejected} row{'' if summary.rejected == 1 else 's'}"
        _err(f"dosing: every row was rejected ({rows}); nothing was written")
        return EXIT_INVALID
    if days is not None:
        write_atomic(args.clinic_days, days.to_csv(generated_at=generated_at), force=args.force)
        count = len(days.days())
        _err(f"dosing: wrote {count} clinic day{'' if count == 1 else 's'} to {args.clinic_days}")
    where = {
        "csv": f"{output}",
        "jsonl": f"{output} (JSON Lines, one patient per line)",
        "folder": f"{output} ({fmt}, one file per patient)",
    }[kind]
    noun = "patient" if summary.patients == 1 else "patients"
    _err(
        f"dosing: wrote {summary.patients} {noun} ({summary.administrations:,} administrations) "
        f"to {where}; {summary.rejected} row{'' if summary.rejected == 1 else 's'} rejected"
    )
    return EXIT_INVALID if summary.rejected else EXIT_OK


class _NothingWritten(Exception):
    """Every row was rejected: the combined file being written is discarded."""

    def __init__(self, summary: Any) -> None:
        super().__init__()
        self.summary = summary


def _write_combined(
    kind: str,
    output: Path,
    results: Iterable[CohortResult],
    args: argparse.Namespace,
    **settings: Any,
) -> Any:
    """Write the combined CSV or JSON Lines file; none at all when every row was rejected."""
    from dosing._files import atomic_output
    from dosing.cohort import write_cohort_csv, write_cohort_jsonl

    try:
        with atomic_output(output, force=args.force) as stream:
            if kind == "jsonl":
                del settings["protocol"], settings["columns"]
                summary = write_cohort_jsonl(stream, results, **settings)
            else:
                summary = write_cohort_csv(
                    stream, results, cycles=args.cycles, bsa_formula=args.bsa_formula, **settings
                )
            if summary.patients == 0:
                raise _NothingWritten(summary)
    except _NothingWritten as nothing:
        return nothing.summary
    return summary


def _check_folder(output: Path, text: str) -> None:
    """A folder for per-patient files: one that exists, or a new one in a folder that does."""
    from dosing.errors import OutputError

    if output.is_dir():
        return
    if output.exists() or output.is_symlink():
        raise OutputError("-o", "a folder", repr(text), "a file of that name exists")
    if not output.absolute().parent.is_dir():
        raise OutputError(
            "-o",
            "a folder that exists or can be created",
            repr(text),
            "the folder it would be created in does not exist",
        )


def _same_path(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError):
        return False


def _refuse_existing_files(patients: str, output: Path, fmt: str, extra: list[Any]) -> None:
    """Per-patient files that exist already: one error naming how many, before any work.

    Only a regular patients file is read ahead (a pipe would be used up); files that appear
    later are still refused one by one, as they are met.
    """
    import stat

    from dosing.cohort import existing_files, open_patients
    from dosing.errors import OutputError

    try:
        regular = stat.S_ISREG(os.stat(patients).st_mode)
    except OSError:
        return  # reading the file for real reports the problem
    if not regular or not output.is_dir():
        return
    with open_patients(patients) as lines:
        found = existing_files(output, lines, fmt=fmt, protocols=extra)
    if found:
        shown = ", ".join(p.name for p in found[:3]) + (", ..." if len(found) > 3 else "")
        noun = "file" if len(found) == 1 else "files"
        raise OutputError(
            "-o",
            "a folder without this cohort's files (or pass --force)",
            f"{str(output)!r}, which holds {len(found)} {noun} of it already ({shown})",
            "pass --force to replace them, or choose another folder",
        )


def _cohort_output_kind(text: str, extensions: Mapping[str, str]) -> str:
    """``"csv"`` or ``"jsonl"`` for a combined file, ``"folder"`` for one file per patient."""
    from dosing._files import os_reason
    from dosing.errors import OutputError

    path = Path(text)
    try:
        is_dir = path.is_dir()
    except OSError as err:  # a name too long, a folder that cannot be searched
        raise OutputError("-o", "a path the system accepts", repr(text), os_reason(err)) from None
    if text.endswith(("/", os.sep)) or is_dir:
        return "folder"
    found = format_for_path(text)
    if found is not None and found.cohort:
        return found.name
    if found is not None:
        name = found.name if found.name in extensions else "ics"
        combined = " or ".join(f.extension for f in REGISTRY.values() if f.cohort)
        raise OutputError(
            "-o",
            f"a .{combined.replace(' or ', ' or .')} file or a folder",
            repr(text),
            f"for one file per patient give a folder, e.g. calendars/ --format {name}",
        )
    return "folder"


def _check_format(fmt: str) -> None:
    from dosing.errors import DosingError

    try:
        get_format(fmt).exporter()
    except ImportError:
        raise DosingError("--format", "a format this installation can write", repr(fmt)) from None


def _count_rows(path: str | Path) -> int:
    """Data rows in a patients file, estimated from its line ends (for the progress bar).

    Only a regular file is counted (a pipe would be used up), and no further than the
    reader's own limit.
    """
    import stat

    from dosing.cohort import MAX_PATIENTS_BYTES

    count, last, read = 0, b"\n", 0
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return 0
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                count += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
                last = chunk[-1:]
                read += len(chunk)
                if read > MAX_PATIENTS_BYTES:
                    break
    except OSError:
        return 0  # reading the file for real reports the problem
    return max(count + (last not in b"\r\n") - 1, 0)


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """A one-line progress bar (``[#####     ] 512/1000``), redrawn at most ten times a second.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progress(out, total=4, width=4, clock=iter(range(10)).__next__)
    >>> bar.update(2); bar.finish(4)
    >>> out.getvalue()
    '\\r[##  ] 2/4\\r[####] 4/4\\n'
    """

    def __init__(
        self,
        stream: IO[str],
        *,
        total: int,
        width: int = 30,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.1,
    ) -> None:
        self._stream = stream
        self._total = max(total, 0)
        self._width = width
        self._clock = clock
        self._interval = interval
        self._last: float | None = None
        self._shown = ""

    def update(self, done: int) -> None:
        """Redraw for ``done`` rows, unless the bar was drawn less than ``interval`` ago."""
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return
        self._last = now
        self._draw(done)

    def _draw(self, done: int) -> None:
        total = max(self._total, done)
        filled = self._width if total == 0 else self._width * done // total
        self._shown = f"\r[{'#' * filled}{' ' * (self._width - filled)}] {done}/{total}"
        self._stream.write(self._shown)
        self._stream.flush()

    def clear(self) -> None:
        """Blank the bar so that a message can be printed on its line."""
        if self._shown:
            self._stream.write("\r" + " " * (len(self._shown) - 1) + "\r")
            self._shown = ""

    def finish(self, done: int) -> None:
        """Draw the final state and end the line; the total becomes ``done`` (it was estimated)."""
        self._total = done
        self._draw(done)
        self._stream.write("\n")
        self._stream.flush()


class _Counted:
    """Passes cohort results through, counting them and updating the progress bar."""

    def __init__(self, results: Iterable[CohortResult], bar: Progress | None) -> None:
        self._results = results
        self._bar = bar
        self.done = 0

    def __iter__(self) -> Iterator[CohortResult]:
        bar = self._bar
        for result in self._results:
            self.done += 1
            if bar is not None:
                bar.update(self.done)
            yield result


# -- plumbing --------------------------------------------------------------------------------


def _out(text: str, end: str = "\n") -> None:
    sys.stdout.write(text + end)


def _err(text: str) -> None:
    """One line on stderr, with no control or bidirectional character (see dosing._text)."""
    sys.stderr.write(one_line(text) + "\n")


class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP (or SIGINT) received: handled exactly like an interruption."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


_STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


@contextlib.contextmanager
def _signals_as_interrupts() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`_Signalled` while the command runs.

    A signal the process was started with ignored (``nohup``) stays ignored. After the first
    signal all three are ignored, so that a second one cannot cut the clean-up short.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = [getattr(signal, name) for name in _STOP_SIGNALS if hasattr(signal, name)]
    previous = {n: signal.getsignal(n) for n in numbers}
    numbers = [n for n in numbers if previous[n] is not signal.SIG_IGN]

    def stop(number: int, frame: object) -> None:
        for n in numbers:
            signal.signal(n, signal.SIG_IGN)
        raise _Signalled(number)

    for n in numbers:
        signal.signal(n, stop)
    try:
        yield
    finally:
        for n in numbers:
            handler = previous[n]
            signal.signal(n, signal.SIG_DFL if handler is None else handler)


@contextlib.contextmanager
def _terminal_streams() -> Iterator[None]:
    """Let stdout and stderr write what their encoding cannot (``m²`` as ``m2`` on ASCII)."""
    changed: list[Callable[..., None]] = []
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors=terminal_fallback())
                changed.append(reconfigure)
    try:
        yield
    finally:
        for reconfigure in changed:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="strict")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0 ok, 2 invalid input, 70 a defect in dosing, 130 interrupted (SIGINT), 128 + n for
    signal n (SIGTERM 143, SIGHUP 129).
    """
    with _terminal_streams(), _signals_as_interrupts():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    from dosing.errors import DosingError, ProtocolError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help()
            return EXIT_INVALID
        status: int = args.run(args)
        sys.stdout.flush()
        return status
    except _UsageError as err:
        _err(f"dosing: error: {message(str(err))}")
        return EXIT_INVALID
    except ProtocolError as err:
        _err(
            f"dosing: error: {err.source}: protocol must be valid, got {len(err.problems)} problem(s): "
            + "; ".join(message(str(p)) for p in err.problems)
        )
        return EXIT_INVALID
    except DosingError as err:
        _err(f"dosing: error: {message(str(err))}")
        return EXIT_INVALID
    except KeyboardInterrupt as err:
        import signal

        number = err.number if isinstance(err, _Signalled) else signal.SIGINT
        stopped = (
            "interrupted"
            if number == signal.SIGINT
            else f"stopped by {signal.Signals(number).name}"
        )
        _err(
            f"dosing: {stopped}; the file being written was discarded and any file it would "
            "have replaced is unchanged"
        )
        return EXIT_INTERRUPTED if number == signal.SIGINT else 128 + number
    except BrokenPipeError:
        return EXIT_OK
    except OSError as err:  # a file the system refuses, met where no check named it
        from dosing._files import os_reason

        name = repr(err.filename) if err.filename is not None else "a file"
        _err(f"dosing: error: file must be readable and writable, got {name} - {os_reason(err)}")
        return EXIT_INVALID
    except Exception as err:  # a defect in dosing: still no traceback for the user
        _err(
            f"dosing: internal error: {type(err).__name__}: {message(str(err))} (please report this)"
        )
        if os.environ.get("DOSING_DEBUG"):
            raise
        return EXIT_INTERNAL


def run() -> None:  # pragma: no cover - exercised as a process by the tests
    """Console entry point: run :func:`main`, flush the output, and exit at once.

    Output files are complete and synced before :func:`main` returns, and both streams are
    flushed here, so the interpreter's teardown (about 50 ms of freeing the unit registry
    and model objects, nothing the user needs) is skipped with :func:`os._exit`.
    """
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
