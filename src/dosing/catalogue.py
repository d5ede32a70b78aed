"""The catalogue: protocol files loaded from disk, the built-in protocols, and finding one by name.

A protocol is found by its id or an alias, case-insensitively and ignoring ``-``, ``_``,
``.`` and spaces, among the built-in protocols and any files the user gives. Two protocols
that answer to the same name are a clash: the name is refused, and the message says how to
name each one unambiguously - a user file by its path, a built-in as ``builtin:ID``.

>>> get_protocol("DKRD").id
'D-KRd'
>>> get_protocol("Kd")
Traceback (most recent call last):
  ...
dosing.errors.UnknownProtocolError: protocol must be a known id or alias, got 'Kd' - did you mean Kd-ARROW (carfilzomib, dexamethasone), Kd-ENDEAVOR (carfilzomib, dexamethasone), Kd-weekly (carfilzomib, dexamethasone), KdD (daratumumab, carfilzomib, dexamethasone), KdD-70 (daratumumab, carfilzomib, dexamethasone) or KdD-SC (daratumumab, carfilzomib, dexamethasone)? Known: D-KRd, D-KRd-SC, elranatamab, ...
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path

from dosing.errors import DosingError, Problem, ProtocolError, UnknownProtocolError
from dosing.protocol import MAX_FILE_BYTES, Protocol, _set_origin, loads_protocol

__all__ = [
    "BUILTIN_PREFIX",
    "builtin_protocols",
    "clashes",
    "get_protocol",
    "load_protocol",
    "load_protocols",
    "validate_paths",
]

#: Names a built-in protocol unambiguously: ``builtin:KdD``.
BUILTIN_PREFIX = "builtin:"


def load_protocol(path: str | Path) -> Protocol:
    """Load and validate one protocol file (TOML, UTF-8, a byte order mark allowed)."""
    from dosing._files import os_reason, read_limited

    p = Path(path)
    try:  # read with a hard limit: /dev/zero or a pipe claims a size of 0 and never ends
        raw = read_limited(p, MAX_FILE_BYTES)
    except DosingError:
        problem = f"the file must be at most {MAX_FILE_BYTES} bytes, got more"
        raise ProtocolError(str(p), [Problem("", problem)]) from None
    except OSError as err:
        raise DosingError(
            "protocol file", "a readable file", f"{str(p)!r} ({os_reason(err)})"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(str(p), [Problem("", "the file must be UTF-8 text")]) from None
    return loads_protocol(text, origin=str(p))


def _protocol_files(path: Path) -> list[Path]:
    """The ``*.toml`` files of a folder, or the path itself (reading it reports any problem)."""
    try:
        return sorted(path.glob("*.toml")) if path.is_dir() else [path]
    except OSError:
        return [path]


def load_protocols(paths: Iterable[str | Path]) -> list[Protocol]:
    """Load every protocol in the given files and folders (``*.toml``)."""
    return [load_protocol(file) for path in paths for file in _protocol_files(Path(path))]


def validate_paths(
    paths: Iterable[str | Path],
) -> Iterator[tuple[str, DosingError | None]]:
    """Validate files and folders, yielding ``(path, error or None)`` for every file.

    A file that is valid on its own but answers to the name of a built-in protocol or of
    another file given here is reported as a clash. A path that cannot be searched (a name
    too long, a folder without permission) is reported as not readable.
    """
    from dosing._files import os_reason

    loaded: list[Protocol] = []
    results: list[tuple[str, DosingError | None]] = []
    for path in paths:
        p = Path(path)
        try:
            files_found = _protocol_files(p)
            folder = p.is_dir()
        except OSError as err:
            results.append(
                (str(path), DosingError("path", "readable", repr(str(path)), os_reason(err)))
            )
            continue
        if folder and not files_found:
            results.append(
                (str(p), DosingError("path", "a folder with *.toml protocol files", repr(str(p))))
            )
        for file in files_found:
            try:
                loaded.append(load_protocol(file))
            except DosingError as err:
                results.append((str(file), err))
            else:
                results.append((str(file), None))
    found = clashes(loaded)
    for path, error in results:
        if error is None and path in found:
            error = ProtocolError(path, [Problem("", message) for message in found[path]])
        yield path, error


def _builtin_dir() -> Path:
    packaged = files("dosing").joinpath("protocols")
    if packaged.is_dir():
        return Path(str(packaged))
    # A source checkout (editable install): the files live at the repository's top level.
    return Path(__file__).resolve().parents[2] / "protocols"


@cache
def _load_builtin(file: Path) -> Protocol:
    protocol = load_protocol(file)
    _set_origin(protocol, f"{BUILTIN_PREFIX}{protocol.id}")
    return protocol


def builtin_protocols() -> tuple[Protocol, ...]:
    """The protocols shipped with `dosing`, in file-name order."""
    return tuple(_load_builtin(file) for file in _protocol_files(_builtin_dir()))


_LABEL_LINE = re.compile(r"^(?:id|aliases)\s*=.*$", re.M)


def _file_labels(text: str) -> tuple[object, ...]:
    """The id and aliases a protocol file declares, as TOML reads them.

    Only the top-level ``id =`` and ``aliases =`` lines are read, by ``tomllib``, when each
    is written on one line before the first table (as every built-in file writes them);
    otherwise the whole file is.
    """
    import tomllib

    top = text.split("\n[", 1)[0]
    lines = _LABEL_LINE.findall(top)
    try:
        data = tomllib.loads("\n".join(lines)) if len(lines) == 2 else None
    except tomllib.TOMLDecodeError:
        data = None
    if data is None or set(data) != {"id", "aliases"}:
        data = tomllib.loads(text)
    return (data.get("id"), *(data.get("aliases") or ()))


@cache
def _builtin_labels() -> dict[str, tuple[Path, ...]]:
    """The built-in files by each id and alias (normalised), read without full validation."""
    labels: dict[str, tuple[Path, ...]] = {}
    for file in _protocol_files(_builtin_dir()):
        for label in dict.fromkeys(_file_labels(file.read_text(encoding="utf-8"))):
            if isinstance(label, str) and file not in labels.get(_key(label), ()):
                labels[_key(label)] = (*labels.get(_key(label), ()), file)
    return labels


def _key(text: str) -> str:
    return re.sub(r"[\s\-_.]", "", text).lower()


def _labels(protocol: Protocol) -> set[str]:
    return {_key(label) for label in (protocol.id, *protocol.aliases)}


def _described(protocol: Protocol) -> str:
    if protocol.origin.startswith(BUILTIN_PREFIX):
        return f"{protocol.id} (built in; name it {protocol.origin})"
    return f"{protocol.id} (from {protocol.origin}; name it by that path)"


def clashes(extra: Sequence[Protocol]) -> dict[str, list[str]]:
    """Each user file whose protocol answers to a name a built-in or another file answers to.

    Keyed by the file's origin, one sentence per clash.
    """
    out: dict[str, list[str]] = {}
    builtin = list(builtin_protocols()) if extra else []
    for i, protocol in enumerate(extra):
        others = [*builtin, *extra[:i], *extra[i + 1 :]]
        for other in others:
            shared = sorted(_labels(protocol) & _labels(other))
            if shared and not _same_content(protocol, other):
                out.setdefault(protocol.origin, []).append(
                    f"id and aliases must not answer to a name another protocol answers to, got "
                    f"{', '.join(repr(s) for s in shared)} shared with {_described(other)}"
                )
    return out


def _same_content(a: Protocol, b: Protocol) -> bool:
    """True for the same protocol however it was loaded (a built-in file given as a path)."""
    return a is b or a.model_dump() == b.model_dump()


def get_protocol(name: str, *, extra: Iterable[Protocol] = ()) -> Protocol:
    """Find a protocol by id or alias, case-insensitively, among ``extra`` and the built-ins.

    ``builtin:ID`` names a built-in protocol and a file path names the protocol loaded from
    that file, whatever other protocols answer to. A name that two protocols answer to is
    refused with the ways to name each. Only the built-in file that matches is validated, so
    looking one up stays fast.
    """
    extras = list(extra)
    text = str(name)
    if text.startswith(BUILTIN_PREFIX):
        text = text.removeprefix(BUILTIN_PREFIX)
        extras = []
    for protocol in extras:
        if _same_path(protocol.origin, text):
            return protocol
    wanted = _key(text)
    matches = [p for p in extras if wanted in _labels(p)]
    builtin_files = _builtin_labels().get(wanted, ())
    matches += [_load_builtin(file) for file in builtin_files]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UnknownProtocolError(
            "protocol",
            "a name exactly one protocol answers to",
            f"{name!r}, which {len(matches)} answer to: "
            + "; ".join(_described(p) for p in matches),
        )
    raise UnknownProtocolError(
        "protocol", "a known id or alias", repr(name), _suggestion(wanted, extras)
    )


def _same_path(origin: str, text: str) -> bool:
    if origin.startswith(("<", BUILTIN_PREFIX)) or not text:
        return False
    try:
        return origin == text or Path(origin).resolve() == Path(text).resolve()
    except (OSError, ValueError):
        return False


def _suggestion(wanted: str, extras: list[Protocol]) -> str:
    """``did you mean A (drugs) or B (drugs)? Known: ...`` for an unknown name.

    Names that begin with what was typed come first (``Kd`` -> ``Kd-weekly``, ``KdD``), else
    the names spelled most alike; each is offered with its drugs.
    """
    candidates = extras + list(builtin_protocols())
    ids = sorted({p.id for p in candidates}, key=str.lower)
    by_label: dict[str, list[Protocol]] = {}
    for p in candidates:
        for label in _labels(p):
            by_label.setdefault(label, []).append(p)
    close = [label for label in by_label if wanted and label.startswith(wanted)]
    if not close:
        scored = [
            (difflib.SequenceMatcher(None, wanted, label).ratio(), label) for label in by_label
        ]
        best = max((score for score, _ in scored), default=0.0)
        close = [label for score, label in scored if score >= max(0.6, best - 0.05)]
    offered: dict[str, Protocol] = {}
    for label in close:
        for p in by_label[label]:
            offered.setdefault(p.id, p)
    if not offered:
        return f"Known: {', '.join(ids)}"
    shown = [
        f"{p.id} ({', '.join(d.name for d in p.drugs)})"
        for p in sorted(offered.values(), key=lambda p: p.id.lower())
    ]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"did you mean {listed}? Known: {', '.join(ids)}"
