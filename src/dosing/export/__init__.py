"""Writing a schedule out: tables (CSV, Markdown, JSON, HTML, plain text) and iCalendar.

Every output carries the same header (patient, BSA and formula, protocol, choices with
defaults marked, cycles, date generated, sources) and the verification notice. Exporters
are pure: they return text or bytes; writing files is the caller's (see :mod:`dosing._files`).
"""

from dosing.export._common import Header, Row, header, rows

__all__ = ["Header", "Row", "header", "rows"]
