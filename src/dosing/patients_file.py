"""The patients file: a spreadsheet of patients, read row by row with hard limits.

Spreadsheet programs save a sheet of patients in more than one way, and each is read
alike: separated by commas, semicolons or tabs (the separator is found from the header
row), with a UTF-8 byte order mark, with LF, CRLF or CR line ends, with an empty last
header cell (``id,height,weight,start,``) and with dates as date cells are written
(``2026-01-05T00:00:00``). The file is read with hard limits on its size and its lines,
whatever size it claims, and each line is decoded on its own, so bytes that are not UTF-8
reject only their row.

The header names the columns, case-insensitively and in any order: ``id``, ``height``,
``weight``, ``start``, and optionally ``protocol``, ``cycles``, ``choose``, ``age``,
``sex``, ``creatinine``, ``dialysis``, ``date_of_birth`` and a column named after a drug
for its choice. Another column is ignored - unless its name looks like a known one
(``hieght``, or ``weight_kg`` without a ``weight``), which is an error that names it.

>>> rows = read_patients(["id,height,weight,start,ward,", "P1,175cm,80kg,2026-01-05,4B,"])
>>> next(rows).identifier, rows.ignored
('P1', ('ward',))
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import difflib
import errno
import functools
import itertools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from dosing._text import message, one_line
from dosing.errors import ChoiceError, DateError, DosingError, MeasurementError, ScheduleError
from dosing.patient import Patient
from dosing.schedule import parse_date

if TYPE_CHECKING:
    from _csv import Reader

    from dosing.protocol import Protocol

__all__ = [
    "MAX_LINE_BYTES",
    "MAX_PATIENTS_BYTES",
    "SEPARATORS",
    "PatientRow",
    "PatientRows",
    "Rejected",
    "open_patients",
    "parse_choose",
    "read_patients",
]

_REQUIRED: Final = ("id", "height", "weight", "start")
_OPTIONAL: Final = (
    "protocol",
    "cycles",
    "choose",
    "age",
    "sex",
    "creatinine",
    "dialysis",
    "date_of_birth",
)
_KNOWN: Final = frozenset(_REQUIRED + _OPTIONAL)
_KNOWN_TEXT: Final = (
    "id, height, weight, start and optionally protocol, cycles, choose, age, sex, creatinine, "
    "dialysis, date_of_birth and a column per drug choice"
)
#: Columns whose every word is checked against an unknown column's words: a ``weight_kg`` or
#: ``serum creatinine`` column is taken for one of them when it is missing, not ignored.
_WORDS_CHECKED: Final = (
    "id",
    "height",
    "weight",
    "start",
    "protocol",
    "cycles",
    "choose",
    "creatinine",
    "dialysis",
)
#: How alike two names must be (difflib's ratio) for one to be taken for a misspelling.
_ALIKE: Final = 0.8
#: The separators a patients file may use, by the name messages give them.
SEPARATORS: Final = {",": "comma", ";": "semicolon", "\t": "tab"}
_MAX_ID: Final = 200
_MAX_CELL: Final = 400
_MAX_CHOOSE: Final = 400
#: The most a patients file may hold (far beyond any cohort: a row is well under 1 KB),
#: and its longest line; hard limits, whatever size the file claims to have.
MAX_PATIENTS_BYTES: Final = 64 * 1024 * 1024
MAX_LINE_BYTES: Final = 64 * 1024
_LINE_END: Final = re.compile(rb"\r\n|\r|\n")
#: What undecodable bytes become when a file is read with ``surrogateescape``.
_NOT_UTF8: Final = re.compile("[\udc80-\udcff]")


# -- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientRow:
    """One data row of the patients file, as text, with the line it starts on.

    The optional cells are ``""`` when the column is missing or the cell empty; ``choices``
    holds the non-empty cells of the drug columns as ``(drug, value)`` pairs.
    """

    line: int
    identifier: str
    height: str
    weight: str
    start: str
    choose: str = ""
    protocol: str = ""
    cycles: str = ""
    age: str = ""
    sex: str = ""
    creatinine: str = ""
    dialysis: str = ""
    date_of_birth: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    def patient(self, *, accept_outlier: bool = False) -> Patient:
        """The row's patient: measurements, and the facts the patient rules use where given.

        >>> row = PatientRow(2, "P1", "165cm", "60kg", "2026-01-05", age="82", dialysis="no")
        >>> row.patient().describe()["age"], row.patient().dialysis
        ('82 years', False)
        """
        data: dict[str, Any] = {
            "height": self.height,
            "weight": self.weight,
            "identifier": self.identifier,
            "accept_outlier": accept_outlier,
        }
        if self.age:
            data["age"] = _whole(self.age, "age", MeasurementError)
        if self.sex:
            data["sex"] = self.sex
        if self.creatinine:
            data["serum_creatinine"] = self.creatinine
        if self.dialysis:
            data["dialysis"] = _yes_no(self.dialysis, "dialysis")
        if self.date_of_birth:
            data["date_of_birth"] = _birth_date(self.date_of_birth)
        return Patient(**data)

    def start_text(self) -> str:
        """The start cell as ``YYYY-MM-DD`` where a spreadsheet wrote a date with a time.

        >>> PatientRow(2, "P1", "175cm", "80kg", "2026-01-05 00:00:00").start_text()
        '2026-01-05'
        """
        return _date_text(self.start, "start")

    def cycle_count(self) -> int | None:
        """The cycles cell as a number, or ``None`` when it is empty."""
        return _whole(self.cycles, "cycles", ScheduleError) if self.cycles else None

    def chosen(self, protocol: Protocol) -> dict[str, str]:
        """The row's choices under ``protocol``: its ``choose`` cell and drug columns, each once.

        >>> from dosing import get_protocol
        >>> row = PatientRow(2, "P1", "175cm", "80kg", "2026-01-05", choices=(("lenalidomide", "15"),))
        >>> row.chosen(get_protocol("KRd"))
        Traceback (most recent call last):
          ...
        dosing.errors.ChoiceError: lenalidomide column must be empty for KRd, which has no
        lenalidomide choice (its choices: carfilzomib, dexamethasone), got '15'
        """
        given = parse_choose(self.choose) if self.choose else {}
        for drug, value in self.choices:
            if drug not in protocol.choices:
                offered = ", ".join(protocol.choices) or "none"
                raise ChoiceError(
                    f"{drug} column",
                    f"empty for {protocol.id}, which has no {drug} choice (its choices: {offered})",
                    repr(value),
                )
            if drug in given:
                raise ChoiceError(
                    drug,
                    "chosen once, in the choose cell or in its own column",
                    f"{given[drug]!r} and {value!r}",
                )
            given[drug] = value
        return given


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that could not be scheduled (or written), with its line number and the reason."""

    line: int
    identifier: str | None
    message: str

    def __str__(self) -> str:
        """``line 3: height must be ...``, on one line whatever the message holds."""
        return f"line {self.line}: {message(self.message)}"


# -- reading --------------------------------------------------------------------------------


@contextlib.contextmanager
def open_patients(path: str | Path) -> Iterator[Iterator[str]]:
    """Open a patients file and give its lines as text (a UTF-8 byte order mark is skipped).

    Any line end is read - LF, CRLF, or CR alone as some older spreadsheets write - and each
    line is decoded on its own, so bytes that are not UTF-8 reject only the row they are in.
    The file is read with hard limits whatever size it claims to have: a line longer than
    :data:`MAX_LINE_BYTES` or a file longer than :data:`MAX_PATIENTS_BYTES` (an endless
    stream such as ``/dev/zero``) stops the reading with a
    :class:`~dosing.errors.DosingError`. A missing or unreadable file is one too, naming it.

    >>> with open_patients("no-such-file.csv") as lines:
    ...     pass
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: patients must be a readable CSV file, got 'no-such-file.csv'
    - no such file
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise DosingError(
            "patients", "a readable CSV file", repr(str(path)), _reason(err)
        ) from None
    with handle:
        yield _text_lines(handle)


def _reason(err: OSError) -> str:
    return {
        errno.ENOENT: "no such file",
        errno.EISDIR: "it is a folder",
        errno.EACCES: "permission denied",
        errno.ENAMETOOLONG: "the file name is too long",
        errno.ENOTDIR: "a part of the path is not a folder",
    }.get(err.errno or 0, err.strerror or type(err).__name__)


def _text_lines(handle: IO[bytes]) -> Iterator[str]:
    """The lines of a binary stream as text ending in ``\\n``, whatever line end they had.

    >>> import io
    >>> list(_text_lines(io.BytesIO(b"id,height\\rP1,175cm\\r\\nP2,1\\xff\\n")))
    ['id,height\\n', 'P1,175cm\\n', 'P2,1\\udcff\\n']
    """
    pending = b""
    read = 0
    while True:
        try:
            chunk = handle.read(1 << 16)
        except OSError as err:
            raise DosingError("patients", "readable", _reason(err)) from None
        read += len(chunk)
        if read > MAX_PATIENTS_BYTES:
            raise DosingError(
                "patients",
                f"a file of at most {MAX_PATIENTS_BYTES:,} bytes",
                "a longer file or an endless stream",
                "split the cohort into several files",
            )
        if not chunk:
            if pending:
                yield pending.removesuffix(b"\r").decode("utf-8", "surrogateescape") + "\n"
            return
        data = pending + chunk
        start = 0
        for end in _LINE_END.finditer(data):
            if end.end() == len(data) and end[0] == b"\r":
                break  # perhaps the first half of a CRLF: wait for the next chunk
            yield data[start : end.start()].decode("utf-8", "surrogateescape") + "\n"
            start = end.end()
        pending = data[start:]
        if len(pending) > MAX_LINE_BYTES:
            raise DosingError(
                "patients",
                f"a file with lines of at most {MAX_LINE_BYTES:,} bytes",
                "a longer line",
                "check that it is a CSV file with one patient per line",
            )


class PatientRows(Iterator["PatientRow | Rejected"]):
    """The rows of a patients file, one per ``next()``, and what its header row said.

    ``separator`` is what the file is split at (``,``, ``;`` or a tab); ``columns`` the
    known columns found, in the file's order (a drug's choice column by the drug's name);
    ``ignored`` the header names of the other columns, which are not read.
    """

    def __init__(
        self,
        rows: Iterator[PatientRow | Rejected],
        *,
        separator: str,
        columns: tuple[str, ...],
        ignored: tuple[str, ...],
    ) -> None:
        self._rows = rows
        self.separator = separator
        self.columns = columns
        self.ignored = ignored

    def __next__(self) -> PatientRow | Rejected:
        """The next row, or a rejection of it."""
        return next(self._rows)


def read_patients(lines: Iterable[str], *, protocols: Iterable[Protocol] = ()) -> PatientRows:
    """Read a patients CSV: the header at once, then the rows lazily, one per ``next()``.

    ``lines`` is any iterable of text lines (an open file, a list). The separator is found
    from the header row: a comma, a semicolon or a tab, whichever splits it into the most
    known column names (a comma on a tie). The header is checked before this returns: no
    header, a missing column, an empty or repeated name, or a name that looks like a known
    column's without being it (``hieght``, ``weight_kg`` without ``weight``) raise
    :class:`~dosing.errors.DosingError`; other columns are ignored (see
    :attr:`PatientRows.ignored`). A column named after a drug - of a built-in protocol or of
    ``protocols`` - holds that drug's choice. A row with a problem is a :class:`Rejected`
    with the line it starts on; blank lines are skipped.

    >>> rows = read_patients(["ID;Height;Weight;Start;Ward", "", "P1;175cm;80kg;2026-01-05;4B"])
    >>> row = next(rows)
    >>> row.line, row.identifier, row.height, row.start
    (3, 'P1', '175cm', '2026-01-05')
    >>> rows.separator, rows.ignored
    (';', ('Ward',))
    >>> read_patients(["id,hieght,weight,start"])
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: patients header must be known column names spelt right,
    got 'hieght' (did you mean 'height'?) - rename the column; a column whose name is like
    none of id, height, weight, start and optionally protocol, cycles, choose, age, sex,
    creatinine, dialysis, date_of_birth and a column per drug choice is ignored
    """
    source = _Lines(lines)
    skipped, first = _first_line(source)
    separator = _separator(first or "")
    head = itertools.chain(itertools.repeat("\n", skipped), [first] if first else [], source)
    reader = csv.reader(head, delimiter=separator)
    extra = tuple(protocols)
    found = _read_header(reader, functools.partial(_drug_names, extra))
    rows = _read_rows(reader, found)
    known = sorted([*found.columns.items(), *found.drugs.items()], key=lambda item: item[1])
    return PatientRows(
        rows,
        separator=separator,
        columns=tuple(name for name, _ in known),
        ignored=found.ignored,
    )


class _Lines:
    """An iterator over text lines that turns decoding and read errors into DosingError."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.first = True

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._lines)
        except UnicodeDecodeError as err:
            raise DosingError(
                "patients",
                "UTF-8 text",
                f"bytes that are not UTF-8 ({err.reason})",
                "save the file as UTF-8",
            ) from None
        except OSError as err:
            raise DosingError("patients", "readable", err.strerror or type(err).__name__) from None
        if self.first:
            self.first = False
            line = line.removeprefix("\ufeff")
        return line


_CONTENT: Final = re.compile(r"[^\s,;\"']")


def _first_line(source: Iterator[str]) -> tuple[int, str | None]:
    """How many lines come before the first that holds a name, and that line (or ``None``).

    Lines of nothing but spaces, separators and quotes (``,,,,`` as a spreadsheet writes an
    empty row) are counted, not kept, so that a file of blank lines costs no memory.
    """
    skipped = 0
    for line in source:
        if _CONTENT.search(line):
            return skipped, line
        skipped += 1
    return skipped, None


def _separator(line: str) -> str:
    """The separator that splits ``line`` into the most known column names (a comma on a tie).

    >>> _separator("id;height;weight;start"), _separator("id\\theight"), _separator("a;b,c")
    (';', '\\t', ',')
    """
    best, most = ",", 0
    for candidate in SEPARATORS:
        try:
            cells = next(csv.reader([line], delimiter=candidate), [])
        except csv.Error:
            continue
        found = sum(_column_name(cell) in _KNOWN for cell in cells)
        if found > most:
            best, most = candidate, found
    return best


def _column_name(cell: str) -> str:
    """A header cell as a column name: lower case, spaces and dashes as ``_``.

    >>> _column_name(" Date of birth "), _column_name("ID")
    ('date_of_birth', 'id')
    """
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def _drug_names(protocols: Iterable[Protocol]) -> dict[str, str]:
    """Every drug of the built-in protocols and of ``protocols``, by its column name."""
    from dosing.catalogue import builtin_protocols

    return {
        _column_name(drug.name): drug.name
        for protocol in (*builtin_protocols(), *protocols)
        for drug in protocol.drugs
    }


@dataclass(frozen=True, slots=True)
class _Header:
    """The header row read: each known column's and each drug column's index, and the rest."""

    columns: Mapping[str, int]
    drugs: Mapping[str, int]
    ignored: tuple[str, ...]


def _read_header(reader: Reader, drug_names: Callable[[], Mapping[str, str]]) -> _Header:
    cells: list[str] = []
    try:
        while not any(cell.strip() for cell in cells):
            cells = next(reader)
    except StopIteration:
        raise DosingError(
            "patients", f"a CSV file with a header row ({_KNOWN_TEXT})", "an empty file"
        ) from None
    except csv.Error as err:
        raise DosingError("patients header", "a valid CSV row", message(str(err))) from None
    if _NOT_UTF8.search("".join(cells)):
        raise DosingError(
            "patients", "UTF-8 text", "a header row that is not UTF-8", "save the file as UTF-8"
        )
    shown = [cell.strip() for cell in cells]
    while not shown[-1]:  # spreadsheets end a header with an empty cell: id,height,weight,start,
        shown.pop()
    names = [_column_name(cell) for cell in shown]
    if "" in names:
        raise DosingError(
            "patients header",
            "a name for every column",
            f"an empty name in column {names.index('') + 1}",
            "name the column or delete it",
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        listed = ", ".join(map(repr, repeated))
        raise DosingError("patients header", "each column once", f"{listed} repeated")
    others = [i for i, name in enumerate(names) if name not in _KNOWN]
    drugs = drug_names() if others else {}
    alike = [
        f"{one_line(shown[i])[:40]!r} (did you mean {guess!r}?)"
        for i in others
        if (guess := _alike(names[i], names, drugs)) is not None
    ]
    if alike:
        raise DosingError(
            "patients header",
            "known column names spelt right",
            ", ".join(alike[:10]),
            f"rename the column; a column whose name is like none of {_KNOWN_TEXT} is ignored",
        )
    missing = [n for n in _REQUIRED if n not in names]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise DosingError(
            "patients header",
            _KNOWN_TEXT,
            f"no {', '.join(map(repr, missing))} {noun}",
            f"the header row read: {', '.join(names)}",
        )
    return _Header(
        columns={name: i for i, name in enumerate(names) if name in _KNOWN},
        drugs={drugs[names[i]]: i for i in others if names[i] in drugs},
        ignored=tuple(shown[i] for i in others if names[i] not in drugs),
    )


def _alike(name: str, present: Collection[str], drugs: Mapping[str, str]) -> str | None:
    """The missing column ``name`` seems meant for, or ``None`` if it is like none of them.

    A name spelt almost like a known column or a drug that the header lacks is taken for
    it; so is one that has such a column's name as a word (``weight_kg``, ``serum
    creatinine``). Beside the column itself, a look-alike is another column, ignored. A
    drug's own name is a choice column, not a misspelling.

    >>> _alike("hieght", ["hieght"], {}), _alike("weight_kg", ["weight_kg"], {})
    ('height', 'weight')
    >>> _alike("weight_kg", ["weight", "weight_kg"], {}), _alike("ward", ["ward"], {})
    (None, None)
    """
    if name in drugs:
        return None
    missing = [known for known in (*_KNOWN, *drugs) if known not in present]
    close = difflib.get_close_matches(name, missing, n=1, cutoff=_ALIKE)
    if close:
        return close[0]
    words = set(re.split(r"[^a-z0-9]+", name))
    checked = (*_WORDS_CHECKED, *drugs)
    return next((known for known in checked if known in words and known in missing), None)


def _read_rows(reader: Reader, header: _Header) -> Iterator[PatientRow | Rejected]:
    columns, drugs = header.columns, header.drugs
    named = len(columns) + len(drugs) + len(header.ignored)
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            end = max(reader.line_num, start)
            yield Rejected(start, None, f"row must be valid CSV, got {err}")
            continue
        except DosingError as err:
            yield Rejected(start, None, f"{err}; the rest of the file was not read")
            return
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if _NOT_UTF8.search("".join(cells)):
            yield Rejected(start, None, "row must be UTF-8 text, got bytes that are not UTF-8")
            continue
        if any(cell.strip() for cell in cells[named:]):
            text = f"row must have {named} cells like the header, got {len(cells)}"
            yield Rejected(start, None, text)
            continue
        values = {
            name: _cell(cells, columns[name]) if name in columns else ""
            for name in (*_REQUIRED, *_OPTIONAL)
        }
        chosen = tuple((d, _cell(cells, i)) for d, i in drugs.items() if _cell(cells, i))
        identifier = values["id"]
        problem = _row_problem({**values, **dict(chosen)})
        if problem:
            yield Rejected(start, identifier or None, problem)
            continue
        yield PatientRow(
            start,
            identifier,
            values["height"],
            values["weight"],
            values["start"],
            choose=values["choose"],
            protocol=values["protocol"],
            cycles=values["cycles"],
            age=values["age"],
            sex=values["sex"],
            creatinine=values["creatinine"],
            dialysis=values["dialysis"],
            date_of_birth=values["date_of_birth"],
            choices=chosen,
        )


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _row_problem(values: Mapping[str, str]) -> str:
    for name in _REQUIRED:
        if not values[name]:
            return f"{name} must be given, got nothing"
    if len(values["id"]) > _MAX_ID:
        return f"id must be at most {_MAX_ID} characters, got {len(values['id'])} characters"
    for name, value in values.items():
        if name != "id" and len(value) > _MAX_CELL:
            return f"{name} must be at most {_MAX_CELL} characters, got {len(value)} characters"
    return ""


def parse_choose(text: str) -> dict[str, str]:
    """Read a ``choose`` cell: ``DRUG=VALUE`` pairs separated by ``;``.

    >>> parse_choose("carfilzomib=36; Dexamethasone=20")
    {'carfilzomib': '36', 'dexamethasone': '20'}
    >>> parse_choose("carfilzomib")
    Traceback (most recent call last):
      ...
    dosing.errors.ChoiceError: choose must be DRUG=VALUE pairs separated by ';',
    e.g. carfilzomib=36;dexamethasone=20, got 'carfilzomib'
    """
    constraint = "DRUG=VALUE pairs separated by ';', e.g. carfilzomib=36;dexamethasone=20"
    out: dict[str, str] = {}
    if len(text) > _MAX_CHOOSE:
        raise ChoiceError("choose", constraint, f"{len(text)} characters")
    for item in text.split(";"):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key or not value.strip():
            raise ChoiceError("choose", constraint, repr(item.strip()))
        if key in out:
            raise ChoiceError("choose", "given once per drug", repr(text))
        out[key] = value.strip()
    return out


def _whole(text: str, name: str, error: type[DosingError]) -> int:
    """A cell that must hold a whole number (``cycles``, ``age``).

    >>> _whole("12", "cycles", ScheduleError)
    12
    >>> _whole("2.5", "cycles", ScheduleError)
    Traceback (most recent call last):
      ...
    dosing.errors.ScheduleError: cycles must be a whole number, got '2.5'
    """
    if not re.fullmatch(r"\d{1,6}", text):
        raise error(name, "a whole number", repr(text))
    return int(text)


_YES: Final = frozenset({"yes", "y", "true", "1"})
_NO: Final = frozenset({"no", "n", "false", "0"})


def _yes_no(text: str, name: str) -> bool:
    """``yes`` or ``no`` (also ``y``, ``true``, ``1``; ``n``, ``false``, ``0``), any case.

    >>> _yes_no("Yes", "dialysis"), _yes_no("0", "dialysis")
    (True, False)
    """
    word = text.strip().lower()
    if word in _YES or word in _NO:
        return word in _YES
    raise DosingError(name, "yes or no, or empty when not known", repr(text))


_SPREADSHEET_DATE: Final = re.compile(
    r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.0+)?)?)?"
)


def _date_text(text: str, name: str) -> str:
    """A date cell as ``YYYY-MM-DD``, also as spreadsheets write one; anything else as it is.

    A spreadsheet writes a date cell with the time 00:00 (``2026-01-05T00:00:00``,
    ``2026-01-05 00:00:00``) or year first with slashes (``2026/1/5``): each names one
    date. Another time of day is refused - a date shifted by a time zone shows as the
    evening before - and a day and month without the year first (``05/01/2026``) is left
    for :func:`~dosing.schedule.parse_date` to refuse as ambiguous.

    >>> _date_text("2026-01-05T00:00:00", "start"), _date_text("2026/1/5", "start")
    ('2026-01-05', '2026-01-05')
    >>> _date_text("05/01/2026", "start")
    '05/01/2026'
    >>> _date_text("2026-01-04 23:00:00", "start")
    Traceback (most recent call last):
      ...
    dosing.errors.DateError: start must be a date, or a date at 00:00 as a spreadsheet writes
    one, got '2026-01-04 23:00:00' - a time of day may come from a time zone shifting the
    date; write the date alone
    """
    found = _SPREADSHEET_DATE.fullmatch(text)
    if found is None:
        return text
    year, _, month, day, hour, minute, second = found.groups()
    if hour is not None and int(hour) + int(minute) + int(second or 0) != 0:
        raise DateError(
            name,
            "a date, or a date at 00:00 as a spreadsheet writes one",
            repr(text),
            "a time of day may come from a time zone shifting the date; write the date alone",
        )
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _birth_date(text: str) -> dt.date:
    """A ``date_of_birth`` cell read like a start date, without the start date's window.

    >>> _birth_date("1944-03-10 00:00:00")
    datetime.date(1944, 3, 10)
    """
    iso = _date_text(text, "date_of_birth")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        try:
            return dt.date.fromisoformat(iso)
        except ValueError as err:
            raise DateError("date_of_birth", "a real calendar date", repr(text), str(err)) from None
    parse_date(text, field="date_of_birth")  # refuses it, with the readings it could have
    raise DateError("date_of_birth", "an ISO date YYYY-MM-DD", repr(text))
