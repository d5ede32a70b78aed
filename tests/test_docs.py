"""Docstring and documentation examples run, and the docs cover every CLI command."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import dosing
from dosing._cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
MODULES = [
    *sorted(
        m.name
        for m in pkgutil.walk_packages(dosing.__path__, prefix="dosing.")
        if "._" not in m.name or m.name.endswith(("_common", "_files", "_text"))
    ),
    "dosing",
]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_module_docstring_examples_run(name: str) -> None:
    """Every `>>>` example in the module's docstrings gives the output shown."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_documentation_examples_run(path: Path) -> None:
    """Every `>>>` example in the docs gives the output shown."""
    result = doctest.testfile(str(path), module_relative=False, optionflags=FLAGS, verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in {path.name}"


def _commands() -> list[str]:
    parser = build_parser()
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            return sorted(action.choices)  # type: ignore[attr-defined]
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("command", _commands())
def test_every_cli_command_is_documented(command: str) -> None:
    """The CLI reference has a section for each command, and its --help shows an example."""
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert re.search(rf"^## `dosing {command}", reference, re.M), command
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    help_text = sub.choices[command].format_help()  # type: ignore[attr-defined]
    assert "example" in help_text


def test_public_api_is_pinned() -> None:
    """The public names are exactly these; a change here is an API change to note in CHANGELOG."""
    assert set(dosing.__all__) == {
        "VERIFICATION_NOTICE",
        "Administration",
        "BSAFormula",
        "Basis",
        "ChoiceError",
        "DateError",
        "DocumentError",
        "Dose",
        "DoseRule",
        "DosingError",
        "FormatError",
        "ImmutableError",
        "MeasurementError",
        "NearestIncrement",
        "OralStrengths",
        "OutputError",
        "Patient",
        "PlausibilityError",
        "Problem",
        "Protocol",
        "ProtocolError",
        "RoundingError",
        "RoundingPolicy",
        "Schedule",
        "ScheduleDocument",
        "ScheduleError",
        "TreatmentDay",
        "UnknownProtocolError",
        "VialBanding",
        "WeightPolicy",
        "__version__",
        "adjusted_body_weight",
        "body_surface_area",
        "build_schedule",
        "builtin_protocols",
        "compute_dose",
        "creatinine_clearance",
        "format_amount",
        "get_protocol",
        "ideal_body_weight",
        "load_protocol",
        "load_protocols",
        "loads_protocol",
        "parse_creatinine",
        "parse_date",
        "parse_length",
        "parse_mass",
        "parse_rounding",
        "protocol_json_schema",
        "registry",
        "resolve_choices",
    }
    for name in dosing.__all__:
        assert hasattr(dosing, name), name


def test_every_error_is_a_dosing_error() -> None:
    """Every error class the library exports derives from DosingError."""
    for name in dosing.__all__:
        obj = getattr(dosing, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, dosing.DosingError), name


def _shape(node: object) -> object:
    """The parts of a JSON Schema that describe the format, not the generator's style."""
    if isinstance(node, dict):
        keep = {
            "properties",
            "required",
            "type",
            "enum",
            "items",
            "$defs",
            "$ref",
            "anyOf",
            "const",
        }
        return {k: _shape(v) for k, v in node.items() if k in keep or k not in _STYLE}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


# Keys whose presence varies between pydantic releases without changing what a file may hold.
_STYLE = {"additionalProperties", "title", "description", "examples", "default", "$schema"}


def test_published_schema_matches_the_model() -> None:
    """docs/protocol.schema.json describes the same format as `dosing schema` prints."""
    import json

    from dosing.protocol import protocol_json_schema

    published = json.loads((ROOT / "docs" / "protocol.schema.json").read_text(encoding="utf-8"))
    current = json.loads(json.dumps(protocol_json_schema()))
    assert _shape(published) == _shape(current)
