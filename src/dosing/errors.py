"""The errors `dosing` raises: one root, precise subclasses.

Every error the library raises for bad input is a :class:`DosingError`. Messages follow one
shape - ``<field> must be <constraint>, got <value>`` - followed, where there is one, by what
to do instead.

>>> from dosing.errors import DosingError, MeasurementError
>>> issubclass(MeasurementError, DosingError)
True
>>> str(MeasurementError("height", "a length such as '175 cm'", "'175 kg'"))
"height must be a length such as '175 cm', got '175 kg'"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ChoiceError",
    "DateError",
    "DocumentError",
    "DosingError",
    "FormatError",
    "ImmutableError",
    "MeasurementError",
    "OutputError",
    "PlausibilityError",
    "Problem",
    "ProtocolError",
    "RoundingError",
    "ScheduleError",
    "UnknownProtocolError",
]


class DosingError(Exception):
    """Root of every error `dosing` raises for bad input or a refused operation.

    ``field`` names what was wrong (``"height"``, ``"--cycles"``, ``"drugs[0].dose"``), so a
    command line or a form can point at it.
    """

    field: str

    def __init__(self, field: str, constraint: str, got: object, hint: str = "") -> None:
        self.field = field
        self.constraint = constraint
        self.got = got
        self.hint = hint
        message = f"{field} must be {constraint}, got {got}"
        if hint:
            message += f" - {hint}"
        super().__init__(message)


class MeasurementError(DosingError):
    """A height, weight or laboratory value that cannot be read or has the wrong unit."""


class PlausibilityError(MeasurementError):
    """A measurement outside the adult plausibility range (see :mod:`dosing.patient`)."""


class DateError(DosingError):
    """A date that is invalid, ambiguous or implausibly far from today."""


class RoundingError(DosingError):
    """A rounding policy that is itself malformed (a zero increment, no strengths)."""


class ChoiceError(DosingError):
    """A protocol choice for an unknown drug or with a value the protocol does not allow."""


class ScheduleError(DosingError):
    """A schedule request the protocol cannot satisfy (cycles out of range, bad start)."""


class UnknownProtocolError(DosingError):
    """A protocol id or alias that matches no known protocol."""


class FormatError(DosingError, ValueError):
    """A malformed value in a protocol file (days, cycle ranges).

    It is also a :class:`ValueError`, so that validation collects it with the file's other
    problems instead of stopping at the first.
    """


class ImmutableError(DosingError, AttributeError):
    """An attempt to change a frozen value: a patient, a protocol, a schedule, a dose.

    Values are never changed in place; derive a new one instead (``patient.replace(...)``,
    ``protocol.model_copy(update=...)``). It is an :class:`AttributeError` too, as Python's
    own frozen values raise.

    >>> print(ImmutableError.assignment("Protocol", "id", "model_copy(update=...)"))
    Protocol.id must be left unchanged, got an assignment - values are immutable; derive a new one with model_copy(update=...)
    """

    @classmethod
    def assignment(cls, kind: str, name: str, how: str) -> ImmutableError:
        """The error for assigning to (or deleting) ``kind.name``, naming the way to derive."""
        return cls(
            f"{kind}.{name}",
            "left unchanged",
            "an assignment",
            f"values are immutable; derive a new one with {how}",
        )


class DocumentError(DosingError, ValueError):
    """A JSON document that is not a schedule document of the version this library reads.

    ``details`` holds every problem found, as pydantic lists them (location, message, input).
    """

    details: tuple[dict[str, object], ...] = ()


class OutputError(DosingError):
    """An output file that cannot be written safely (exists, no folder, no permission)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found while validating a protocol file.

    ``location`` is a dotted path inside the file (``drugs.carfilzomib.days[1]``).
    """

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ProtocolError(DosingError):
    """A protocol definition with one or more problems; all of them are in ``problems``.

    >>> err = ProtocolError("x.toml", [Problem("cycle_length", "must be positive, got 0")])
    >>> print(err)
    x.toml: protocol must be valid, got 1 problem:
      cycle_length: must be positive, got 0
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        count = len(self.problems)
        listing = "\n".join(f"  {p}" for p in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(source, "valid", f"{count} {noun}:\n{listing}")
        # The field prefix already names the file; restate the message without the
        # generic "<field> must be" preamble so each problem reads on its own line.
        self.args = (f"{source}: protocol must be valid, got {count} {noun}:\n{listing}",)

    def __str__(self) -> str:
        return str(self.args[0])
