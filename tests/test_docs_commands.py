"""A new user's walk through the docs: every `dosing` command shown in a shell block runs.

Commands are taken from the ```sh blocks of README.md and docs/*.md (continuation lines
joined, comments dropped) and run in a fresh folder that holds the files they name: a copy
of the built-in protocols, a user protocol file and a small patients CSV.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from dosing._cli import main

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _commands() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
            joined = re.sub(r"\\\n\s*", " ", block)
            for line in joined.splitlines():
                line = line.split(" #", 1)[0].strip()
                if line.startswith("dosing "):
                    found.append((path.name, line))
    return sorted(set(found))


COMMANDS = _commands()


def test_the_docs_show_commands() -> None:
    """The walk covers every command of the CLI."""
    shown = {shlex.split(line)[1] for _, line in COMMANDS}
    assert shown >= {"protocols", "show", "calendar", "bsa", "validate", "schema", "cohort"}


@pytest.mark.parametrize(("source", "line"), COMMANDS, ids=[f"{s}: {c[:60]}" for s, c in COMMANDS])
def test_documented_command_runs(
    source: str,
    line: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command exits 0 exactly as written in the docs."""
    shutil.copytree(ROOT / "protocols", tmp_path / "protocols")
    shutil.copytree(ROOT / "protocols", tmp_path / "my-protocols")
    shutil.copy(ROOT / "protocols" / "KRd.toml", tmp_path / "my-regimen.toml")
    (tmp_path / "patients.csv").write_text(
        "id,height,weight,start,choose\nP1,175cm,80kg,2026-01-05,\nP2,5 ft 9 in,176lb,2026-02-02,dexamethasone=20\n",
        encoding="utf-8",
    )
    (tmp_path / "mrn-0001.toml").write_text(
        'format = 1\ncourse_id = "c-5f0c2a9e1b7d4e36"\nprotocol = "D-KRd"\nstart = "2026-01-05"\n'
        'cycles = 8\n\n[patient]\nidentifier = "MRN 0001"\nheight = "175 cm"\nweight = "80 kg"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    args = shlex.split(line)[1:]
    status = main(args)
    captured = capsys.readouterr()
    assert status == 0, f"{source}: {line}\n{captured.err}"
