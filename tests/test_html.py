"""The HTML page: header and notice, an order-sheet row per dose, a month grid per month, safe text."""

from __future__ import annotations

import datetime as dt
import html.parser

import pytest

import dosing
from dosing.export._common import COLUMNS, header
from dosing.export.html import to_html

TODAY = dt.date(2026, 1, 1)
MOMENT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class _Page(html.parser.HTMLParser):
    """Collects tags, attributes, text and the cells of order-sheet rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_admin = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "tr":
            self._in_admin = "admin" in (attributes.get("class") or "").split()
            if self._in_admin:
                self.rows.append([])
        elif tag == "td" and self._in_admin:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._in_admin = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _schedule(identifier: str | None = "MRN 0042", cycles: int = 2) -> dosing.Schedule:
    patient = dosing.Patient(height="175 cm", weight="80 kg", identifier=identifier)
    return dosing.build_schedule(
        dosing.get_protocol("KRd"), patient, "2026-01-05", cycles=cycles, today=TODAY
    )


@pytest.fixture(scope="module")
def page() -> _Page:
    parser = _Page()
    parser.feed(to_html(_schedule(), generated_at=MOMENT))
    return parser


def test_notice_and_every_header_field_are_shown(page: _Page) -> None:
    """The verification notice and each header field (label and text) appear on the page."""
    text = " ".join(" ".join(page.text).split())
    assert dosing.VERIFICATION_NOTICE in text
    for _label, value in header(_schedule(), generated_at=MOMENT).fields:
        assert " ".join(value.split()) in text, value


def test_one_order_row_per_administration_with_the_columns(page: _Page) -> None:
    """The order sheet has one row per dose, each with the ten columns in order."""
    schedule = _schedule()
    assert len(page.rows) == len(schedule.administrations) == 62
    assert all(len(row) == len(COLUMNS) for row in page.rows)
    c1d8 = next(r for r in page.rows if r[0] == "2026-01-12" and r[3] == "carfilzomib")
    assert c1d8[:8] == [
        "2026-01-12",
        "1",
        "8",
        "carfilzomib",
        "110.4",
        "mg",
        "IV",
        "56 mg/m² × 1.972 m² (Mosteller)",
    ]


def test_one_month_grid_per_month_touched(page: _Page) -> None:
    """Two 28-day cycles from 5 January 2026 end on 1 March: grids for January to March."""
    months = [a["data-month"] for _, a in page.tags if "data-month" in a]
    assert months == ["2026-01", "2026-02", "2026-03"]


def test_cycle_starts_are_marked(page: _Page) -> None:
    """Each cycle's first day carries a visible 'Cycle N starts' label."""
    text = " ".join(page.text)
    assert "Cycle 1 starts" in text
    assert "Cycle 2 starts" in text


def test_the_page_is_self_contained(page: _Page) -> None:
    """No scripts, no external resources: nothing is loaded from the network."""
    assert not any(tag in {"script", "link", "img", "iframe", "object"} for tag, _ in page.tags)
    assert not any(
        (value or "").startswith(("http:", "https:", "//"))
        for _, attributes in page.tags
        for value in attributes.values()
    )


def test_hostile_identifier_is_text_only() -> None:
    """Markup, quotes and control characters in the identifier are escaped or replaced."""
    hostile = "<script>alert(1)</script>&\"'\x07"
    raw = to_html(_schedule(identifier=hostile, cycles=1), generated_at=MOMENT)
    parser = _Page()
    parser.feed(raw)
    assert "script" not in {tag for tag, _ in parser.tags}
    assert "\x07" not in raw
    assert any("<script>alert(1)</script>&\"'" in chunk for chunk in parser.text)


def test_same_input_gives_the_same_page() -> None:
    """With a fixed generation time the page is byte-identical."""
    assert to_html(_schedule(), generated_at=MOMENT) == to_html(_schedule(), generated_at=MOMENT)
