"""The output formats: one registry that the command line, render and the cohort all read.

Each :class:`Format` names its exporter by module path and function, so that reading the
registry imports nothing else: ``dosing --help`` lists the formats without loading pint,
pydantic or any exporter. A new format is one exporter module and one entry in
:data:`REGISTRY`; the ``--format`` choices, the ``-o`` extensions, the options only some
formats take and the cohort's per-patient files follow from it.

Every exporter is called as ``exporter(schedule, *, generated_at=..., **options)`` and
returns text, or bytes for a binary format.

>>> [f.name for f in REGISTRY.values()]
['table', 'csv', 'md', 'json', 'html', 'ics', 'fhir', 'jsonl']
>>> format_for_path("plan.fhir.json").name, format_for_path("PLAN.JSON").name
('fhir', 'json')
>>> format_for_path("notes.pdf") is None
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from types import MappingProxyType
from typing import Any, Final

from dosing.errors import DosingError

__all__ = [
    "REGISTRY",
    "Format",
    "all_extensions",
    "all_options",
    "format_for_path",
    "get_format",
    "option_formats",
]


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: its name, file extensions, kind, exporter and the options it takes.

    ``extensions`` are lower case with their dot, the first being the one files are written
    with; ``binary`` says the exporter returns bytes; ``exporter_path`` is
    ``module:function``, imported only when :meth:`exporter` is called; ``options`` are the
    keyword arguments the exporter takes besides ``generated_at``; ``per_patient`` says a
    cohort may write one file per patient in it, ``cohort`` that a cohort may write all its
    patients into one file of it (``dosing cohort -o all.csv``).
    """

    name: str
    description: str
    extensions: tuple[str, ...]
    exporter_path: str
    binary: bool = False
    options: tuple[str, ...] = ()
    per_patient: bool = True
    cohort: bool = False

    @property
    def extension(self) -> str:
        """The extension files are written with, without its dot (``fhir.json``)."""
        return self.extensions[0].removeprefix(".")

    def exporter(self) -> Callable[..., str | bytes]:
        """The exporter function, imported now (an ImportError if the module is missing)."""
        module, _, function = self.exporter_path.partition(":")
        found: Callable[..., str | bytes] = getattr(importlib.import_module(module), function)
        return found

    def render(self, schedule: Any, **options: Any) -> str | bytes:
        """The exporter's output for ``schedule`` (see :func:`dosing.export.render`)."""
        return self.exporter()(schedule, **options)


def _entries(*formats: Format) -> Mapping[str, Format]:
    return MappingProxyType({f.name: f for f in formats})


#: Every format, in the order the command line lists them.
REGISTRY: Final = _entries(
    Format(
        "table",
        "aligned plain-text table for the terminal",
        (".txt",),
        "dosing.export.table:to_text",
        per_patient=False,
    ),
    Format("csv", "CSV (RFC 4180)", (".csv",), "dosing.export.table:to_csv", cohort=True),
    Format("md", "Markdown", (".md", ".markdown"), "dosing.export.table:to_markdown"),
    Format("json", "JSON", (".json",), "dosing.export.table:to_json"),
    Format("html", "one HTML page", (".html", ".htm"), "dosing.export.html:to_html"),
    Format(
        "ics",
        "iCalendar",
        (".ics",),
        "dosing.export.ics:to_ics",
        binary=True,
        options=("per", "time", "tz", "remind", "remind_at", "duration", "audience"),
    ),
    Format(
        "fhir",
        "HL7 FHIR R4 transaction Bundle",
        (".fhir.json",),
        "dosing.export.fhir:to_fhir",
    ),
    Format(
        "jsonl",
        "JSON Lines: the JSON document on one line, one line per patient",
        (".jsonl",),
        "dosing.cohort:to_json_line",
        per_patient=False,
        cohort=True,
    ),
)


def get_format(name: object) -> Format:
    """The format called ``name``; a :class:`~dosing.errors.DosingError` if there is none.

    >>> get_format("ics").binary
    True
    >>> get_format("pdf")
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: format must be one of table, csv, md, json, html, ics, fhir, jsonl, got 'pdf'
    """
    found = REGISTRY.get(name) if isinstance(name, str) else None
    if found is None:
        raise DosingError("format", f"one of {', '.join(REGISTRY)}", repr(name))
    return found


def format_for_path(path: str) -> Format | None:
    """The format a file name's extension names, or ``None``; the longest match wins.

    Case is ignored, so ``x.fhir.json`` is FHIR and ``X.JSON`` is JSON; a name that is only
    an extension (``.csv``) names none.
    """
    name = PurePath(str(path)).name.lower()
    best: tuple[int, Format] | None = None
    for fmt in REGISTRY.values():
        for ext in fmt.extensions:
            if name.endswith(ext) and len(name) > len(ext) and (best is None or len(ext) > best[0]):
                best = (len(ext), fmt)
    return None if best is None else best[1]


def all_extensions() -> tuple[str, ...]:
    """Every extension of every format, sorted (for messages)."""
    return tuple(sorted(ext for fmt in REGISTRY.values() for ext in fmt.extensions))


def option_formats(option: str) -> tuple[str, ...]:
    """The names of the formats that take ``option`` (``("ics",)`` for ``time``)."""
    return tuple(f.name for f in REGISTRY.values() if option in f.options)


def all_options() -> tuple[str, ...]:
    """Every option any format takes, in registry order."""
    return tuple(dict.fromkeys(o for f in REGISTRY.values() for o in f.options))
