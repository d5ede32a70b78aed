"""Finding protocols: by id or alias, never silently shadowed, every model immutable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import dosing
from dosing._cli import main
from dosing.catalogue import get_protocol, load_protocol
from dosing.errors import DosingError, ImmutableError, UnknownProtocolError
from tests.test_validate import VALID

CALENDAR = ["--height", "175cm", "--weight", "80kg", "--start", "2026-01-05", "--cycles", "1"]


def _file(folder: Path, name: str, *, id_: str = "Test-Kd", aliases: str = "[]") -> Path:
    path = folder / name
    path.write_text(
        VALID.replace('id = "Test-Kd"', f'id = "{id_}"\naliases = {aliases}'), encoding="utf-8"
    )
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_a_user_file_answering_to_a_builtin_name_is_refused_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose alias is KdD never replaces the built-in KdD: calendar, protocols and
    validate refuse with exit 2 and say how to name each."""
    shadow = _file(tmp_path, "shadow.toml", aliases='["KdD"]')
    status, out, err = _run(["calendar", "KdD", *CALENDAR, "--protocol-file", str(shadow)], capsys)
    assert status == 2
    assert out == ""
    assert "which 2 answer to" in err
    assert "name it builtin:KdD" in err
    assert f"from {shadow}; name it by that path" in err
    assert err.count("\n") == 1
    status, _, err = _run(["protocols", "--protocol-file", str(shadow)], capsys)
    assert status == 2
    assert "'kdd' shared with KdD (built in" in err
    status, _, err = _run(["validate", str(shadow)], capsys)
    assert status == 2
    assert "shared with KdD" in err


def test_naming_a_protocol_unambiguously_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """builtin:KdD picks the built-in; the file's path picks the file's protocol."""
    shadow = _file(tmp_path, "shadow.toml", aliases='["KdD"]')
    status, out, _ = _run(
        ["calendar", "builtin:KdD", *CALENDAR, "--protocol-file", str(shadow), "--format", "csv"],
        capsys,
    )
    assert status == 0
    assert "daratumumab" in out
    status, out, _ = _run(
        ["calendar", str(shadow), *CALENDAR, "--protocol-file", str(shadow), "--format", "csv"],
        capsys,
    )
    assert status == 0
    assert "daratumumab" not in out
    assert f"from {shadow}" in out


def test_two_user_files_with_one_name_are_a_clash(tmp_path: Path) -> None:
    """Two files with the same id: the name is refused; each path still names its file."""
    a = load_protocol(_file(tmp_path, "a.toml", id_="Mine"))
    b = load_protocol(_file(tmp_path, "b.toml", id_="mine"))
    with pytest.raises(UnknownProtocolError, match="which 2 answer to"):
        get_protocol("Mine", extra=[a, b])
    assert get_protocol(str(tmp_path / "b.toml"), extra=[a, b]) is b


def test_validate_compares_files_given_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two clashing files named as two arguments are both refused, as in one folder."""
    a = _file(tmp_path, "a.toml", id_="Mine")
    b = _file(tmp_path, "b.toml", id_="mine")
    status, _, err = _run(["validate", str(a), str(b)], capsys)
    assert status == 2
    assert "dosing: 0 valid, 2 invalid" in err
    assert err.count("shared with") == 2


def test_a_file_that_is_a_builtin_copied_unchanged_is_not_a_clash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Validating the shipped folder compares each file with itself: no clash."""
    folder = Path(__file__).resolve().parents[1] / "protocols"
    status, _, err = _run(["validate", str(folder)], capsys)
    assert status == 0, err


def _mutations() -> list[tuple[str, Any]]:
    protocol = get_protocol("KdD")
    schedule = dosing.build_schedule(
        protocol,
        dosing.Patient(height="175 cm", weight="80 kg"),
        "2026-01-05",
        cycles=1,
        today=dt.date(2026, 1, 1),
    )
    admin = schedule.administrations[0]
    choice = protocol.choices["dexamethasone"]
    return [
        ("protocol id", lambda: setattr(protocol, "id", "X")),
        ("protocol choices", lambda: protocol.choices.__setitem__("x", choice)),
        ("protocol choice entry", lambda: protocol.choices.pop("dexamethasone")),  # type: ignore[attr-defined]
        ("choice schedules", lambda: choice.schedules.__setitem__("20", ())),
        ("choice default", lambda: setattr(choice, "default", 20)),
        ("drug name", lambda: setattr(protocol.drugs[0], "name", "x")),
        ("drug list", lambda: protocol.drugs.append(protocol.drugs[0])),  # type: ignore[attr-defined]
        ("day block days", lambda: setattr(protocol.drugs[0].schedule[0], "days", (1,))),
        ("schedule cycles", lambda: setattr(schedule, "cycles", 9)),
        ("schedule choices", lambda: schedule.choices.__setitem__("x", None)),
        ("schedule administrations", lambda: schedule.administrations.append(admin)),  # type: ignore[attr-defined]
        ("administration dose", lambda: setattr(admin, "dose", None)),
        ("dose final", lambda: setattr(admin.dose, "final_mg", 1.0)),
        ("dose rule amount", lambda: setattr(admin.dose.rule, "amount", 1.0)),
        ("plan doses", lambda: setattr(schedule.plan, "doses", ())),
        ("trace event", lambda: setattr(admin.events[0], "note", "x")),
        ("resolved choice", lambda: setattr(schedule.choices["dexamethasone"], "value", 20.0)),
        ("patient weight", lambda: setattr(schedule.patient, "weight", "90 kg")),
    ]


@pytest.mark.parametrize(("what", "attempt"), _mutations(), ids=[m[0] for m in _mutations()])
def test_every_public_model_is_deeply_immutable(what: str, attempt: Any) -> None:
    """Built-in protocols are shared: no part of one, or of a schedule, can be changed."""
    before = get_protocol("KdD").model_dump()
    with pytest.raises((AttributeError, TypeError)):
        attempt()
    assert get_protocol("KdD").model_dump() == before


def test_assignment_to_a_model_is_a_dosing_error() -> None:
    """Assigning to a protocol or a schedule is a DosingError naming the way to derive."""
    with pytest.raises(ImmutableError, match="model_copy"):
        get_protocol("KRd").id = "x"  # type: ignore[misc]
    assert issubclass(ImmutableError, DosingError)


class _NaNPolicy:
    tolerance = 0.1

    def propose(self, mg: float) -> tuple[float, str]:
        return float("nan"), "nothing"

    def describe(self) -> str:
        return "a policy that proposes NaN"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"choices": {"carfilzomib": float("nan")}},
        {"choices": {"carfilzomib": float("inf")}},
        {"rounding": {"carfilzomib": _NaNPolicy()}},
    ],
)
def test_non_finite_library_arguments_are_dosing_errors(kwargs: dict[str, Any]) -> None:
    """A NaN choice or a rounding policy that proposes NaN is a DosingError, not a ValueError."""
    with pytest.raises(DosingError):
        dosing.build_schedule(
            get_protocol("KRd"),
            dosing.Patient(height="175 cm", weight="80 kg"),
            "2026-01-05",
            today=dt.date(2026, 1, 1),
            **kwargs,
        )


def test_the_quick_label_reading_agrees_with_toml_for_every_builtin_file() -> None:
    """The id and aliases read from the two top lines are what tomllib reads from the file."""
    import tomllib

    from dosing.catalogue import _builtin_dir, _file_labels

    files = sorted(_builtin_dir().glob("*.toml"))
    assert len(files) >= 19
    for file in files:
        text = file.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        assert _file_labels(text) == (data["id"], *data.get("aliases", ())), file.name


def test_labels_written_over_several_lines_are_read_from_the_whole_file() -> None:
    """An aliases array over several lines, or no aliases, falls back to reading everything."""
    from dosing.catalogue import _file_labels

    several = 'format = 2\nid = "X"\naliases = [\n  "Y",\n  "Z",\n]\n[cycle]\nlength_days = 28\n'
    assert _file_labels(several) == ("X", "Y", "Z")
    assert _file_labels('id = "X"\n[cycle]\nlength_days = 28\n') == ("X",)
