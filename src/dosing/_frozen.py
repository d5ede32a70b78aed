"""Immutable values that say so: changing one raises :class:`~dosing.errors.ImmutableError`.

Frozen dataclasses raise :class:`dataclasses.FrozenInstanceError` on assignment; the values
`dosing` hands out raise an error of the library's own tree instead (it is an
:class:`AttributeError` too), naming the way to derive a changed value.

>>> from dataclasses import dataclass
>>> @immutable("a new value")
... @dataclass(frozen=True)
... class Point:
...     x: int
>>> Point(1).x = 2
Traceback (most recent call last):
  ...
dosing.errors.ImmutableError: Point.x must be left unchanged, got an assignment - values are immutable; derive a new one with a new value
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dosing.errors import ImmutableError

__all__ = ["immutable"]

T = TypeVar("T", bound=type)


def immutable(how: str = "dataclasses.replace(...)") -> Callable[[T], T]:
    """Make assignment and deletion on a frozen dataclass raise :class:`ImmutableError`."""

    def decorate(cls: T) -> T:
        def __setattr__(self: object, name: str, value: object) -> None:
            raise ImmutableError.assignment(type(self).__name__, name, how)

        def __delattr__(self: object, name: str) -> None:
            raise ImmutableError.assignment(type(self).__name__, name, how)

        cls.__setattr__ = __setattr__  # type: ignore[assignment]
        cls.__delattr__ = __delattr__  # type: ignore[assignment]
        return cls

    return decorate
