"""Files at the edge: writing safely (atomic, never clobbering) and reading with a hard limit.

:func:`atomic_output` is the one way output is written: it gives a file object for a
temporary file in the target's folder; when the block ends normally the file is flushed,
synced and moved into place in one step. If anything fails - a full disk, a missing
folder, no permission, an interruption or a signal the command line turns into one - the
temporary file is removed and any existing file is left exactly as it was.
:func:`write_atomic` writes a whole text or bytes value through it.

Without ``force`` the target is created exclusively *at the moment it appears*: the
finished temporary file is hard-linked to the target name, which fails if any file has
taken that name meanwhile (another process, another run), so two writers of one path never
both succeed and no file is ever silently replaced. On a file system without hard links the
name is claimed with ``O_EXCL`` first and the content moved onto it. With ``force`` an
existing regular file is replaced, but never one that is read-only (no write permission
bit, such as mode ``0444``): making it writable first is the owner's decision.

A new file gets the permissions the process's umask allows for an ordinary file
(``0o666 & ~umask``, usually ``rw-r--r--``); a file replaced with ``force`` keeps its
permission bits. A symbolic link as the target is followed (its file is replaced, the link
kept) unless ``follow_symlinks=False``, which refuses any link - per-patient files use it so
that a link planted in an output folder can never send a patient's data elsewhere.

:func:`check_output` runs the checks up front (the command line calls it before any work);
:func:`read_limited` reads an input file with a hard byte limit, whatever size the file
claims (``/dev/zero`` claims 0 bytes and never ends).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, BinaryIO, Final, Literal, TextIO, overload

from dosing.errors import DosingError, OutputError

__all__ = ["atomic_output", "check_output", "os_reason", "read_limited", "write_atomic"]

_NOT_EXISTING: Final = "a file that does not exist yet (or pass --force)"
_REASONS: Final = {
    errno.ENOSPC: "the disk is full",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ELOOP: "too many symbolic links",
    errno.EISDIR: "it is a folder",
}
#: Errors of :func:`os.link` that mean "this file system has no hard links".
_NO_HARD_LINKS: Final = frozenset(
    getattr(errno, name)
    for name in ("EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK")
    if hasattr(errno, name)
)
#: Attempts at a fresh temporary name before giving up (a clash is already very unlikely).
_ATTEMPTS: Final = 100


def os_reason(err: OSError) -> str:
    """A short reason for an :class:`OSError`, in words a user reads.

    >>> os_reason(OSError(errno.ENAMETOOLONG, "File name too long"))
    'the file name is too long'
    """
    return _REASONS.get(err.errno or 0, err.strerror or type(err).__name__)


@overload
def atomic_output(
    path: str | Path,
    *,
    force: bool = ...,
    mode: Literal["w"] = ...,
    follow_symlinks: bool = ...,
) -> AbstractContextManager[TextIO]: ...


@overload
def atomic_output(
    path: str | Path, *, force: bool = ..., mode: Literal["wb"], follow_symlinks: bool = ...
) -> AbstractContextManager[BinaryIO]: ...


def atomic_output(
    path: str | Path,
    *,
    force: bool = False,
    mode: Literal["w", "wb"] = "w",
    follow_symlinks: bool = True,
) -> AbstractContextManager[Any]:
    """A file object whose content replaces ``path`` only when the ``with`` block completes.

    ``mode`` is ``"w"`` (UTF-8 text, line ends written as given) or ``"wb"`` (bytes). The
    target is checked first (:func:`check_output`): a folder, an existing file without
    ``force``, a read-only file, a missing folder raise :class:`~dosing.errors.OutputError`
    before anything is created. Without ``force`` the file is created exclusively when it
    is moved into place, so a file that appeared meanwhile is an ``OutputError`` too and is
    left as it is. An :class:`OSError` while writing (a full disk, no permission) becomes an
    :class:`~dosing.errors.OutputError`; any other exception from the block - including
    :class:`KeyboardInterrupt` - passes through. Either way the temporary file is removed
    and the target is unchanged.

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
    return _atomic_output(Path(path), force=force, mode=mode, follow_symlinks=follow_symlinks)


def check_output(path: str | Path, *, force: bool = False, follow_symlinks: bool = True) -> Path:
    """Check that ``path`` can be written, before any work; return the file to write.

    A folder, a device or pipe, an existing file without ``force``, a read-only file even
    with ``force``, a symbolic link when ``follow_symlinks`` is false, a missing folder or
    a path the system refuses (a name too long, no permission to a folder on the way) raise
    :class:`~dosing.errors.OutputError`. A followed link gives the file it points to.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_output(folder / "new.csv") == folder / "new.csv"
    True
    >>> check_output(folder / ("x" * 300 + ".csv"))
    Traceback (most recent call last):
      ...
    dosing.errors.OutputError: output must be a file path the system accepts, got '...xxx.csv'
    - the file name is too long
    """
    target = Path(path)
    shown = repr(str(path))
    if not str(path):
        raise OutputError("output", "a file name", shown)
    found = _status(target, shown, os.lstat)
    if found is not None and stat.S_ISLNK(found.st_mode):
        if not follow_symlinks:
            raise _link_refused(shown)
        target = Path(os.path.realpath(target))
        found = _status(target, shown, os.lstat)
        if found is not None and stat.S_ISLNK(found.st_mode):  # a loop of links
            raise OutputError("output", "a link that leads to a file", shown, "the links loop")
    if found is not None:
        _check_existing(found, shown, force)
    folder = target.parent if str(target.parent) else Path(".")
    folder_found = _status(folder, shown, os.stat)
    if folder_found is None or not stat.S_ISDIR(folder_found.st_mode):
        raise OutputError("output", "in an existing folder", shown, f"create {str(folder)!r} first")
    return target


def _status(
    path: Path, shown: str, status: Callable[[Path], os.stat_result]
) -> os.stat_result | None:
    """``status(path)``, ``None`` if nothing is there; a path the system refuses is an error."""
    try:
        return status(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise OutputError(
            "output", "a file path the system accepts", shown, os_reason(err)
        ) from None


def _link_refused(shown: str) -> OutputError:
    return OutputError(
        "output",
        "a file that is not a symbolic link",
        shown,
        "a link could send the data outside its folder; remove the link",
    )


def _check_existing(found: os.stat_result, shown: str, force: bool) -> None:
    """Refuse to replace a folder, a device, any file without ``force``, a read-only file."""
    if stat.S_ISDIR(found.st_mode):
        raise OutputError("output", "a file path, not a folder", shown)
    if not stat.S_ISREG(found.st_mode):
        raise OutputError("output", "a regular file, not a device, pipe or socket", shown)
    if not force:
        raise OutputError("output", _NOT_EXISTING, shown)
    if not stat.S_IMODE(found.st_mode) & 0o222:
        raise OutputError(
            "output",
            "a file that may be written (--force never replaces a read-only file)",
            f"{shown} (mode {stat.S_IMODE(found.st_mode):04o})",
            "make it writable first if it is to be replaced",
        )


@contextlib.contextmanager
def _atomic_output(
    path: Path, *, force: bool, mode: str, follow_symlinks: bool
) -> Iterator[IO[Any]]:
    shown = repr(str(path))
    target = check_output(path, force=force, follow_symlinks=follow_symlinks)
    folder = target.parent if str(target.parent) else Path(".")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    tmp: Path | None = None
    try:
        for _ in range(_ATTEMPTS):
            # The name is noted before the file exists, so that an interruption at any
            # moment leaves nothing behind; the umask sets the mode, as for any new file
            # (tempfile.mkstemp would always make it 0o600).
            tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(tmp, flags, 0o666)
            except FileExistsError:
                tmp = None
                continue
            break
        else:
            raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))
        handle: IO[Any]
        if mode == "wb":
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 16)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            _replace(tmp, target, shown, follow_symlinks)
        else:
            _create(tmp, target, shown)
    except OSError as err:
        raise OutputError(
            "output", "a writable file", shown, f"{os_reason(err)}; nothing was written"
        ) from None
    finally:
        if tmp is not None:  # after a link the temporary name goes; after a move it is gone
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _create(tmp: Path, target: Path, shown: str) -> None:
    """Give the finished ``tmp`` the name ``target``, failing if that name exists by now."""
    taken = OutputError(
        "output",
        _NOT_EXISTING,
        shown,
        "another program created it while this one was writing; it was left as it is",
    )
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise taken from None
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
    else:
        return
    # No hard links here: claim the name exclusively, then move the content onto it.
    try:
        claim = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise taken from None
    try:
        claimed = os.fstat(claim).st_ino
        os.close(claim)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):  # remove the empty claim, never a finished file
            if os.lstat(target).st_ino == claimed:
                os.unlink(target)
        raise


def _replace(tmp: Path, target: Path, shown: str, follow_symlinks: bool) -> None:
    """Move the finished ``tmp`` over ``target`` (``force``), keeping the old file's mode."""
    try:
        existing = os.lstat(target)
    except FileNotFoundError:
        pass
    else:
        if stat.S_ISLNK(existing.st_mode) and not follow_symlinks:
            raise _link_refused(shown)
        _check_existing(existing, shown, force=True)
        os.chmod(tmp, stat.S_IMODE(existing.st_mode) & 0o777)
    os.replace(tmp, target)


def read_limited(path: str | Path, limit: int) -> bytes:
    """The bytes of the file at ``path``, refusing more than ``limit`` of them.

    The limit holds whatever size the file claims: an endless stream (``/dev/zero``, a
    pipe) is read up to ``limit + 1`` bytes and refused. :class:`OSError` passes through for
    the caller to name the file.

    >>> read_limited("/dev/zero", 10)
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: file must be at most 10 bytes, got more than 10 bytes ('/dev/zero')
    """
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise DosingError(
            "file", f"at most {limit:,} bytes", f"more than {limit:,} bytes ({str(path)!r})"
        )
    return data


def write_atomic(
    path: str | Path, data: str | bytes, *, force: bool = False, follow_symlinks: bool = True
) -> Path:
    """Write ``data`` to ``path`` atomically; refuse to replace an existing file unless ``force``.

    Text is written as UTF-8. See :func:`atomic_output` for the guarantees and
    ``follow_symlinks``.

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
    with atomic_output(path, force=force, mode="wb", follow_symlinks=follow_symlinks) as handle:
        handle.write(payload)
    return Path(path)
