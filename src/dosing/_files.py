"""Writing output files safely: atomic replace, never clobbering without ``force``.

The text or bytes are written to a temporary file in the target's folder, flushed and synced,
then renamed over the target in one step. If anything fails - a full disk, a missing
folder, no permission, an interruption - the temporary file is removed and any existing
file is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from dosing.errors import OutputError

__all__ = ["write_atomic"]


def write_atomic(path: str | Path, data: str | bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; refuse to replace an existing file unless ``force``.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, "one").read_text()
    'one'
    >>> write_atomic(target, "two")
    Traceback (most recent call last):
      ...
    dosing.errors.OutputError: output must be a file that does not exist yet (or pass --force), got '...out.txt'
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if target.is_dir():
        raise OutputError("output", "a file path, not a folder", repr(str(target)))
    if target.exists() and not force:
        raise OutputError(
            "output", "a file that does not exist yet (or pass --force)", repr(str(target))
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            "output", "in an existing folder", repr(str(target)), f"create {str(folder)!r} first"
        )
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if not force and target.exists():
            raise OutputError(
                "output", "a file that does not exist yet (or pass --force)", repr(str(target))
            )
        os.replace(tmp_name, target)
        tmp_name = None
    except OSError as err:
        reason = {
            errno.ENOSPC: "the disk is full",
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
            errno.EROFS: "the file system is read-only",
        }.get(err.errno or 0, err.strerror or type(err).__name__)
        raise OutputError(
            "output", "a writable file", repr(str(target)), f"{reason}; nothing was written"
        ) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return target
