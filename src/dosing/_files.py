"""Writing output files safely: atomic replace, never clobbering without ``force``.

:func:`atomic_output` is the one mechanism: it gives a file object for a temporary file in
the target's folder; when the block ends normally the file is flushed, synced and renamed
over the target in one step. If anything fails - a full disk, a missing folder, no
permission, an interruption - the temporary file is removed and any existing file is left
exactly as it was. :func:`write_atomic` writes a whole text or bytes value through it.

A new file gets the permissions the process's umask allows for an ordinary file
(``0o666 & ~umask``, usually ``rw-r--r--``); a file replaced with ``force`` keeps its
permission bits.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, BinaryIO, Final, Literal, TextIO, overload

from dosing.errors import OutputError

__all__ = ["atomic_output", "write_atomic"]

_NOT_EXISTING: Final = "a file that does not exist yet (or pass --force)"
_REASONS: Final = {
    errno.ENOSPC: "the disk is full",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
}
#: Attempts at a fresh temporary name before giving up (a clash is already very unlikely).
_ATTEMPTS: Final = 100


@overload
def atomic_output(
    path: str | Path, *, force: bool = ..., mode: Literal["w"] = ...
) -> AbstractContextManager[TextIO]: ...


@overload
def atomic_output(
    path: str | Path, *, force: bool = ..., mode: Literal["wb"]
) -> AbstractContextManager[BinaryIO]: ...


def atomic_output(
    path: str | Path, *, force: bool = False, mode: Literal["w", "wb"] = "w"
) -> AbstractContextManager[Any]:
    """A file object whose content replaces ``path`` only when the ``with`` block completes.

    ``mode`` is ``"w"`` (UTF-8 text, line ends written as given) or ``"wb"`` (bytes). The
    target is checked first: a folder, an existing file without ``force`` or a missing
    folder raise :class:`~dosing.errors.OutputError` before anything is created. An
    :class:`OSError` while writing (a full disk, no permission) becomes an
    :class:`~dosing.errors.OutputError`; any other exception from the block passes through.
    Either way the temporary file is removed and the target is unchanged.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> with atomic_output(target) as out:
    ...     _ = out.write("a,b\\r\\n")
    >>> target.read_bytes()
    b'a,b\\r\\n'
    >>> with atomic_output(target, force=True) as out:
    ...     _ = out.write("half a row")
    ...     raise RuntimeError("stopped")
    Traceback (most recent call last):
      ...
    RuntimeError: stopped
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'a,b\\r\\n', ['out.csv'])
    """
    return _atomic_output(Path(path), force=force, mode=mode)


@contextlib.contextmanager
def _atomic_output(target: Path, *, force: bool, mode: str) -> Iterator[IO[Any]]:
    shown = repr(str(target))
    if target.is_symlink():  # replace the file the link points to, not the link itself
        target = Path(os.path.realpath(target))
    if target.is_dir():
        raise OutputError("output", "a file path, not a folder", shown)
    if target.exists() and not target.is_file():
        raise OutputError("output", "a regular file, not a device, pipe or socket", shown)
    if target.exists() and not force:
        raise OutputError("output", _NOT_EXISTING, shown)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError("output", "in an existing folder", shown, f"create {str(folder)!r} first")
    tmp: Path | None = None
    try:
        fd, tmp = _create_temporary(folder, target.name)
        handle: IO[Any]
        if mode == "wb":
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 16)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            existing = target.stat()
        except FileNotFoundError:
            pass
        else:
            if not force:
                raise OutputError("output", _NOT_EXISTING, shown)
            os.chmod(tmp, stat.S_IMODE(existing.st_mode) & 0o777)
        os.replace(tmp, target)
        tmp = None
    except OSError as err:
        reason = _REASONS.get(err.errno or 0, err.strerror or type(err).__name__)
        raise OutputError(
            "output", "a writable file", shown, f"{reason}; nothing was written"
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """Create ``.<name>.<random>.tmp`` in ``folder`` for writing; the umask sets its mode.

    :func:`tempfile.mkstemp` would always make the file ``0o600``; creating it with
    ``0o666`` lets the umask decide, as for any file a program creates.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_ATTEMPTS):
        candidate = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(candidate, flags, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def write_atomic(path: str | Path, data: str | bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; refuse to replace an existing file unless ``force``.

    Text is written as UTF-8. See :func:`atomic_output` for the guarantees.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, "one").read_text()
    'one'
    >>> write_atomic(target, "two")
    Traceback (most recent call last):
      ...
    dosing.errors.OutputError: output must be a file that does not exist yet (or pass --force), got '...out.txt'
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_output(path, force=force, mode="wb") as handle:
        handle.write(payload)
    return Path(path)
