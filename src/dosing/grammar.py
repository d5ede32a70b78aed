"""The small languages of protocol files: cycle ranges and day lists.

>>> CycleRange.parse("3-6"), parse_days("1-3, 8")
(CycleRange(first=3, last=6), (1, 2, 3, 8))
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from dosing.errors import FormatError

__all__ = ["EARLIEST_DAY", "MAX_CYCLES", "CycleRange", "parse_days"]

#: The most cycles any schedule may have, whatever a protocol says (about 9 years of 28 days).
MAX_CYCLES = 120
#: The earliest day a protocol may name: day 0 and negative days count back from an anchor day
#: (an infusion), in cycle 1 only.
EARLIEST_DAY = -60
_MAX_DAY_SPAN = 400

_CYCLE_TEXT = re.compile(r"^\s*(\d+)\s*(?:(\+)|-\s*(\d+))?\s*$")
_DAY_PART = re.compile(r"^\s*(-?\d+)\s*(?:(?:-|to|\.\.)\s*(-?\d+))?\s*$")


@dataclass(frozen=True, slots=True)
class CycleRange:
    """Cycles ``first`` to ``last`` inclusive; ``last=None`` means every later cycle.

    >>> CycleRange.parse("3-6"), CycleRange.parse("7+").contains(40), str(CycleRange.parse(1))
    (CycleRange(first=3, last=6), True, '1')
    """

    first: int
    last: int | None

    @classmethod
    def parse(cls, value: object) -> CycleRange:
        """Read ``1``, ``"1"``, ``"3-6"`` or ``"7+"``."""
        if isinstance(value, CycleRange):
            return value
        last: int | None
        if isinstance(value, int) and not isinstance(value, bool):
            first, last = value, value
        elif isinstance(value, str) and (m := _CYCLE_TEXT.match(value)):
            first = int(m[1])
            last = None if m[2] else int(m[3]) if m[3] else first
        else:
            raise FormatError("cycles", "a number or a range such as '3-6' or '7+'", repr(value))
        if first < 1 or first > MAX_CYCLES:
            raise FormatError("cycles", f"to start between 1 and {MAX_CYCLES}", repr(value))
        if last is not None and last < first:
            raise FormatError("cycles", "a range that does not end before it starts", repr(value))
        return cls(first, last)

    def contains(self, cycle: int) -> bool:
        """True if ``cycle`` lies in the range."""
        return self.first <= cycle and (self.last is None or cycle <= self.last)

    def overlaps(self, other: CycleRange) -> bool:
        """True if the two ranges share a cycle."""
        end_a = self.last if self.last is not None else MAX_CYCLES
        end_b = other.last if other.last is not None else MAX_CYCLES
        return self.first <= end_b and other.first <= end_a

    def __str__(self) -> str:
        """``1``, ``3-6`` or ``7+``."""
        if self.last is None:
            return f"{self.first}+"
        return str(self.first) if self.last == self.first else f"{self.first}-{self.last}"


def parse_days(value: object) -> tuple[int, ...]:
    """Read days as a list of integers or text such as ``"1-21"`` or ``"1,2,8,9"``.

    >>> parse_days("1-3, 8"), parse_days([-5, -4, -3])
    ((1, 2, 3, 8), (-5, -4, -3))
    """
    parts: list[object]
    if isinstance(value, str):
        parts = [p for p in value.split(",") if p.strip()]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise FormatError("days", "a list such as [1, 8, 15] or text such as '1-21'", repr(value))
    if len(parts) > _MAX_DAY_SPAN:
        raise FormatError("days", f"at most {_MAX_DAY_SPAN} days", f"{len(parts)} entries")
    days: list[int] = []
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            _check_day(part)
            days.append(part)
            continue
        m = _DAY_PART.match(part) if isinstance(part, str) else None
        if not m:
            raise FormatError("days", "whole numbers or ranges such as '1-21'", repr(part))
        first, last = int(m[1]), int(m[2]) if m[2] else int(m[1])
        _check_day(first)
        if last < first or last - first > _MAX_DAY_SPAN:
            raise FormatError(
                "days", f"ranges that run forwards over at most {_MAX_DAY_SPAN} days", repr(part)
            )
        days.extend(range(first, last + 1))
        if len(days) > _MAX_DAY_SPAN:
            raise FormatError("days", f"at most {_MAX_DAY_SPAN} days", f"{len(days)} or more")
    if not days:
        raise FormatError("days", "a list of at least one day", "none")
    duplicated = sorted(day for day, n in Counter(days).items() if n > 1)
    if duplicated:
        raise FormatError(
            "days", "free of repeats", f"{', '.join(map(str, duplicated))} more than once"
        )
    return tuple(sorted(days))


def _check_day(day: int) -> None:
    if day < EARLIEST_DAY:
        raise FormatError(
            "days",
            f"day {EARLIEST_DAY} or later (days before day 1 count back from an anchor day)",
            str(day),
        )
