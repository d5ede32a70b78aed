"""Free text made safe to show: the one filter every output and every message goes through.

Text that reaches a person - a patient identifier, a protocol's name and notes, a drug name
or a file name inside an error message - may hold characters that change what a screen,
a spreadsheet or an editor shows instead of being shown themselves:

* **line breaks** (CR, LF, CRLF): a CR sends a terminal back to the start of the line, so
  the text after it overwrites what came before (a note could print over a dose);
* **control characters** (C0 other than tab and line breaks, DEL, and C1 ``U+0080``-``U+009F``
  such as ``U+009B``, a terminal's control sequence introducer; this includes VT, FF and
  NEL ``U+0085``), and the line and paragraph separators ``U+2028``/``U+2029``;
* **bidirectional controls** (``U+061C``, ``U+200E``, ``U+200F``, ``U+202A``-``U+202E``,
  ``U+2066``-``U+2069``): they reorder the text around them on screen, so ``U+202E`` can make
  ``gm 4.93`` read as ``39.4 mg``;
* **non-characters and lone surrogates** (``U+FDD0``-``U+FDEF``, ``U+FFFE``, ``U+FFFF``,
  ``U+D800``-``U+DFFF``), which cannot be written as UTF-8 or are not text at all.

Every character of the last three kinds becomes ``U+FFFD`` (�), so that it is visible that
something was there. Line breaks become a space in one-line text (:func:`one_line`: table
cells, CSV cells, a calendar's summary, messages) and ``\\n`` in text of several lines
(:func:`multi_line`: a calendar's description, an HTML page). Each output then adds the
escaping its format needs (HTML markup, Markdown pipes, iCalendar's ``\\n``), and
:func:`spreadsheet_text` keeps a spreadsheet from reading a formula, whatever separator it
splits the line at. :func:`json_text` writes the same characters as ``\\u`` escapes, so JSON
keeps the exact value.

>>> one_line("note\\r2026-01-05 carfilzomib 394 mg")
'note 2026-01-05 carfilzomib 394 mg'
>>> one_line("gm 4.93\\u202e")
'gm 4.93\\ufffd'
>>> multi_line("line 1\\r\\nline 2\\x9b")
'line 1\\nline 2\\ufffd'
"""

from __future__ import annotations

import codecs
import re
from typing import Final

__all__ = [
    "FALLBACK_ERRORS",
    "SEPARATORS",
    "UNSAFE",
    "abbreviated",
    "json_text",
    "message",
    "multi_line",
    "one_line",
    "spreadsheet_text",
    "terminal_fallback",
]

#: Characters that never reach an output or a message as themselves (see the module text).
UNSAFE: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 (not tab, LF, CR), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls
    "\u2028\u2029"  # line and paragraph separators
    "\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"  # non-characters, lone surrogates
)
_REPLACEMENT: Final = "\ufffd"
_LINE_BREAK: Final = re.compile("\r\n|\r|\n")
_ONE_LINE: Final = re.compile("\r\n|[\r\n\t]")

#: The separators a spreadsheet may split a CSV line at.
SEPARATORS: Final = ",;\t"
#: Where a spreadsheet starts a cell - the start of the text, or just after a separator -
#: and what follows would start a formula (``=``, ``+``, ``-`` or ``@``, after any spaces or
#: quotes) or, after a separator, open a quoted field that could run on past separators and
#: line ends.
_FORMULA_AHEAD: Final = re.compile(r"^(?=[\s\"]*[=+\-@])|(?<=[,;\t])(?=\s*[\"']|[\s\"]*[=+\-@])")
#: A cell that is only a number (``-5``, ``+2.5``, ``-0,5``) is not a formula.
_NUMBER: Final = re.compile(r"\s*[+-]?\d+(?:[.,]\d+)?\s*")


def multi_line(text: str) -> str:
    """Text of several lines: CR and CRLF become ``\\n``, unsafe characters become U+FFFD.

    Tabs stay.

    >>> multi_line("a\\rb\\x07\\u2066c\\td")
    'a\\nb\\ufffd\\ufffdc\\td'
    """
    return UNSAFE.sub(_REPLACEMENT, _LINE_BREAK.sub("\n", text))


def one_line(text: str) -> str:
    """Text for one line: line breaks and tabs become spaces, unsafe characters U+FFFD.

    >>> one_line("MRN 0001\\nMRN 0002\\tx\\x9b[2J")
    'MRN 0001 MRN 0002 x\\ufffd[2J'
    """
    return UNSAFE.sub(_REPLACEMENT, _ONE_LINE.sub(" ", text))


def message(text: str) -> str:
    """A message for one line of a terminal: :func:`one_line`, runs of white space as one.

    >>> message("protocol file must be readable, got 'x\\x1b[31m.toml'\\n  next")
    "protocol file must be readable, got 'x\\ufffd[31m.toml' next"
    """
    return " ".join(one_line(str(text)).split())


def abbreviated(text: str, limit: int = 24) -> str:
    """:func:`message`, cut to at most ``limit`` characters with ``…`` (for a short repr).

    >>> abbreviated("MRN 0001"), abbreviated("a very long patient identifier\\n2", 12)
    ('MRN 0001', 'a very long…')
    """
    text = message(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def spreadsheet_text(text: str, *, first: bool = True, whole_line: bool = False) -> str:
    """One-line text that no spreadsheet reads as a formula, whatever it splits lines at.

    A spreadsheet may split a CSV line at commas, semicolons or tabs (many European
    settings use ``;``), and it runs a piece that starts with ``=``, ``+``, ``-`` or ``@``
    (after any spaces or quotes) as a formula. So every place a piece can start - the start
    of the text, and just after each ``,``, ``;`` or tab - gets a ``'`` if what follows
    would start a formula, or (after a separator) if it starts with a quote, which would
    open a field that runs on over separators and line ends. The text is first made one
    line (:func:`one_line`), so it never starts a new record either.

    A piece that is only a number (``-5``) is left as it is - if it is one under every
    split that starts it: ``first`` says the text starts its line (a CSV record's first
    cell), so that a semicolon or tab split starts a piece there too; ``whole_line`` says
    it ends its line (a ``#`` comment). In a cell, a piece after a ``;`` or tab that reaches
    the cell's end runs on into the next cells, so it is never taken for a number.

    >>> spreadsheet_text("=HYPERLINK(1)"), spreadsheet_text("P1;=1+1"), spreadsheet_text("-5")
    ("'=HYPERLINK(1)", "P1;'=1+1", "'-5")
    >>> spreadsheet_text("-5", first=False), spreadsheet_text("-5", whole_line=True)
    ('-5', '-5')
    >>> spreadsheet_text('x,"=cmd", days -5, -4'), spreadsheet_text("x\\t@SUM")
    ('x,\\'"=cmd", days -5, -4', 'x @SUM')
    """
    text = one_line(text)
    places = [
        match.start()
        for match in _FORMULA_AHEAD.finditer(text)
        if not _only_numbers(text, match.start(), first=first, whole_line=whole_line)
    ]
    for place in reversed(places):
        text = f"{text[:place]}'{text[place:]}"
    return text


def _only_numbers(text: str, start: int, *, first: bool, whole_line: bool) -> bool:
    """Whether the piece from ``start`` is a plain number under every split that starts it there.

    At the start of the text a piece starts under a comma split, and under every split if
    the text is ``first`` on its line; after a separator, under a split at that separator.
    It runs to the next separator of the same kind; the text's end ends it only for a comma
    split (the cell's end is a comma) or when the text is the ``whole_line``.
    """
    kinds = (SEPARATORS if first else ",") if start == 0 else text[start - 1]
    for separator in kinds:
        end = text.find(separator, start)
        if end < 0:
            if not whole_line and separator != ",":
                return False  # the piece runs on into the next cells
            end = len(text)
        if not _NUMBER.fullmatch(text[start:end]):
            return False
    return True


def json_text(document: str) -> str:
    """A JSON document with every unsafe character written as a ``\\u`` escape.

    JSON keeps values exactly, so the characters are escaped rather than replaced: the
    document itself holds none of them, and a program reading it gets the value back.

    >>> json_text('{"id": "P1\\u202e"}')
    '{"id": "P1\\\\u202e"}'
    """
    return UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", document)


#: Plain-ASCII forms of the symbols the outputs use, for a terminal that cannot show them.
_ASCII: Final = {
    "²": "2",
    "³": "3",
    "×": "x",
    "µ": "u",
    "μ": "u",
    "·": ".",
    "–": "-",
    "—": "-",
    "−": "-",
    "≤": "<=",
    "≥": ">=",
    "…": "...",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "\u00a0": " ",
    _REPLACEMENT: "?",
}
#: The error handler :func:`terminal_fallback` registers.
FALLBACK_ERRORS: Final = "dosing-ascii"


def _fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    shown = "".join(
        _ASCII.get(char, char.encode("ascii", "backslashreplace").decode("ascii"))
        for char in error.object[error.start : error.end]
    )
    return shown, error.end


def terminal_fallback() -> str:
    """The name of an encoding error handler for a terminal that cannot show every character.

    ``m²`` becomes ``m2``, ``×`` becomes ``x``, ``µmol/L`` becomes ``umol/L``; anything else
    is written as a backslash escape (``\\u2713``), so nothing is lost silently.

    >>> "56 mg/m² × 1.972 m² ✓".encode("ascii", terminal_fallback())
    b'56 mg/m2 x 1.972 m2 \\\\u2713'
    """
    try:
        codecs.lookup_error(FALLBACK_ERRORS)
    except LookupError:
        codecs.register_error(FALLBACK_ERRORS, _fallback)
    return FALLBACK_ERRORS
