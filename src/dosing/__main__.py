"""``python -m dosing``: the ``dosing`` command, with the same options and exit statuses.

Useful where the console script is not on ``PATH`` (a virtual environment not activated,
``pipx run``, a notebook's ``!python -m dosing ...``).
"""

from __future__ import annotations

from dosing._cli import run

if __name__ == "__main__":  # pragma: no cover - run as a process by the tests
    run()
